package main

import (
	"fmt"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
)

// The benchmark's data set: point i has a deterministic UUID, a dense
// vector and a few scalar payload fields, the same in every scenario and
// on every machine.
const (
	dataNamespace = "vecmig-bench"
	vectorSeed    = 2024
)

type benchPoint struct {
	ID     adapters.ID
	Vector []float32
	// Payload fields, typed so that each engine's loader can write them
	// natively (Weaviate: text, int, number, boolean).
	Title    string
	Num      int64
	Score    float64
	Flag     bool
	Category string
}

func makePoint(i, dim int) benchPoint {
	return benchPoint{
		ID:       adaptertest.UUIDFor(dataNamespace, i),
		Vector:   adaptertest.Dense(vectorSeed, i, dim),
		Title:    fmt.Sprintf("document %d", i),
		Num:      int64(i),
		Score:    float64(i%1000) / 7,
		Flag:     i%3 == 0,
		Category: fmt.Sprintf("category-%d", i%17),
	}
}

// payload is the point's payload as a JSON-like map.
func (p benchPoint) payload() map[string]any {
	return map[string]any{"title": p.Title, "num": p.Num, "score": p.Score, "flag": p.Flag, "category": p.Category}
}
