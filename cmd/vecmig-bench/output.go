package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// resultFiles is where --out puts the results: the markdown file, the JSON
// beside it, and the plots in the same directory.
type resultFiles struct {
	dir, markdown, json string
}

// resultPaths reads --out: a directory (created), or a file ending in .md
// whose directory takes the rest. "" writes nothing (nil).
func resultPaths(out string) (*resultFiles, error) {
	if out == "" {
		return nil, nil
	}
	if strings.HasSuffix(out, ".md") {
		dir := filepath.Dir(out)
		return &resultFiles{dir: dir, markdown: out, json: strings.TrimSuffix(out, ".md") + ".json"}, nil
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("--out %s is a file; give a directory, or a path ending in .md", out)
	}
	return &resultFiles{dir: out, markdown: filepath.Join(out, "results.md"), json: filepath.Join(out, "results.json")}, nil
}

// write writes the markdown (with the plots linked), the JSON and the
// plots, and returns every path written.
func (f *resultFiles) write(cfg config, reports []*report) ([]string, error) {
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	paths, err := writePlots(f.dir, reports)
	if err != nil {
		return paths, fmt.Errorf("write the plots: %w", err)
	}
	if err := writeMarkdown(f.markdown, cfg, reports); err != nil {
		return paths, fmt.Errorf("write %s: %w", f.markdown, err)
	}
	data, err := json.MarshalIndent(reports, "", "  ")
	if err != nil {
		return paths, err
	}
	if err := os.WriteFile(f.json, append(data, '\n'), 0o644); err != nil {
		return paths, fmt.Errorf("write %s: %w", f.json, err)
	}
	paths = append(paths, f.markdown, f.json)
	sort.Strings(paths)
	return paths, nil
}

// parseLists reads each comma-separated list flag into cfg.
func parseLists(cfg *config, flags map[string]string) error {
	into := map[string]*[]int{"ceiling-writers": &cfg.ceilingWriters, "sweep-workers": &cfg.sweepWorkers, "sweep-batch": &cfg.sweepBatch, "sizes": &cfg.sizes}
	for name, v := range flags {
		list, err := parseInts(v)
		if err != nil {
			return fmt.Errorf("--%s %q: %v", name, v, err)
		}
		*into[name] = list
	}
	return nil
}
