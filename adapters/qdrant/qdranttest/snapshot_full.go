package qdranttest

import (
	"archive/tar"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FullSnapshotConfig is the config.json at the start of a full snapshot,
// as in Qdrant: which inner file holds each collection, and the aliases.
type FullSnapshotConfig struct {
	CollectionsMapping map[string]string `json:"collections_mapping"`
	CollectionsAliases map[string]string `json:"collections_aliases"`
}

// createFullSnapshot snapshots every collection into one tar holding
// config.json and each collection's snapshot.
func (s *Server) createFullSnapshot() (SnapshotDescription, error) {
	s.mu.RLock()
	names := make([]string, 0, len(s.collections))
	for n := range s.collections {
		names = append(names, n)
	}
	aliases := make(map[string]string, len(s.aliases))
	for a, c := range s.aliases {
		aliases[a] = c
	}
	s.mu.RUnlock()
	sort.Strings(names)

	tmpDir, err := os.MkdirTemp(s.snapDir, ".full-")
	if err != nil {
		return SnapshotDescription{}, err
	}
	defer os.RemoveAll(tmpDir)
	cfg := FullSnapshotConfig{CollectionsMapping: map[string]string{}, CollectionsAliases: aliases}
	var files []string
	for _, n := range names {
		c, err := s.lookup(n)
		if err != nil {
			continue // deleted meanwhile
		}
		inner := newSnapshotPath(tmpDir, n)
		if _, err := writeSnapshotFile(inner, func(w io.Writer) error { return s.writeSnapshot(w, c) }); err != nil {
			return SnapshotDescription{}, err
		}
		cfg.CollectionsMapping[n] = filepath.Base(inner)
		files = append(files, inner)
	}
	s.snapMu.Lock()
	path := newSnapshotPath(s.snapDir, "full-snapshot")
	_ = os.WriteFile(path, nil, 0o644)
	s.snapMu.Unlock()
	d, err := writeSnapshotFile(path, func(w io.Writer) error {
		tw := tar.NewWriter(w)
		cb, _ := json.Marshal(cfg)
		if err := writeTarFile(tw, "config.json", cb, time.Now()); err != nil {
			return err
		}
		for _, p := range files {
			if err := addTarFile(tw, p); err != nil {
				return err
			}
		}
		return tw.Close()
	})
	if err != nil {
		os.Remove(path)
	}
	return d, err
}

func addTarFile(tw *tar.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(path), Mode: 0o644, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func (s *Server) restCreateFullSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	d, err := s.createFullSnapshot()
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	if !waitParam(r) {
		restAccepted(w, start)
		return
	}
	restOK(w, start, d)
}

func (s *Server) restListFullSnapshots(w http.ResponseWriter, _ *http.Request) {
	start := time.Now()
	list, err := listDir(s.snapDir)
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	restOK(w, start, list)
}

// restCluster answers GET /cluster: disabled, or enabled with the peers
// set by SetClusterPeers.
func (s *Server) restCluster(w http.ResponseWriter, _ *http.Request) {
	start := time.Now()
	s.faultMu.Lock()
	n := s.clusterPeers
	s.faultMu.Unlock()
	if n <= 0 {
		restOK(w, start, map[string]any{"status": "disabled"})
		return
	}
	peers := map[string]any{}
	for i := 0; i < n; i++ {
		peers[jsonNumber(peerID+uint64(i))] = map[string]string{"uri": "http://qdrant-node-" + jsonNumber(uint64(i)) + ":6335/"}
	}
	restOK(w, start, map[string]any{
		"status": "enabled", "peer_id": peerID, "peers": peers,
		"raft_info": map[string]any{"term": 1, "commit": 10, "pending_operations": 0, "leader": peerID, "role": "Leader", "is_voter": true},
	})
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// snapshotsService answers the gRPC Snapshots service over the same files.
type snapshotsService struct {
	qdrant.UnimplementedSnapshotsServer
	s *Server
}

func (d SnapshotDescription) proto() *qdrant.SnapshotDescription {
	out := &qdrant.SnapshotDescription{Name: d.Name, Size: d.Size, Checksum: d.Checksum}
	if t, err := time.Parse(snapshotTimeLayout, d.CreationTime); err == nil {
		out.CreationTime = timestamppb.New(t)
	}
	return out
}

func (ss *snapshotsService) Create(_ context.Context, req *qdrant.CreateSnapshotRequest) (*qdrant.CreateSnapshotResponse, error) {
	start := time.Now()
	d, err := ss.s.createSnapshot(req.GetCollectionName())
	if err != nil {
		return nil, grpcErr(err)
	}
	return &qdrant.CreateSnapshotResponse{SnapshotDescription: d.proto(), Time: elapsed(start)}, nil
}

func (ss *snapshotsService) List(_ context.Context, req *qdrant.ListSnapshotsRequest) (*qdrant.ListSnapshotsResponse, error) {
	start := time.Now()
	c, err := ss.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	list, err := listDir(ss.s.collectionDir(c.name))
	if err != nil {
		return nil, grpcErr(err)
	}
	return listResponse(list, start), nil
}

func listResponse(list []SnapshotDescription, start time.Time) *qdrant.ListSnapshotsResponse {
	resp := &qdrant.ListSnapshotsResponse{Time: elapsed(start)}
	for _, d := range list {
		resp.SnapshotDescriptions = append(resp.SnapshotDescriptions, d.proto())
	}
	return resp
}

func (ss *snapshotsService) Delete(_ context.Context, req *qdrant.DeleteSnapshotRequest) (*qdrant.DeleteSnapshotResponse, error) {
	start := time.Now()
	c, err := ss.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if err := removeSnapshot(ss.s.collectionDir(c.name), req.GetSnapshotName()); err != nil {
		return nil, err
	}
	return &qdrant.DeleteSnapshotResponse{Time: elapsed(start)}, nil
}

func (ss *snapshotsService) CreateFull(context.Context, *qdrant.CreateFullSnapshotRequest) (*qdrant.CreateSnapshotResponse, error) {
	start := time.Now()
	d, err := ss.s.createFullSnapshot()
	if err != nil {
		return nil, grpcErr(err)
	}
	return &qdrant.CreateSnapshotResponse{SnapshotDescription: d.proto(), Time: elapsed(start)}, nil
}

func (ss *snapshotsService) ListFull(context.Context, *qdrant.ListFullSnapshotsRequest) (*qdrant.ListSnapshotsResponse, error) {
	start := time.Now()
	list, err := listDir(ss.s.snapDir)
	if err != nil {
		return nil, grpcErr(err)
	}
	return listResponse(list, start), nil
}

func (ss *snapshotsService) DeleteFull(_ context.Context, req *qdrant.DeleteFullSnapshotRequest) (*qdrant.DeleteSnapshotResponse, error) {
	start := time.Now()
	if err := removeSnapshot(ss.s.snapDir, req.GetSnapshotName()); err != nil {
		return nil, err
	}
	return &qdrant.DeleteSnapshotResponse{Time: elapsed(start)}, nil
}

func removeSnapshot(dir, name string) error {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); !validName(name) || err != nil {
		return status.Errorf(codes.NotFound, "Not found: Snapshot %s not found", name)
	}
	if err := os.Remove(path); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	os.Remove(path + ".checksum")
	return nil
}

func grpcErr(err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Internal, err.Error())
}
