package faultproxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// snapshotFixture is one collection snapshot on the shared node, made once
// for the HTTP tests, with its bytes as Qdrant serves them directly.
type snapshotFixture struct {
	collection, name string
	path             string // "/collections/{c}/snapshots/{name}"
	body             []byte
	points           uint64
}

var fixture struct {
	once sync.Once
	snap *snapshotFixture
	err  error
}

const fixturePoints = 3000

// identity asks Qdrant for the snapshot's own bytes. Otherwise it gzips
// every response for a client that accepts gzip, as Go's transport does by
// default, and the proxy's byte counts are of the compressed stream.
var identity = []string{"Accept-Encoding", "identity"}

func snapshot(t *testing.T) *snapshotFixture {
	t.Helper()
	node := sharedQdrant(t)
	fixture.once.Do(func() { fixture.snap, fixture.err = makeSnapshot(t, node) })
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	if fixture.snap == nil {
		t.Fatal("the snapshot fixture failed in an earlier test")
	}
	return fixture.snap
}

func makeSnapshot(t *testing.T, node *qdranttest.Node) (*snapshotFixture, error) {
	c := node.Client(t)
	s := &snapshotFixture{collection: "faultproxy_snapshot_fixture", points: fixturePoints}
	createCollection(t, c, s.collection, 64)
	ctx := context.Background()
	for first := 0; first < fixturePoints; first += 500 {
		if err := upsert(ctx, c, s.collection, first, 500, 64); err != nil {
			return nil, err
		}
	}
	var created struct {
		Result struct{ Name string } `json:"result"`
	}
	url := node.RESTURL() + "/collections/" + s.collection + "/snapshots?wait=true"
	if err := json.Unmarshal(restBody(t, http.MethodPost, url, nil, http.StatusOK), &created); err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", s.collection, err)
	}
	s.name = created.Result.Name
	s.path = "/collections/" + s.collection + "/snapshots/" + s.name
	s.body = restBody(t, http.MethodGet, node.RESTURL()+s.path, nil, http.StatusOK, identity...)
	return s, nil
}
