package faultproxy

import "testing"

// Pair proxies both ports of a server that speaks REST and gRPC, such as
// Qdrant (6333 and 6334) or Weaviate (8080 and 50051).
type Pair struct {
	HTTP *HTTP
	GRPC *GRPC
}

// StartPair starts both proxies for a test and closes them when it ends.
func StartPair(t testing.TB, restTarget, grpcTarget string) *Pair {
	t.Helper()
	return &Pair{HTTP: StartHTTP(t, restTarget), GRPC: StartGRPC(t, grpcTarget)}
}

// Reset removes both proxies' faults and forgets their calls.
func (p *Pair) Reset() {
	p.HTTP.Reset()
	p.GRPC.Reset()
}
