// Package faultproxy puts a fault-injecting proxy in front of a real server,
// so tests can make Qdrant or Weaviate fail on demand: answer an error, stall,
// cut a download half way, corrupt bytes, ignore Range requests, or
// rewrite what an answer says (a newer version, say).
//
// HTTP proxies a REST port and GRPC proxies a gRPC port. Both forward every
// call unchanged until a Fault is injected; a Pair holds one of each for a
// server that speaks both.
//
//	p := faultproxy.StartPair(t, "127.0.0.1:6333", "127.0.0.1:6334")
//	p.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 2, Code: codes.Unavailable})
//	// point the client at p.GRPC.Port(); the first two upserts fail, the third passes.
//	p.HTTP.Inject(faultproxy.Fault{Match: "GET /collections/*/snapshots/*", CutAfter: 1 << 20})
//	// a snapshot download through p.HTTP.URL() breaks off after 1 MiB.
//
// Calls, Faulted and Completed count the calls a Match string selects, and
// WaitCompleted waits for them, so a test can tell what reached the server.
package faultproxy
