package adapters

import "context"

// KindUnsupported classifies a request the adapter's engine cannot serve
// at all (an exact search on Weaviate's HNSW index): not a failure of
// the server, and not worth retrying; the caller chooses another way.
// It sits outside the iota list of errors.go so that a kind added there
// cannot take its value.
const KindUnsupported Kind = 32

// Searcher is a Source that can run a k-nearest-neighbour search on one
// of its dense vectors, as its engine's users do. verify --search uses it
// to check that the target answers searches as the source does.
type Searcher interface {
	// Search returns the req.K points nearest to req.Query, nearest first,
	// with neutral distances. With req.Exact it searches without the
	// approximate index (every point compared); an engine that cannot do
	// that returns an error of kind KindUnsupported.
	Search(ctx context.Context, req SearchRequest) ([]SearchHit, error)
}

// SearchRequest asks a Searcher for one query's nearest points.
type SearchRequest struct {
	Partition string // "" for a collection that is not partitioned
	// Vector is the vector's name on this side (DefaultVector for the
	// unnamed one).
	Vector string
	Query  []float32
	K      int
	Exact  bool
	// Distance is the vector's distance on this side, as Describe reports
	// it: the adapter turns its engine's score into a neutral distance
	// with it. Empty: the adapter looks it up.
	Distance Distance
}

// SearchHit is one point of a search result. Score is the neutral
// distance of package verify/knn, smaller is closer: cosine 1-cos, dot
// -(a·b), euclid the squared distance, manhattan the sum of |a_i-b_i|,
// whatever the engine itself returns.
type SearchHit struct {
	ID    ID      `json:"id"`
	Score float64 `json:"score"`
}
