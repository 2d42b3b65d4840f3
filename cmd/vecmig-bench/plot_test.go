package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plot is a well-formed SVG with a dot per point, a legend entry per
// series, round y ticks and the limit line; --out writes it next to the
// markdown (which links it) and the JSON.
func TestPlotsAreWrittenNextToTheResults(t *testing.T) {
	p := &plot{File: "rss-size.svg", Title: "peak RSS <by size>", XLabel: "points", YLabel: "MB", LogX: true, Limit: 200, LimitLabel: "target: under 200 MB"}
	for _, n := range []float64{100_000, 300_000, 1_000_000} {
		p.add("migrate (live)", n, 58)
		p.add("verify --mode full", n, 71)
	}
	r := &report{Scenario: "memory", About: "test", Plots: []*plot{p}}
	dir := filepath.Join(t.TempDir(), "out")
	f, err := resultPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := f.write(config{}, []*report{r})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Errorf("wrote %v; want the plot, results.md and results.json", paths)
	}
	data, err := os.ReadFile(filepath.Join(dir, "rss-size.svg"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Circles []struct{} `xml:"circle"`
		Texts   []string   `xml:"text"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the SVG is not well-formed XML: %v", err)
	}
	if len(doc.Circles) != 6 {
		t.Errorf("%d dots, want 6 (3 sizes x 2 series)", len(doc.Circles))
	}
	texts := strings.Join(doc.Texts, "|")
	for _, want := range []string{"peak RSS <by size>", "migrate (live)", "verify --mode full", "target: under 200 MB", "1,000,000", "|0|", "|50|", "|200|"} {
		if !strings.Contains("|"+texts+"|", want) {
			t.Errorf("the SVG's texts lack %q: %s", want, texts)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	if !strings.Contains(string(md), "(rss-size.svg)") {
		t.Errorf("results.md does not link the plot:\n%s", md)
	}
	var back []*report
	js, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(js, &back); err != nil || len(back) != 1 || len(back[0].Plots) != 1 || len(back[0].Plots[0].Series[1].Points) != 3 {
		t.Errorf("results.json does not hold the plot's data: %v %s", err, js)
	}
}

// --out: a directory, or a markdown file with the rest beside it.
func TestResultPaths(t *testing.T) {
	f, err := resultPaths("res/bench.md")
	if err != nil || f.dir != "res" || f.json != "res/bench.json" {
		t.Errorf("bench.md: %+v %v", f, err)
	}
	file := filepath.Join(t.TempDir(), "x")
	os.WriteFile(file, nil, 0o644)
	if _, err := resultPaths(file); err == nil {
		t.Errorf("--out naming an existing file that is not .md was accepted")
	}
	if f, err := resultPaths(""); f != nil || err != nil {
		t.Errorf("no --out: %+v %v", f, err)
	}
}

func TestNiceSteps(t *testing.T) {
	for raw, want := range map[float64]float64{0.7: 1, 13: 20, 41: 50, 52_827 / 5.0: 20_000, 100: 100} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}
