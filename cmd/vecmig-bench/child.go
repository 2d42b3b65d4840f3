package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// childCommand is the hidden subcommand that runs a reference method in
// its own process, so that it is measured like vecmig:
//
//	vecmig-bench child plain   --engine E --from URL --to URL --batch-size N
//	vecmig-bench child ceiling --engine E --from URL --to URL --batch-size N --writers C
//	vecmig-bench child backup  --from REST_URL --to REST_URL --class C --id ID
//
// Both create the target like the source first. They print one JSON
// childResult on stdout.
const childCommand = "child"

// childResult is what a child reports about itself. Seconds and CPUSeconds
// cover the copy (plain: create the target, read and write everything) or
// only the timed writes (ceiling).
type childResult struct {
	Method      string  `json:"method"`
	Client      string  `json:"client"`
	Points      int     `json:"points"`
	Batches     int     `json:"batches"`
	Writers     int     `json:"writers,omitempty"`
	Seconds     float64 `json:"seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	ReadSeconds float64 `json:"read_seconds,omitempty"` // ceiling: the untimed read into memory
}

// rawConn copies one collection with an engine's own client, without any
// vecmig code: the reference vecmig is measured against.
type rawConn interface {
	// client names the client code path, for the report.
	client() string
	// createTarget creates the target collection with the source's definition.
	createTarget(ctx context.Context) error
	// read returns the page at cursor cur (nil: the first page) converted
	// into a ready-to-send write request, the cursor of the next page, and
	// whether this page is the last.
	read(ctx context.Context, cur any, limit int) (b rawBatch, next any, done bool, err error)
	// write sends one batch to the target and waits for it to be applied.
	write(ctx context.Context, b rawBatch) error
	close()
}

// rawBatch is a write request ready to send.
type rawBatch interface{ size() int }

// openRaw connects to a source and a target of one engine, or of the two
// engines named source first.
func openRaw(ctx context.Context, engine, from, to string) (rawConn, error) {
	switch engine {
	case "qdrant":
		return openQdrantRaw(ctx, from, to)
	case "weaviate":
		return openWeaviateRaw(ctx, from, to)
	case engineWeaviateQdrant:
		return openWeaviateQdrantRaw(ctx, from, to)
	case engineQdrantWeaviate:
		return openQdrantWeaviateRaw(ctx, from, to)
	}
	return nil, fmt.Errorf("--engine %q: use qdrant, weaviate, %s or %s", engine, engineWeaviateQdrant, engineQdrantWeaviate)
}

func childMain(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "vecmig-bench child: say plain or ceiling")
		return 2
	}
	method := args[0]
	if method == "exec" {
		return launch(args[1:])
	}
	if method == "backup" {
		return backupChild(args[1:])
	}
	fs := flag.NewFlagSet("vecmig-bench child "+method, flag.ContinueOnError)
	engine := fs.String("engine", "", "qdrant, weaviate, or across engines "+engineWeaviateQdrant+" or "+engineQdrantWeaviate)
	from := fs.String("from", "", "source endpoint URL")
	to := fs.String("to", "", "target endpoint URL")
	batch := fs.Int("batch-size", 256, "points per page and per batch")
	writers := fs.Int("writers", 1, "concurrent writers (ceiling)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *from == "" || *to == "" || *batch < 1 || *writers < 1 {
		fmt.Fprintln(os.Stderr, "vecmig-bench child: --from, --to, --batch-size >= 1 and --writers >= 1 are required")
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	conn, err := openRaw(ctx, *engine, *from, *to)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench child %s: %v\n", method, err)
		return 1
	}
	defer conn.close()
	var res *childResult
	switch method {
	case "plain":
		res, err = plainLoop(ctx, conn, *batch)
	case "ceiling":
		res, err = ceiling(ctx, conn, *batch, *writers)
	default:
		err = fmt.Errorf("unknown method %q; use plain or ceiling", method)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench child %s: %v\n", method, err)
		return 1
	}
	res.Method, res.Client = method, conn.client()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench child %s: %v\n", method, err)
		return 1
	}
	return 0
}

// plainLoop is the simplest correct copy: read a page, write it as one
// batch, repeat. One request at a time, nothing overlapped.
func plainLoop(ctx context.Context, conn rawConn, batch int) (*childResult, error) {
	start, cpu0 := time.Now(), selfCPU()
	if err := conn.createTarget(ctx); err != nil {
		return nil, err
	}
	res := &childResult{}
	var cur any
	for {
		b, next, done, err := conn.read(ctx, cur, batch)
		if err != nil {
			return nil, err
		}
		if b.size() > 0 {
			if err := conn.write(ctx, b); err != nil {
				return nil, err
			}
			res.Points += b.size()
			res.Batches++
		}
		if done {
			break
		}
		if b.size() == 0 {
			return nil, errors.New("the source returned an empty page that is not the last")
		}
		cur = next
	}
	res.Seconds = time.Since(start).Seconds()
	res.CPUSeconds = (selfCPU() - cpu0).Seconds()
	return res, nil
}

// ceiling reads every page into memory first (not timed), creates the
// target, then times only the writes of those same batches with writers
// concurrent requests.
func ceiling(ctx context.Context, conn rawConn, batch, writers int) (*childResult, error) {
	readStart := time.Now()
	var batches []rawBatch
	var cur any
	for {
		b, next, done, err := conn.read(ctx, cur, batch)
		if err != nil {
			return nil, err
		}
		if b.size() > 0 {
			batches = append(batches, b)
		}
		if done {
			break
		}
		if b.size() == 0 {
			return nil, errors.New("the source returned an empty page that is not the last")
		}
		cur = next
	}
	res := &childResult{Batches: len(batches), Writers: writers, ReadSeconds: time.Since(readStart).Seconds()}
	for _, b := range batches {
		res.Points += b.size()
	}
	if err := conn.createTarget(ctx); err != nil {
		return nil, err
	}

	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	work := make(chan rawBatch)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), selfCPU()
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				fc.Fail(conn.write(ctx, b))
			}
		}()
	}
feed:
	for _, b := range batches {
		select {
		case work <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := fc.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.CPUSeconds = (selfCPU() - cpu0).Seconds()
	return res, nil
}
