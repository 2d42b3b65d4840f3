package qdranttest

import (
	"context"
	"sort"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

type collectionsService struct {
	qdrant.UnimplementedCollectionsServer
	s *Server
}

func opOK(start time.Time) *qdrant.CollectionOperationResponse {
	return &qdrant.CollectionOperationResponse{Result: true, Time: elapsed(start)}
}

func ptr[T any](v T) *T { return &v }

// Defaults of a single-node Qdrant 1.16 with the stock config.yaml.
func defaultHnsw() *qdrant.HnswConfigDiff {
	return &qdrant.HnswConfigDiff{
		M:                  ptr[uint64](16),
		EfConstruct:        ptr[uint64](100),
		FullScanThreshold:  ptr[uint64](10000),
		MaxIndexingThreads: ptr[uint64](0),
		OnDisk:             ptr(false),
	}
}

func defaultOptimizers() *qdrant.OptimizersConfigDiff {
	return &qdrant.OptimizersConfigDiff{
		DeletedThreshold:      ptr(0.2),
		VacuumMinVectorNumber: ptr[uint64](1000),
		DefaultSegmentNumber:  ptr[uint64](0),
		IndexingThreshold:     ptr[uint64](10000),
		FlushIntervalSec:      ptr[uint64](5),
	}
}

func defaultWal() *qdrant.WalConfigDiff {
	return &qdrant.WalConfigDiff{
		WalCapacityMb:    ptr[uint64](32),
		WalSegmentsAhead: ptr[uint64](0),
		WalRetainClosed:  ptr[uint64](1),
	}
}

// mergeDiff overlays the fields set in diff onto base (both the same message type).
func mergeDiff[T proto.Message](base, diff T) T {
	out := proto.Clone(base).(T)
	if any(diff) != nil && proto.Size(diff) > 0 {
		proto.Merge(out, diff)
	}
	return out
}

func validateVectorParams(name string, p *qdrant.VectorParams) error {
	if p.GetSize() == 0 {
		return status.Errorf(codes.InvalidArgument, "Validation error in JSON body: [vectors_config%s.size: value 0 invalid, must be 1 or larger]", vecLabel(name))
	}
	if p.GetDistance() == qdrant.Distance_UnknownDistance {
		return status.Errorf(codes.InvalidArgument, "Wrong input: vector %s: distance is not set", vecLabel(name))
	}
	return nil
}

func vecLabel(name string) string {
	if name == "" {
		return ""
	}
	return "." + name
}

func (cs *collectionsService) Create(_ context.Context, req *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	name := req.GetCollectionName()
	if name == "" {
		return nil, status.Error(codes.InvalidArgument, "Validation error in JSON body: [collection_name: length is 0, must be at least 1]")
	}
	switch vc := req.GetVectorsConfig().GetConfig().(type) {
	case *qdrant.VectorsConfig_Params:
		if err := validateVectorParams("", vc.Params); err != nil {
			return nil, err
		}
	case *qdrant.VectorsConfig_ParamsMap:
		for n, p := range vc.ParamsMap.GetMap() {
			if err := validateVectorParams(n, p); err != nil {
				return nil, err
			}
		}
	}
	params := &qdrant.CollectionParams{
		ShardNumber:            req.GetShardNumber(),
		OnDiskPayload:          true,
		VectorsConfig:          req.GetVectorsConfig(),
		ReplicationFactor:      ptr[uint32](1),
		WriteConsistencyFactor: ptr[uint32](1),
		ShardingMethod:         req.ShardingMethod,
		SparseVectorsConfig:    req.GetSparseVectorsConfig(),
	}
	if params.VectorsConfig == nil {
		// Qdrant reports an empty named map for a collection without dense vectors.
		params.VectorsConfig = &qdrant.VectorsConfig{Config: &qdrant.VectorsConfig_ParamsMap{ParamsMap: &qdrant.VectorParamsMap{}}}
	}
	if params.ShardNumber == 0 {
		params.ShardNumber = 1
	}
	if req.OnDiskPayload != nil {
		params.OnDiskPayload = *req.OnDiskPayload
	}
	if req.ReplicationFactor != nil {
		params.ReplicationFactor = req.ReplicationFactor
	}
	if req.WriteConsistencyFactor != nil {
		params.WriteConsistencyFactor = req.WriteConsistencyFactor
	}
	cfg := &qdrant.CollectionConfig{
		Params:             params,
		HnswConfig:         mergeDiff(defaultHnsw(), req.GetHnswConfig()),
		OptimizerConfig:    mergeDiff(defaultOptimizers(), req.GetOptimizersConfig()),
		WalConfig:          mergeDiff(defaultWal(), req.GetWalConfig()),
		QuantizationConfig: req.GetQuantizationConfig(),
		StrictModeConfig:   req.GetStrictModeConfig(),
		Metadata:           req.GetMetadata(),
	}
	if cfg.StrictModeConfig == nil {
		cfg.StrictModeConfig = &qdrant.StrictModeConfig{Enabled: ptr(false)}
	}
	cfg = proto.Clone(cfg).(*qdrant.CollectionConfig)

	s := cs.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.collections[name]; ok {
		return nil, invalid("Collection `%s` already exists!", name)
	}
	if _, ok := s.aliases[name]; ok {
		return nil, invalid("Collection `%s` already exists!", name)
	}
	s.collections[name] = newCollection(name, cfg)
	return opOK(start), nil
}

func (cs *collectionsService) Get(_ context.Context, req *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	start := time.Now()
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := uint64(len(c.points))
	info := &qdrant.CollectionInfo{
		Status:              qdrant.CollectionStatus_Green,
		OptimizerStatus:     &qdrant.OptimizerStatus{Ok: true},
		SegmentsCount:       1,
		Config:              proto.Clone(c.config).(*qdrant.CollectionConfig),
		PayloadSchema:       map[string]*qdrant.PayloadSchemaInfo{},
		PointsCount:         &n,
		IndexedVectorsCount: ptr[uint64](0),
	}
	for field, idx := range c.schema {
		si := &qdrant.PayloadSchemaInfo{DataType: idx.typ, Points: ptr[uint64](0)}
		if idx.params != nil {
			si.Params = proto.Clone(idx.params).(*qdrant.PayloadIndexParams)
		}
		info.PayloadSchema[field] = si
	}
	return &qdrant.GetCollectionInfoResponse{Result: info, Time: elapsed(start)}, nil
}

func (cs *collectionsService) List(context.Context, *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	start := time.Now()
	s := cs.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.collections))
	for n := range s.collections {
		names = append(names, n)
	}
	sort.Strings(names)
	resp := &qdrant.ListCollectionsResponse{Time: elapsed(start)}
	for _, n := range names {
		resp.Collections = append(resp.Collections, &qdrant.CollectionDescription{Name: n})
	}
	return resp, nil
}

func (cs *collectionsService) CollectionExists(_ context.Context, req *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	start := time.Now()
	_, err := cs.s.lookup(req.GetCollectionName())
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: err == nil}, Time: elapsed(start)}, nil
}

// Delete of a missing collection answers false, as Qdrant does.
func (cs *collectionsService) Delete(_ context.Context, req *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	s := cs.s
	s.mu.Lock()
	defer s.mu.Unlock()
	name := req.GetCollectionName()
	if _, ok := s.collections[name]; !ok {
		return &qdrant.CollectionOperationResponse{Result: false, Time: elapsed(start)}, nil
	}
	delete(s.collections, name)
	for a, target := range s.aliases {
		if target == name {
			delete(s.aliases, a)
		}
	}
	return opOK(start), nil
}

func (cs *collectionsService) Update(_ context.Context, req *qdrant.UpdateCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg := proto.Clone(c.config).(*qdrant.CollectionConfig)
	if d := req.GetOptimizersConfig(); d != nil {
		cfg.OptimizerConfig = mergeDiff(cfg.OptimizerConfig, d)
	}
	if d := req.GetHnswConfig(); d != nil {
		cfg.HnswConfig = mergeDiff(cfg.HnswConfig, d)
	}
	if d := req.GetParams(); d != nil {
		p := cfg.Params
		if d.ReplicationFactor != nil {
			p.ReplicationFactor = d.ReplicationFactor
		}
		if d.WriteConsistencyFactor != nil {
			p.WriteConsistencyFactor = d.WriteConsistencyFactor
		}
		if d.OnDiskPayload != nil {
			p.OnDiskPayload = *d.OnDiskPayload
		}
		if d.ReadFanOutFactor != nil {
			p.ReadFanOutFactor = d.ReadFanOutFactor
		}
		if d.ReadFanOutDelayMs != nil {
			p.ReadFanOutDelayMs = d.ReadFanOutDelayMs
		}
	}
	if d := req.GetVectorsConfig(); d != nil {
		if err := applyVectorsDiff(cfg.Params.GetVectorsConfig(), d); err != nil {
			return nil, err
		}
	}
	if d := req.GetQuantizationConfig(); d != nil {
		cfg.QuantizationConfig = quantizationFromDiff(d)
	}
	if d := req.GetSparseVectorsConfig(); d != nil {
		if cfg.Params.SparseVectorsConfig == nil {
			cfg.Params.SparseVectorsConfig = &qdrant.SparseVectorConfig{Map: map[string]*qdrant.SparseVectorParams{}}
		}
		for n, p := range d.GetMap() {
			old, ok := cfg.Params.SparseVectorsConfig.Map[n]
			if !ok {
				return nil, invalid("Not existing vector name error: %s", n)
			}
			cfg.Params.SparseVectorsConfig.Map[n] = mergeDiff(old, p)
		}
	}
	if d := req.GetStrictModeConfig(); d != nil {
		cfg.StrictModeConfig = mergeDiff(cfg.GetStrictModeConfig(), d)
	}
	for k, v := range req.GetMetadata() {
		if cfg.Metadata == nil {
			cfg.Metadata = map[string]*qdrant.Value{}
		}
		cfg.Metadata[k] = v
	}
	c.config = cfg
	return opOK(start), nil
}

func applyVectorParamsDiff(p *qdrant.VectorParams, d *qdrant.VectorParamsDiff) {
	if d.HnswConfig != nil {
		if p.HnswConfig == nil {
			p.HnswConfig = &qdrant.HnswConfigDiff{}
		}
		p.HnswConfig = mergeDiff(p.HnswConfig, d.HnswConfig)
	}
	if d.QuantizationConfig != nil {
		p.QuantizationConfig = quantizationFromDiff(d.QuantizationConfig)
	}
	if d.OnDisk != nil {
		p.OnDisk = d.OnDisk
	}
}

func applyVectorsDiff(vc *qdrant.VectorsConfig, d *qdrant.VectorsConfigDiff) error {
	switch dd := d.GetConfig().(type) {
	case *qdrant.VectorsConfigDiff_Params:
		p := vc.GetParams()
		if p == nil {
			return invalid("Not existing vector name error: ")
		}
		applyVectorParamsDiff(p, dd.Params)
	case *qdrant.VectorsConfigDiff_ParamsMap:
		for n, pd := range dd.ParamsMap.GetMap() {
			var p *qdrant.VectorParams
			if n == "" {
				p = vc.GetParams()
			} else {
				p = vc.GetParamsMap().GetMap()[n]
			}
			if p == nil {
				return invalid("Not existing vector name error: %s", n)
			}
			applyVectorParamsDiff(p, pd)
		}
	}
	return nil
}

func quantizationFromDiff(d *qdrant.QuantizationConfigDiff) *qdrant.QuantizationConfig {
	switch q := d.GetQuantization().(type) {
	case *qdrant.QuantizationConfigDiff_Scalar:
		return &qdrant.QuantizationConfig{Quantization: &qdrant.QuantizationConfig_Scalar{Scalar: q.Scalar}}
	case *qdrant.QuantizationConfigDiff_Product:
		return &qdrant.QuantizationConfig{Quantization: &qdrant.QuantizationConfig_Product{Product: q.Product}}
	case *qdrant.QuantizationConfigDiff_Binary:
		return &qdrant.QuantizationConfig{Quantization: &qdrant.QuantizationConfig_Binary{Binary: q.Binary}}
	}
	return nil // Disabled
}

func (cs *collectionsService) UpdateAliases(_ context.Context, req *qdrant.ChangeAliases) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	s := cs.s
	s.mu.Lock()
	defer s.mu.Unlock()
	// Apply to a copy so a failing action leaves the aliases untouched.
	next := make(map[string]string, len(s.aliases))
	for k, v := range s.aliases {
		next[k] = v
	}
	for _, a := range req.GetActions() {
		switch op := a.GetAction().(type) {
		case *qdrant.AliasOperations_CreateAlias:
			if _, ok := s.collections[op.CreateAlias.GetCollectionName()]; !ok {
				return nil, errNotFound(op.CreateAlias.GetCollectionName())
			}
			next[op.CreateAlias.GetAliasName()] = op.CreateAlias.GetCollectionName()
		case *qdrant.AliasOperations_RenameAlias:
			target, ok := next[op.RenameAlias.GetOldAliasName()]
			if !ok {
				return nil, status.Errorf(codes.NotFound, "Not found: Alias %s does not exists!", op.RenameAlias.GetOldAliasName())
			}
			delete(next, op.RenameAlias.GetOldAliasName())
			next[op.RenameAlias.GetNewAliasName()] = target
		case *qdrant.AliasOperations_DeleteAlias:
			if _, ok := next[op.DeleteAlias.GetAliasName()]; !ok {
				return nil, status.Errorf(codes.NotFound, "Not found: Alias %s does not exists!", op.DeleteAlias.GetAliasName())
			}
			delete(next, op.DeleteAlias.GetAliasName())
		}
	}
	s.aliases = next
	return opOK(start), nil
}

func (s *Server) aliasList(collection string) []*qdrant.AliasDescription {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*qdrant.AliasDescription
	for a, c := range s.aliases {
		if collection == "" || c == collection {
			out = append(out, &qdrant.AliasDescription{AliasName: a, CollectionName: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AliasName < out[j].AliasName })
	return out
}

func (cs *collectionsService) ListCollectionAliases(_ context.Context, req *qdrant.ListCollectionAliasesRequest) (*qdrant.ListAliasesResponse, error) {
	start := time.Now()
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	return &qdrant.ListAliasesResponse{Aliases: cs.s.aliasList(c.name), Time: elapsed(start)}, nil
}

func (cs *collectionsService) ListAliases(context.Context, *qdrant.ListAliasesRequest) (*qdrant.ListAliasesResponse, error) {
	start := time.Now()
	return &qdrant.ListAliasesResponse{Aliases: cs.s.aliasList(""), Time: elapsed(start)}, nil
}

func (cs *collectionsService) CreateShardKey(_ context.Context, req *qdrant.CreateShardKeyRequest) (*qdrant.CreateShardKeyResponse, error) {
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.isCustomSharded() {
		return nil, status.Error(codes.InvalidArgument, "Bad request: Shard key can only be created for collections with custom sharding method")
	}
	k := req.GetRequest().GetShardKey()
	if k == nil || k.GetKey() == nil {
		return nil, status.Error(codes.InvalidArgument, "Validation error in JSON body: shard_key is required")
	}
	if c.hasShardKey(k) {
		return nil, status.Errorf(codes.InvalidArgument, "Bad request: Shard key %s already exists", shardKeyDisplay(k))
	}
	c.shards = append(c.shards, proto.Clone(k).(*qdrant.ShardKey))
	return &qdrant.CreateShardKeyResponse{Result: true}, nil
}

func (cs *collectionsService) DeleteShardKey(_ context.Context, req *qdrant.DeleteShardKeyRequest) (*qdrant.DeleteShardKeyResponse, error) {
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := req.GetRequest().GetShardKey()
	if !c.hasShardKey(k) {
		return nil, status.Errorf(codes.NotFound, "Not found: Shard key %s does not exist", shardKeyDisplay(k))
	}
	want := shardKeyString(k)
	keep := c.shards[:0]
	for _, have := range c.shards {
		if shardKeyString(have) != want {
			keep = append(keep, have)
		}
	}
	c.shards = keep
	for id, p := range c.points {
		if shardKeyString(p.shardKey) == want {
			c.remove(id)
		}
	}
	return &qdrant.DeleteShardKeyResponse{Result: true}, nil
}

func (cs *collectionsService) ListShardKeys(_ context.Context, req *qdrant.ListShardKeysRequest) (*qdrant.ListShardKeysResponse, error) {
	start := time.Now()
	c, err := cs.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	resp := &qdrant.ListShardKeysResponse{Time: elapsed(start)}
	for _, k := range c.shards {
		resp.ShardKeys = append(resp.ShardKeys, &qdrant.ShardKeyDescription{Key: proto.Clone(k).(*qdrant.ShardKey)})
	}
	return resp, nil
}
