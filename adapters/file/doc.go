// Package file reads and writes collection dumps: a directory that holds one
// collection's definition and every point, for exports, offline hand-offs,
// test fixtures, and as the baseline a restored collection is verified
// against. A dump is a full Source and Sink, named file://PATH.
//
// # Format (version 1)
//
// The directory holds a manifest and one points file per partition:
//
//	DIR/manifest.json
//	DIR/points.jsonl.gz              a collection that is not partitioned
//	DIR/points-<escaped name>.jsonl.gz   one per partition (tenant, shard key)
//
// With ?compress=none the files are plain text and lose the ".gz".
//
// manifest.json is written atomically (temporary file, fsync, rename):
//
//	{
//	  "format": "vecmig-dump",
//	  "version": 1,
//	  "complete": true,
//	  "created": "2024-03-01T12:00:00Z",
//	  "collection": { ...adapters.Collection: engine, name, vectors,
//	                  partitions, and "native", the engine's own
//	                  definition verbatim... },
//	  "partitions": [
//	    {"name": "", "status": "", "file": "points.jsonl.gz", "count": 5000,
//	     "sha256": "<hex of the file's bytes>", "size": 181234,
//	     "first_id": 1, "last_id": 9000}
//	  ]
//	}
//
// "complete" is false from the moment a writer starts until it has closed,
// synced and checksummed every points file; an incomplete dump is refused as
// a source (resume the run that wrote it, or write it again). "size" (bytes)
// is absent in dumps written before vecmig recorded it.
//
// Before a migration writes anything, its plan reads every points file in
// full (Source.CheckSource): a file that is missing, cut short, changed or
// holding another number of points than the manifest says stops the run
// with one line naming the file. A read that meets such a file anyway
// fails with the same message.
//
// A points file has one JSON object per line, one line per point, in
// strictly ascending ID order (integers first, then UUIDs):
//
//	{"id":42,"vectors":{"":{"dense":[0.25,-1]}},"payload":{"n":2,"x":2.0}}
//	{"id":"6f1c…","vectors":{"kw":{"sparse":{"indices":[3,17],"values":[0.5,0.25]}},"colbert":{"multi":[[1,0],[0,1]]}}}
//
// The single unnamed vector is stored under the name "". Vector components
// are float32 written in their shortest exact form, so they read back bit
// for bit. Payload integers are written as integers (int64, exact beyond
// 2^53) and payload floats always carry a fraction or an exponent ("2.0"),
// so the integer/float distinction survives the round trip. Payload keys
// are sorted. NaN and infinities cannot be stored (JSON has no spelling for
// them): writing such a point fails and names it.
//
// The lines are gzip-compressed by default; a file may hold several gzip
// members back to back (every gzip reader accepts that). zcat and grep are
// enough to look inside a dump.
//
// # Writing and resuming
//
// A dump is written in ID order (the sink is an adapters.OrderedSink). Each
// Write is flushed and fsynced before it returns, so what migrate records as
// written is on disk. When a run is killed, its points files end with an
// unfinished gzip stream; writing again with --on-exists append keeps every
// complete line (rewriting the valid prefix to a new file, then renaming it
// into place), and skips incoming points whose id is not above the last one
// kept, since the resumed run re-sends from its saved watermark.
//
// Files are created with mode 0600 and a new directory with 0700: dumps
// hold company data.
package file
