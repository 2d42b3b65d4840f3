package wrap_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
)

// abilities lists every optional ability of package adapters, with how to
// find it. TestEveryAbilityIsListed fails when one is missing.
var abilities = map[string]func(any) bool{
	"PartitionActivator": has[adapters.PartitionActivator],
	"SequentialReader":   has[adapters.SequentialReader],
	"OrderedSink":        has[adapters.OrderedSink],
	"RawReader":          has[adapters.RawReader],
	"RawWriter":          has[adapters.RawWriter],
	"SourceChecker":      has[adapters.SourceChecker],
	"TargetChecker":      has[adapters.TargetChecker],
	"ServerCopier":       has[adapters.ServerCopier],
	"EngineNamer":        has[adapters.EngineNamer],
	"Searcher":           has[adapters.Searcher],
	"BulkLoader":         has[adapters.BulkLoader],
	"RequestLimiter":     has[adapters.RequestLimiter],
	"WrittenPartitions":  has[adapters.WrittenPartitions],
}

// notAbilities are the other interfaces of package adapters.
// NonFiniteFinder and RawSizer are abilities of a RawBatch, which no
// wrapper wraps.
var notAbilities = []string{"Source", "Sink", "Unwrapper", "AbilityWrapper", "RawBatch", "NonFiniteFinder", "RawSizer"}

func has[T any](v any) bool {
	_, ok := adapters.As[T](v)
	return ok
}

var (
	sourceLayers = map[string]func(adapters.Source) adapters.Source{
		"retry":  func(s adapters.Source) adapters.Source { return wrap.Retry(s, adapters.DefaultRetry()) },
		"limit":  func(s adapters.Source) adapters.Source { return wrap.Limit(s, 1e9) },
		"dryrun": wrap.DryRunSource,
	}
	sinkLayers = map[string]func(adapters.Sink) adapters.Sink{
		"retry":  func(s adapters.Sink) adapters.Sink { return wrap.RetrySink(s, adapters.DefaultRetry()) },
		"dryrun": wrap.DryRun,
	}
)

// stacks returns every sequence of up to depth layer names, innermost
// first.
func stacks(names []string, depth int) [][]string {
	out := [][]string{nil}
	prev := [][]string{nil}
	for d := 0; d < depth; d++ {
		var next [][]string
		for _, p := range prev {
			for _, n := range names {
				next = append(next, append(append([]string(nil), p...), n))
			}
		}
		out, prev = append(out, next...), next
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every ability of an adapter is found through every layer and every
// combination of layers, and a wrapper never lends an ability to an
// adapter without it.
func TestAbilitiesSurviveEveryLayer(t *testing.T) {
	check := func(t *testing.T, name string, withAll, without any) {
		for ability, find := range abilities {
			if !find(withAll) {
				t.Errorf("%s: %s is lost", name, ability)
			}
			if find(without) {
				t.Errorf("%s: an adapter without %s gains it", name, ability)
			}
		}
	}
	for _, stack := range stacks(keys(sourceLayers), 3) {
		var full, bare adapters.Source = &stub{}, &plain{}
		for _, l := range stack {
			full, bare = sourceLayers[l](full), sourceLayers[l](bare)
		}
		check(t, fmt.Sprintf("source layers %v", stack), full, bare)
	}
	for _, stack := range stacks(keys(sinkLayers), 3) {
		var full, bare adapters.Sink = &stub{}, &plain{}
		for _, l := range stack {
			full, bare = sinkLayers[l](full), sinkLayers[l](bare)
		}
		check(t, fmt.Sprintf("sink layers %v", stack), full, bare)
	}
	all := wrap.Layers{Retry: adapters.DefaultRetry(), MaxRate: 1e9, DryRun: true}
	check(t, "Layers.Source", all.Source(&stub{}), all.Source(&plain{}))
	check(t, "Layers.Sink", all.Sink(&stub{}), all.Sink(&plain{}))
}

// A new ability, or any other interface, added to package adapters must
// be listed here, so that the test above covers it.
func TestEveryAbilityIsListed(t *testing.T) {
	declared := interfacesOfAdapters(t)
	listed := map[string]bool{}
	for name := range abilities {
		listed[name] = true
		doc, ok := declared[name]
		if !ok {
			t.Errorf("ability %s is listed but not declared in package adapters", name)
			continue
		}
		if !strings.HasPrefix(doc, name+" is a Source") && !strings.HasPrefix(doc, name+" is a Sink") {
			t.Errorf("ability %s: its comment should start %q or %q, as every ability's does; got %q", name, name+" is a Source", name+" is a Sink", doc)
		}
	}
	for _, name := range notAbilities {
		listed[name] = true
	}
	for name, doc := range declared {
		if !listed[name] {
			t.Errorf("interface %s of package adapters is not in this test's table (%q): add it to abilities, with the stub implementing it, or to notAbilities", name, doc)
		}
	}
	n := 0
	for name, doc := range declared {
		if strings.HasPrefix(doc, name+" is a Source") || strings.HasPrefix(doc, name+" is a Sink") {
			n++
		}
	}
	if n != len(abilities) {
		t.Errorf("package adapters documents %d abilities; the table has %d", n, len(abilities))
	}
}

// interfacesOfAdapters parses package adapters and returns its interface
// types with the first line of their comments.
func interfacesOfAdapters(t *testing.T) map[string]string {
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, ok := ts.Type.(*ast.InterfaceType); !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil {
					doc = g.Doc
				}
				out[ts.Name.Name] = strings.ReplaceAll(doc.Text(), "\n", " ")
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no interface found in package adapters")
	}
	return out
}
