package mapping

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// The payload scan: Qdrant has no schema, so the types of a collection's
// payload are learned by reading every point once. Memory stays bounded:
// per key path a few counters and at most qwMaxExamples ids per finding.

const (
	qwMaxExamples = 5
	qwScanPage    = 1000
	qwMaxExact    = 1 << 53 // Weaviate carries numbers as float64
)

// qwSeen counts values of one kind at one path, with example point ids.
type qwSeen struct {
	n   uint64
	ids []adapters.ID
}

func (s *qwSeen) add(id adapters.ID) {
	s.n++
	if len(s.ids) < qwMaxExamples && (len(s.ids) == 0 || s.ids[len(s.ids)-1] != id) {
		s.ids = append(s.ids, id)
	}
}

// examples prints the example ids: "ids 1, 4, 9".
func (s *qwSeen) examples() string {
	parts := make([]string, len(s.ids))
	for i, id := range s.ids {
		parts[i] = id.String()
	}
	more := ""
	if s.n > uint64(len(s.ids)) {
		more = ", ..."
	}
	return "ids " + strings.Join(parts, ", ") + more
}

// qwNode is what was seen at one position of the payload: a key path, or
// the elements of the arrays at a key path.
type qwNode struct {
	kinds    map[string]*qwSeen // "int", "float", "string", "bool", "object", "array"
	null     qwSeen
	emptyArr qwSeen
	bigInt   qwSeen // integers beyond ±2^53
	notDate  qwSeen // strings that are not RFC 3339 dates
	notUUID  qwSeen // strings that are not UUIDs
	notGeo   qwSeen // objects that are not {lat, lon}
	keys     map[string]*qwNode
	elem     *qwNode
	isElem   bool // the elements of arrays
}

func newQWNode() *qwNode { return &qwNode{kinds: map[string]*qwSeen{}, keys: map[string]*qwNode{}} }

func (n *qwNode) kind(k string, id adapters.ID) {
	s := n.kinds[k]
	if s == nil {
		s = &qwSeen{}
		n.kinds[k] = s
	}
	s.add(id)
}

// kindNames lists the kinds seen, sorted, nulls not counted.
func (n *qwNode) kindNames() []string {
	out := make([]string, 0, len(n.kinds))
	for k := range n.kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (n *qwNode) child(key string) *qwNode {
	c := n.keys[key]
	if c == nil {
		c = newQWNode()
		n.keys[key] = c
	}
	return c
}

// observe records one value of point id.
func (n *qwNode) observe(id adapters.ID, v any) {
	switch x := v.(type) {
	case nil:
		n.null.add(id)
	case int64:
		n.kind("int", id)
		if x > qwMaxExact || x < -qwMaxExact {
			n.bigInt.add(id)
		}
	case float64:
		n.kind("float", id)
	case string:
		n.kind("string", id)
		n.observeString(id, x)
	case bool:
		n.kind("bool", id)
	case map[string]any:
		n.kind("object", id)
		n.observeObject(id, x)
	case []any:
		n.kind("array", id)
		if len(x) == 0 {
			n.emptyArr.add(id)
		}
		if n.elem == nil {
			n.elem = newQWNode()
			n.elem.isElem = true
		}
		for _, e := range x {
			n.elem.observe(id, e)
		}
	}
}

// observeString notes whether s is a date and a UUID. Most strings are
// neither, and a failed time.Parse or ParseID allocates its error: a
// string too short, or without the year's '-', is ruled out first.
func (n *qwNode) observeString(id adapters.ID, s string) {
	if !maybeDate(s) {
		n.notDate.add(id)
	} else if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		n.notDate.add(id)
	}
	if len(s) < 32 { // a UUID has 32 hex digits, dashes aside
		n.notUUID.add(id)
	} else if u, err := adapters.ParseID(s); err != nil || !u.IsUUID() {
		n.notUUID.add(id)
	}
}

// maybeDate is false for a string time.RFC3339Nano cannot parse for
// certain: shorter than "2006-01-02T15:04:05Z", or no '-' after a
// four-digit year.
func maybeDate(s string) bool { return len(s) >= len("2006-01-02T15:04:05Z") && s[4] == '-' }

func (n *qwNode) observeObject(id adapters.ID, m map[string]any) {
	if !isGeoPoint(m) {
		n.notGeo.add(id)
	}
	for k, e := range m {
		n.child(k).observe(id, e)
	}
}

// isGeoPoint reports whether m is a Qdrant geo point {lat, lon}.
func isGeoPoint(m map[string]any) bool {
	if len(m) != 2 {
		return false
	}
	_, la := asNumber(m["lat"])
	_, lo := asNumber(m["lon"])
	return la && lo
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// qwScan is the result of reading the whole source.
type qwScan struct {
	points   uint64
	intIDs   bool
	zeroHigh qwSeen // UUIDs refused by the id rule
	root     *qwNode
}

// scanPayload reads every partition of def from src, payload only.
func scanPayload(ctx context.Context, src adapters.Source, def *adapters.Collection) (*qwScan, error) {
	sc := &qwScan{root: newQWNode()}
	for _, part := range def.PartitionNames() {
		err := adapters.WithPartition(ctx, src, part, nil, func() error {
			return sc.partition(ctx, src, part)
		})
		if err != nil {
			return nil, err
		}
	}
	return sc, nil
}

func (sc *qwScan) partition(ctx context.Context, src adapters.Source, part string) error {
	var after *adapters.ID
	for {
		page, err := src.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: qwScanPage, PayloadOnly: true})
		if err != nil {
			return fmt.Errorf("scan the payload of %s (partition %q) to choose Weaviate data types: %w", src.Endpoint(), part, err)
		}
		for i := range page.Points {
			sc.point(&page.Points[i])
		}
		if page.Done || len(page.Points) == 0 {
			return nil
		}
		last := page.Points[len(page.Points)-1].ID
		after = &last
	}
}

func (sc *qwScan) point(p *adapters.Point) {
	sc.points++
	if !p.ID.IsUUID() {
		sc.intIDs = true
	} else if _, err := toUUID(p.ID); err != nil {
		sc.zeroHigh.add(p.ID)
	}
	sc.root.observeObject(p.ID, p.Payload)
}
