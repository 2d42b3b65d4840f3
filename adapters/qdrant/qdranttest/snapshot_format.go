package qdranttest

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The test server's snapshot is a tar (like Qdrant's, though not its
// layout): first snapshotMetaName with the definition, then point chunks of
// at most chunkSize bytes, each a run of records
// [uvarint len][PointStruct][uvarint len][ShardKey]. Points go through a
// chunk buffer so a collection of any size streams to disk.
const (
	snapshotMetaName = "qdranttest-snapshot.json"
	snapshotFormat   = 1
	chunkSize        = 8 << 20
)

type snapshotMeta struct {
	Format     int               `json:"format"`
	Version    string            `json:"version"`
	Collection string            `json:"collection"`
	Config     json.RawMessage   `json:"config"`
	Schema     []snapshotIndex   `json:"payload_schema"`
	ShardKeys  []json.RawMessage `json:"shard_keys"`
	Points     int               `json:"points"`
}

type snapshotIndex struct {
	Field  string          `json:"field"`
	Type   int32           `json:"type"`
	Params json.RawMessage `json:"params,omitempty"`
}

// writeSnapshot streams c to w. The caller holds no lock.
func (s *Server) writeSnapshot(w io.Writer, c *collection) error {
	c.rlock()
	defer c.mu.RUnlock()
	meta := snapshotMeta{Format: snapshotFormat, Version: s.opts.Version, Collection: c.name, Points: len(c.keys)}
	var err error
	if meta.Config, err = protojson.Marshal(c.config); err != nil {
		return err
	}
	for field, idx := range c.schema {
		si := snapshotIndex{Field: field, Type: int32(idx.typ)}
		if idx.params != nil {
			if si.Params, err = protojson.Marshal(idx.params); err != nil {
				return err
			}
		}
		meta.Schema = append(meta.Schema, si)
	}
	for _, k := range c.shards {
		b, err := protojson.Marshal(k)
		if err != nil {
			return err
		}
		meta.ShardKeys = append(meta.ShardKeys, b)
	}
	tw := tar.NewWriter(w)
	mb, _ := json.Marshal(meta)
	now := time.Now()
	if err := writeTarFile(tw, snapshotMetaName, mb, now); err != nil {
		return err
	}
	var buf bytes.Buffer
	chunk := 0
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		err := writeTarFile(tw, fmt.Sprintf("points/%06d.bin", chunk), buf.Bytes(), now)
		chunk++
		buf.Reset()
		return err
	}
	var lenBuf [binary.MaxVarintLen64]byte
	mo := proto.MarshalOptions{}
	var rec []byte
	for _, k := range c.keys {
		p := c.points[k]
		ps := &qdrant.PointStruct{Id: k.proto(), Payload: p.payload, Vectors: storedVectors(p.vectors)}
		if rec, err = mo.MarshalAppend(rec[:0], ps); err != nil {
			return err
		}
		buf.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(rec)))])
		buf.Write(rec)
		var sk []byte
		if p.shardKey != nil {
			if sk, err = proto.Marshal(p.shardKey); err != nil {
				return err
			}
		}
		buf.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(sk)))])
		buf.Write(sk)
		if buf.Len() >= chunkSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tw.Close()
}

func writeTarFile(tw *tar.Writer, name string, b []byte, t time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: t, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func storedVectors(vs map[string]storedVector) *qdrant.Vectors {
	named := make(map[string]*qdrant.Vector, len(vs))
	for n, v := range vs {
		var vec *qdrant.Vector
		switch {
		case v.multi != nil:
			m := &qdrant.MultiDenseVector{Vectors: make([]*qdrant.DenseVector, len(v.multi))}
			for i, d := range v.multi {
				m.Vectors[i] = &qdrant.DenseVector{Data: d}
			}
			vec = &qdrant.Vector{Vector: &qdrant.Vector_MultiDense{MultiDense: m}}
		case v.sparseIdx != nil || v.sparseVal != nil:
			vec = &qdrant.Vector{Vector: &qdrant.Vector_Sparse{Sparse: &qdrant.SparseVector{Indices: v.sparseIdx, Values: v.sparseVal}}}
		default:
			vec = &qdrant.Vector{Vector: &qdrant.Vector_Dense{Dense: &qdrant.DenseVector{Data: v.dense}}}
		}
		named[n] = vec
	}
	return &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vectors{Vectors: &qdrant.NamedVectors{Vectors: named}}}
}

// errNotSnapshot marks a file that is not a snapshot of this server.
var errNotSnapshot = errors.New("the file is not a snapshot (no " + snapshotMetaName + " at its start)")

// readSnapshotMeta reads the definition at the start of a snapshot and
// returns the tar reader positioned after it.
func readSnapshotMeta(r io.Reader) (*snapshotMeta, *collection, *tar.Reader, error) {
	tr := tar.NewReader(bufio.NewReaderSize(r, 1<<20))
	h, err := tr.Next()
	if err != nil || h.Name != snapshotMetaName {
		return nil, nil, nil, errNotSnapshot
	}
	var meta snapshotMeta
	if err := json.NewDecoder(tr).Decode(&meta); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %v", errNotSnapshot, err)
	}
	if meta.Format != snapshotFormat {
		return nil, nil, nil, fmt.Errorf("snapshot format %d is not supported (want %d)", meta.Format, snapshotFormat)
	}
	cfg := &qdrant.CollectionConfig{}
	if err := protojson.Unmarshal(meta.Config, cfg); err != nil {
		return nil, nil, nil, fmt.Errorf("snapshot config: %v", err)
	}
	c := newCollection(meta.Collection, cfg)
	for _, si := range meta.Schema {
		fi := fieldIndex{typ: qdrant.PayloadSchemaType(si.Type)}
		if len(si.Params) > 0 {
			fi.params = &qdrant.PayloadIndexParams{}
			if err := protojson.Unmarshal(si.Params, fi.params); err != nil {
				return nil, nil, nil, fmt.Errorf("snapshot payload index %q: %v", si.Field, err)
			}
		}
		c.schema[si.Field] = fi
	}
	for _, raw := range meta.ShardKeys {
		k := &qdrant.ShardKey{}
		if err := protojson.Unmarshal(raw, k); err != nil {
			return nil, nil, nil, fmt.Errorf("snapshot shard key: %v", err)
		}
		c.shards = append(c.shards, k)
	}
	return &meta, c, tr, nil
}

// readSnapshotPoints fills c from the point chunks that follow the meta.
func readSnapshotPoints(tr *tar.Reader, c *collection, want int) error {
	for {
		_, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("snapshot is truncated or damaged: %v", err)
		}
		br := bufio.NewReaderSize(tr, 1<<20)
		var rec []byte
		for {
			n, err := binary.ReadUvarint(br)
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("snapshot point chunk damaged: %v", err)
			}
			rec = grow(rec, int(n))
			if _, err := io.ReadFull(br, rec); err != nil {
				return fmt.Errorf("snapshot point chunk damaged: %v", err)
			}
			ps := &qdrant.PointStruct{}
			if err := proto.Unmarshal(rec, ps); err != nil {
				return fmt.Errorf("snapshot point damaged: %v", err)
			}
			if n, err = binary.ReadUvarint(br); err != nil {
				return fmt.Errorf("snapshot point chunk damaged: %v", err)
			}
			var sk *qdrant.ShardKey
			if n > 0 {
				rec = grow(rec, int(n))
				if _, err := io.ReadFull(br, rec); err != nil {
					return fmt.Errorf("snapshot point chunk damaged: %v", err)
				}
				sk = &qdrant.ShardKey{}
				if err := proto.Unmarshal(rec, sk); err != nil {
					return fmt.Errorf("snapshot shard key damaged: %v", err)
				}
			}
			k, err := keyOf(ps.GetId())
			if err != nil {
				return err
			}
			in, err := readVectors(ps.GetVectors())
			if err != nil {
				return err
			}
			vecs := make(map[string]storedVector, len(in))
			for name, v := range in {
				// Stored as the server keeps them: no second normalisation.
				vecs[name] = storedVector{dense: v.dense, sparseIdx: v.sparseIdx, sparseVal: v.sparseVal, multi: v.multi}
			}
			payload := ps.GetPayload()
			if payload == nil {
				payload = map[string]*qdrant.Value{}
			}
			c.put(k, &storedPoint{payload: payload, vectors: vecs, shardKey: sk})
		}
	}
	if len(c.points) != want {
		return fmt.Errorf("snapshot is truncated: it announces %d points and holds %d", want, len(c.points))
	}
	return nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
