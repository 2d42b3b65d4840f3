package qdranttest

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type pointsService struct {
	qdrant.UnimplementedPointsServer
	s     *Server
	opSeq atomic.Uint64
}

func (ps *pointsService) opResult(start time.Time, wait *bool) *qdrant.PointsOperationResponse {
	st := qdrant.UpdateStatus_Acknowledged
	if wait != nil && *wait {
		st = qdrant.UpdateStatus_Completed
	}
	return &qdrant.PointsOperationResponse{
		Result: &qdrant.UpdateResult{OperationId: ptr(ps.opSeq.Add(1)), Status: st},
		Time:   elapsed(start),
	}
}

// shardFilter is the set of shard keys a request addresses; nil means every point.
type shardFilter map[string]bool

func (f shardFilter) allows(p *storedPoint) bool {
	return f == nil || f[shardKeyString(p.shardKey)]
}

// readShards checks a read's shard_key_selector; the caller holds c's lock.
func (c *collection) readShards(sel *qdrant.ShardKeySelector) (shardFilter, error) {
	if sel == nil || len(sel.GetShardKeys()) == 0 {
		return nil, nil
	}
	if !c.isCustomSharded() {
		return nil, status.Error(codes.InvalidArgument, "Bad request: Shard key selector is only supported for collections with custom sharding method")
	}
	f := shardFilter{}
	for _, k := range sel.GetShardKeys() {
		if !c.hasShardKey(k) {
			return nil, status.Errorf(codes.InvalidArgument, "Bad request: Shard key %s does not exist in collection %s", shardKeyDisplay(k), c.name)
		}
		f[shardKeyString(k)] = true
	}
	return f, nil
}

// writeShard returns the shard key new points go to; the caller holds c's lock.
func (c *collection) writeShard(sel *qdrant.ShardKeySelector) (*qdrant.ShardKey, error) {
	keys := sel.GetShardKeys()
	if !c.isCustomSharded() {
		if len(keys) > 0 {
			return nil, status.Error(codes.InvalidArgument, "Bad request: Shard key selector is only supported for collections with custom sharding method")
		}
		return nil, nil
	}
	switch {
	case len(keys) == 0:
		return nil, status.Errorf(codes.InvalidArgument, "Bad request: Shard key not specified for collection %s with custom sharding; set shard_key_selector", c.name)
	case len(keys) > 1:
		return nil, status.Error(codes.InvalidArgument, "qdranttest: writing one point to several shard keys is not supported by the in-process test server")
	}
	if !c.hasShardKey(keys[0]) {
		return nil, status.Errorf(codes.InvalidArgument, "Bad request: Shard key %s does not exist in collection %s", shardKeyDisplay(keys[0]), c.name)
	}
	return keys[0], nil
}

func (ps *pointsService) Upsert(_ context.Context, req *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	cond, err := compileFilter(req.GetUpdateFilter())
	if err != nil {
		return nil, err
	}
	type prepared struct {
		k pointKey
		p *storedPoint
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	shard, err := c.writeShard(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	batch := make([]prepared, 0, len(req.GetPoints()))
	for _, pt := range req.GetPoints() {
		k, err := keyOf(pt.GetId())
		if err != nil {
			return nil, err
		}
		in, err := readVectors(pt.GetVectors())
		if err != nil {
			return nil, err
		}
		vecs := make(map[string]storedVector, len(in))
		for name, v := range in {
			sv, err := c.store(name, v)
			if err != nil {
				return nil, err
			}
			vecs[name] = sv
		}
		payload := pt.GetPayload()
		if payload == nil {
			payload = map[string]*qdrant.Value{}
		}
		// The request's map is this point's alone once the call is
		// decoded, and stored maps are replaced, never changed: keep it.
		batch = append(batch, prepared{k, &storedPoint{payload: payload, vectors: vecs, shardKey: shard}})
	}
	for _, b := range batch {
		old, exists := c.points[b.k]
		switch req.GetUpdateMode() {
		case qdrant.UpdateMode_InsertOnly:
			if exists {
				continue
			}
		case qdrant.UpdateMode_UpdateOnly:
			if !exists {
				continue
			}
		}
		if exists && req.GetUpdateFilter() != nil && !cond(b.k, old) {
			continue
		}
		c.put(b.k, b.p)
	}
	return ps.opResult(start, req.Wait), nil
}

func clonePayload(m map[string]*qdrant.Value) map[string]*qdrant.Value {
	out := make(map[string]*qdrant.Value, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// projection says what a read returns of each point.
type projection struct {
	payload   bool
	include   map[string]bool
	exclude   map[string]bool
	vectors   bool
	vectorSel map[string]bool
}

func makeProjection(wp *qdrant.WithPayloadSelector, wv *qdrant.WithVectorsSelector) projection {
	pr := projection{payload: true}
	switch o := wp.GetSelectorOptions().(type) {
	case *qdrant.WithPayloadSelector_Enable:
		pr.payload = o.Enable
	case *qdrant.WithPayloadSelector_Include:
		pr.include = set(o.Include.GetFields())
	case *qdrant.WithPayloadSelector_Exclude:
		pr.exclude = set(o.Exclude.GetFields())
	}
	switch o := wv.GetSelectorOptions().(type) {
	case *qdrant.WithVectorsSelector_Enable:
		pr.vectors = o.Enable
	case *qdrant.WithVectorsSelector_Include:
		pr.vectors = true
		pr.vectorSel = set(o.Include.GetNames())
	}
	return pr
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// topKey is the first segment of a payload path ("a.b" -> "a", "a[]" -> "a").
func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func (c *collection) retrieved(k pointKey, p *storedPoint, pr projection) *qdrant.RetrievedPoint {
	rp := &qdrant.RetrievedPoint{Id: k.proto()}
	if pr.payload {
		switch {
		case pr.include != nil:
			rp.Payload = map[string]*qdrant.Value{}
			for f := range pr.include {
				if v, ok := p.payload[topKey(f)]; ok {
					rp.Payload[topKey(f)] = v
				}
			}
		case pr.exclude != nil:
			rp.Payload = map[string]*qdrant.Value{}
			for f, v := range p.payload {
				if !pr.exclude[f] {
					rp.Payload[f] = v
				}
			}
		default:
			rp.Payload = p.payload
		}
	}
	if pr.vectors {
		rp.Vectors = c.vectorsOutput(p, pr.vectorSel)
	}
	if p.shardKey != nil {
		rp.ShardKey = p.shardKey
	}
	return rp
}

func (ps *pointsService) Scroll(_ context.Context, req *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.OrderBy != nil {
		return nil, unsupported("scroll order_by")
	}
	limit := 10
	if req.Limit != nil {
		if *req.Limit == 0 {
			return nil, status.Error(codes.InvalidArgument, "Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]")
		}
		limit = int(*req.Limit)
	}
	match, err := compileFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	pr := makeProjection(req.GetWithPayload(), req.WithVectors)
	c.rlock()
	defer c.mu.RUnlock()
	shards, err := c.readShards(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	i := 0
	if req.Offset != nil {
		k, err := keyOf(req.Offset)
		if err != nil {
			return nil, err
		}
		i = c.seek(k)
	}
	resp := &qdrant.ScrollResponse{Result: make([]*qdrant.RetrievedPoint, 0, min(limit, 1024))}
	for ; i < len(c.keys); i++ {
		k := c.keys[i]
		p := c.points[k]
		if !shards.allows(p) || !match(k, p) {
			continue
		}
		if len(resp.Result) == limit {
			resp.NextPageOffset = k.proto()
			break
		}
		resp.Result = append(resp.Result, c.retrieved(k, p, pr))
	}
	resp.Time = elapsed(start)
	return resp, nil
}

func (ps *pointsService) Count(_ context.Context, req *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	match, err := compileFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	shards, err := c.readShards(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	var n uint64
	if shards == nil && req.GetFilter() == nil {
		n = uint64(len(c.points))
	} else {
		for k, p := range c.points {
			if shards.allows(p) && match(k, p) {
				n++
			}
		}
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: n}, Time: elapsed(start)}, nil
}

func (ps *pointsService) Get(_ context.Context, req *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	pr := makeProjection(req.GetWithPayload(), req.WithVectors)
	c.mu.RLock()
	defer c.mu.RUnlock()
	shards, err := c.readShards(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	resp := &qdrant.GetResponse{}
	seen := map[pointKey]bool{}
	for _, id := range req.GetIds() {
		k, err := keyOf(id)
		if err != nil {
			return nil, err
		}
		p, ok := c.points[k]
		if !ok || seen[k] || !shards.allows(p) {
			continue
		}
		seen[k] = true
		resp.Result = append(resp.Result, c.retrieved(k, p, pr))
	}
	resp.Time = elapsed(start)
	return resp, nil
}

// selectPoints resolves a PointsSelector within the shard filter; the
// caller holds c's lock. Ids that do not exist are left out.
func (c *collection) selectPoints(sel *qdrant.PointsSelector, shards shardFilter) ([]pointKey, error) {
	var out []pointKey
	switch o := sel.GetPointsSelectorOneOf().(type) {
	case *qdrant.PointsSelector_Points:
		for _, id := range o.Points.GetIds() {
			k, err := keyOf(id)
			if err != nil {
				return nil, err
			}
			if p, ok := c.points[k]; ok && shards.allows(p) {
				out = append(out, k)
			}
		}
	case *qdrant.PointsSelector_Filter:
		match, err := compileFilter(o.Filter)
		if err != nil {
			return nil, err
		}
		for k, p := range c.points {
			if shards.allows(p) && match(k, p) {
				out = append(out, k)
			}
		}
	default:
		return nil, status.Error(codes.InvalidArgument, "Validation error in JSON body: points selector is empty")
	}
	return out, nil
}

// mutate runs fn on the points sel picks, under the write lock.
func (ps *pointsService) mutate(name string, sel *qdrant.PointsSelector, shardSel *qdrant.ShardKeySelector,
	fn func(c *collection, k pointKey, p *storedPoint)) error {
	c, err := ps.s.lookup(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	shards, err := c.readShards(shardSel)
	if err != nil {
		return err
	}
	keys, err := c.selectPoints(sel, shards)
	if err != nil {
		return err
	}
	for _, k := range keys {
		fn(c, k, c.points[k])
	}
	return nil
}

func (ps *pointsService) Delete(_ context.Context, req *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	err := ps.mutate(req.GetCollectionName(), req.GetPoints(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, _ *storedPoint) { c.remove(k) })
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) SetPayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	err := ps.mutate(req.GetCollectionName(), req.GetPointsSelector(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, p *storedPoint) {
			np := *p
			np.payload = clonePayload(p.payload)
			if req.Key != nil && *req.Key != "" {
				// Merge into the object at key (top-level keys only).
				fields := map[string]*qdrant.Value{}
				if s := np.payload[*req.Key].GetStructValue(); s != nil {
					for f, v := range s.GetFields() {
						fields[f] = v
					}
				}
				for f, v := range req.GetPayload() {
					fields[f] = v
				}
				np.payload[*req.Key] = qdrant.NewValueStruct(&qdrant.Struct{Fields: fields})
			} else {
				for f, v := range req.GetPayload() {
					np.payload[f] = v
				}
			}
			c.points[k] = &np
		})
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) OverwritePayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	err := ps.mutate(req.GetCollectionName(), req.GetPointsSelector(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, p *storedPoint) {
			np := *p
			np.payload = clonePayload(req.GetPayload())
			c.points[k] = &np
		})
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) DeletePayload(_ context.Context, req *qdrant.DeletePayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	err := ps.mutate(req.GetCollectionName(), req.GetPointsSelector(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, p *storedPoint) {
			np := *p
			np.payload = clonePayload(p.payload)
			for _, f := range req.GetKeys() {
				delete(np.payload, f)
			}
			c.points[k] = &np
		})
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) ClearPayload(_ context.Context, req *qdrant.ClearPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	err := ps.mutate(req.GetCollectionName(), req.GetPoints(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, p *storedPoint) {
			np := *p
			np.payload = map[string]*qdrant.Value{}
			c.points[k] = &np
		})
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) UpdateVectors(_ context.Context, req *qdrant.UpdatePointVectors) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	cond, err := compileFilter(req.GetUpdateFilter())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	shards, err := c.readShards(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	updates := map[pointKey]*storedPoint{}
	for _, pv := range req.GetPoints() {
		k, err := keyOf(pv.GetId())
		if err != nil {
			return nil, err
		}
		p, ok := updates[k]
		if !ok {
			p, ok = c.points[k]
		}
		if !ok || !shards.allows(p) {
			return nil, status.Errorf(codes.NotFound, "Not found: No point with id %s found", k)
		}
		in, err := readVectors(pv.GetVectors())
		if err != nil {
			return nil, err
		}
		np := *p
		np.vectors = make(map[string]storedVector, len(p.vectors)+len(in))
		for n, v := range p.vectors {
			np.vectors[n] = v
		}
		for n, v := range in {
			sv, err := c.store(n, v)
			if err != nil {
				return nil, err
			}
			np.vectors[n] = sv
		}
		updates[k] = &np
	}
	for k, p := range updates {
		if req.GetUpdateFilter() != nil && !cond(k, c.points[k]) {
			continue
		}
		c.points[k] = p
	}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) DeleteVectors(_ context.Context, req *qdrant.DeletePointVectors) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	for _, n := range req.GetVectors().GetNames() {
		c.mu.RLock()
		_, ok := c.spec(n)
		c.mu.RUnlock()
		if !ok {
			return nil, invalid("Not existing vector name error: %s", n)
		}
	}
	err = ps.mutate(req.GetCollectionName(), req.GetPointsSelector(), req.GetShardKeySelector(),
		func(c *collection, k pointKey, p *storedPoint) {
			np := *p
			np.vectors = make(map[string]storedVector, len(p.vectors))
			for n, v := range p.vectors {
				np.vectors[n] = v
			}
			for _, n := range req.GetVectors().GetNames() {
				delete(np.vectors, n)
			}
			c.points[k] = &np
		})
	if err != nil {
		return nil, err
	}
	return ps.opResult(start, req.Wait), nil
}

// schemaType maps the field-index enum onto the payload-schema enum, which
// Qdrant numbers one higher (PayloadSchemaType 0 is UnknownType).
func schemaType(ft qdrant.FieldType) qdrant.PayloadSchemaType {
	return qdrant.PayloadSchemaType(int32(ft) + 1)
}

func (ps *pointsService) CreateFieldIndex(_ context.Context, req *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetFieldName() == "" {
		return nil, status.Error(codes.InvalidArgument, "Validation error in JSON body: [field_name: must not be empty]")
	}
	if req.FieldType == nil {
		return nil, invalid("field_type is required for field index %q", req.GetFieldName())
	}
	if _, ok := qdrant.FieldType_name[int32(*req.FieldType)]; !ok {
		return nil, invalid("unknown field_type %d for field index %q", *req.FieldType, req.GetFieldName())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schema[req.GetFieldName()] = fieldIndex{typ: schemaType(*req.FieldType), params: req.GetFieldIndexParams()}
	return ps.opResult(start, req.Wait), nil
}

func (ps *pointsService) DeleteFieldIndex(_ context.Context, req *qdrant.DeleteFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.schema, req.GetFieldName())
	return ps.opResult(start, req.Wait), nil
}
