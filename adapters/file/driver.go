package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/vecmig/vecmig/adapters"
)

// Driver returns the registry entry for file://PATH endpoints. The query
// compress=gzip|none (default gzip) chooses how a sink writes new points
// files; a source reads either.
func Driver() adapters.Driver {
	return adapters.Driver{
		Scheme: "file",
		OpenSource: func(ctx context.Context, ep *adapters.Endpoint, _ adapters.Config) (adapters.Source, error) {
			return OpenSource(ctx, ep)
		},
		OpenSink: func(ctx context.Context, ep *adapters.Endpoint, _ adapters.Config) (adapters.Sink, error) {
			return OpenSink(ctx, ep)
		},
		Inspect: func(ctx context.Context, ep *adapters.Endpoint, _ adapters.Config) (*adapters.Info, error) {
			return Inspect(ctx, ep)
		},
	}
}

// dump is what source and sink share: where the dump is and how to word
// errors about it.
type dump struct {
	dir string
	ep  string
}

func newDump(ep *adapters.Endpoint) (dump, error) {
	for k := range ep.Query {
		if k != "compress" {
			return dump{}, adapters.Errorf(adapters.KindInvalid, "file %s: unknown option %q in the URL; a file endpoint knows only compress=gzip|none", ep.Name, k)
		}
	}
	dir := filepath.Clean(ep.Name)
	return dump{dir: dir, ep: ep.String()}, nil
}

// errorf builds an error whose message starts with "file DIR: ".
func (d dump) errorf(kind adapters.Kind, format string, args ...any) error {
	return adapters.Errorf(kind, "file %s: "+format, append([]any{d.dir}, args...)...)
}

func (d dump) path(file string) string { return filepath.Join(d.dir, file) }

// notFound is the error for a directory that holds no dump.
func (d dump) notFound() error {
	return d.errorf(adapters.KindNotFound, "no dump here (%s not found); check the path, or write a dump with vecmig migrate --to file://%s", manifestName, d.dir)
}

// load reads the manifest, with errors worded for the user.
func (d dump) load() (*manifest, error) {
	m, err := readManifest(d.dir)
	if errors.Is(err, errNoManifest) {
		return nil, d.notFound()
	}
	if err != nil {
		return nil, d.errorf(adapters.KindInvalid, "%w", err)
	}
	return m, nil
}

func (d dump) notFinished() error {
	return d.errorf(adapters.KindInvalid,
		"dump %s was not finished (the run that wrote it stopped); finish it by running the same vecmig migrate again (with its --state file), or write it again with --on-exists recreate", d.dir)
}

func (d dump) noPartition(m *manifest, partition string) error {
	return d.errorf(adapters.KindNotFound, "partition %q is not in the dump; it holds %s", partition, m.partitionNames())
}

// Inspect describes a dump: its definition, counts and whether it is
// complete (in Info.Version, which is where inspect prints the server's
// version). An unfinished dump is described too, with the points its files
// hold so far.
func Inspect(ctx context.Context, ep *adapters.Endpoint) (*adapters.Info, error) {
	d, err := newDump(ep)
	if err != nil {
		return nil, err
	}
	m, err := d.load()
	if err != nil {
		return nil, err
	}
	info := &adapters.Info{
		Engine:      "file",
		Version:     fmt.Sprintf("%s %d, complete, taken from %s, created %s", formatName, m.Version, m.Collection.Engine, m.Created),
		Collections: []string{m.Collection.Name},
		Definition:  m.Collection,
		Counts:      map[string]uint64{},
	}
	if !m.Complete {
		info.Version = fmt.Sprintf("%s %d, NOT FINISHED (the run that wrote it stopped; counts are the complete lines so far), taken from %s, created %s",
			formatName, m.Version, m.Collection.Engine, m.Created)
	}
	for _, e := range m.Partitions {
		n := e.Count
		if !m.Complete {
			if n, err = countLines(ctx, d.path(e.File)); err != nil {
				return nil, d.errorf(adapters.KindInvalid, "points file %s: %w", e.File, err)
			}
		}
		info.Counts[e.Name] = n
	}
	return info, nil
}

// countLines counts the complete, valid lines of a points file, stopping
// quietly where a killed writer cut it. A missing file counts 0.
func countLines(ctx context.Context, path string) (uint64, error) {
	sc, err := openScanner(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer sc.Close()
	for {
		if sc.lines%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		_, _, err := sc.next()
		if errors.Is(err, io.EOF) || errors.Is(err, errCutShort) {
			return uint64(sc.lines), nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// sortIDs returns ids sorted and without duplicates.
func sortIDs(ids []adapters.ID) []adapters.ID {
	out := append([]adapters.ID(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	n := 0
	for i, id := range out {
		if i == 0 || out[n-1].Compare(id) != 0 {
			out[n] = id
			n++
		}
	}
	return out[:n]
}
