package faultproxy

// CorruptEvery is the stride of the bits Corrupt flips, for the tests in
// package faultproxy_test (external, as they start servers with qdranttest,
// which imports this package).
const CorruptEvery = corruptEvery
