package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// report is one scenario's results.
type report struct {
	Scenario    string   `json:"scenario"`
	About       string   `json:"about"`
	Points      int      `json:"points"`
	Dim         int      `json:"dim"`
	BatchSize   int      `json:"batch_size"`
	Workers     int      `json:"workers"`
	SourceCount uint64   `json:"source_count"`
	Rows        []row    `json:"rows"`
	Figures     []figure `json:"figures,omitempty"`
	Ratios      []ratio  `json:"ratios,omitempty"`
	Targets     []target `json:"targets,omitempty"`
	Notes       []string `json:"notes,omitempty"`
	// Plots are written as SVG files next to the results (--out).
	Plots []*plot `json:"plots,omitempty"`
	Error string  `json:"error,omitempty"`
}

// row is one measured method.
type row struct {
	Method            string  `json:"method"`
	Seconds           float64 `json:"seconds"`
	PointsPerSecond   float64 `json:"points_per_second"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	CPUMicrosPerPoint float64 `json:"cpu_us_per_point"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`
	// ServerCPUSeconds is the CPU both server processes used during the
	// measurement, from /proc/PID/stat (0: not known).
	ServerCPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	// ServerCPUEach is each server's share: source, then target.
	ServerCPUEach []float64 `json:"server_cpu_seconds_each,omitempty"`
	Points        uint64    `json:"points"`
	TargetCount   uint64    `json:"target_count"`
	Note          string    `json:"note,omitempty"`
}

// figure is a measured quantity that is not a method's row (a file's
// size, bytes per point).
type figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type ratio struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// target is one of the benchmark targets, checked.
type target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Pass bool   `json:"pass"`
}

// megabytes are 10^6 bytes, so that "under 200 MB" is read strictly.
const megabyte = 1e6

func newRow(method string, points uint64, seconds, cpuSeconds float64, peakRSS int64) row {
	r := row{Method: method, Points: points, Seconds: seconds, CPUSeconds: cpuSeconds, PeakRSSMB: float64(peakRSS) / megabyte}
	if seconds > 0 {
		r.PointsPerSecond = float64(points) / seconds
	}
	if points > 0 {
		r.CPUMicrosPerPoint = cpuSeconds / float64(points) * 1e6
	}
	return r
}

func (r *report) passed() bool {
	if r.Error != "" {
		return false
	}
	for _, t := range r.Targets {
		if !t.Pass {
			return false
		}
	}
	return true
}

// serverCPU is "total (source + target)", "-" when not known.
func serverCPU(x row) string {
	if x.ServerCPUSeconds == 0 {
		return "-"
	}
	if len(x.ServerCPUEach) == 2 {
		return fmt.Sprintf("%.2f (%.2f + %.2f)", x.ServerCPUSeconds, x.ServerCPUEach[0], x.ServerCPUEach[1])
	}
	return fmt.Sprintf("%.2f", x.ServerCPUSeconds)
}

func passWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func printText(w io.Writer, r *report) {
	fmt.Fprintf(w, "\n== %s: %s\n", r.Scenario, r.About)
	if r.BatchSize > 0 {
		fmt.Fprintf(w, "   %d points x %d-d, batch size %d, vecmig --workers %d, source count %d\n\n", r.Points, r.Dim, r.BatchSize, r.Workers, r.SourceCount)
	} else {
		fmt.Fprintf(w, "   %d points x %d-d, source count %d\n\n", r.Points, r.Dim, r.SourceCount)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\tseconds\tpoints/s\tCPU s\tCPU µs/point\tpeak RSS MB\ttarget count\tserver CPU s (source + target)\t")
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.2f\t%.1f\t%.1f\t%d\t%s\t\n", x.Method, x.Seconds, x.PointsPerSecond, x.CPUSeconds, x.CPUMicrosPerPoint, x.PeakRSSMB, x.TargetCount, serverCPU(x))
	}
	tw.Flush()
	if len(r.Figures) > 0 {
		fmt.Fprintln(w)
		for _, f := range r.Figures {
			fmt.Fprintf(w, "   %-42s %s %s\n", f.Name, figureValue(f.Value), f.Unit)
		}
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		for _, x := range r.Ratios {
			fmt.Fprintf(w, "   %-42s %.2f\n", x.Name, x.Value)
		}
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\n   targets:")
		for _, t := range r.Targets {
			fmt.Fprintf(w, "   %s  %-46s want %-12s got %s\n", passWord(t.Pass), t.Name, t.Want, t.Got)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\n   notes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "   - %s\n", n)
		}
	}
	for _, x := range r.Rows {
		if x.Note != "" {
			fmt.Fprintf(w, "   - %s: %s\n", x.Method, x.Note)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\n   FAILED: %s\n", r.Error)
	}
}

// writeMarkdown writes every report as markdown tables.
func writeMarkdown(path string, cfg config, reports []*report) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# vecmig benchmark\n\n%d points x %d-d (unless a section says otherwise), batch size %d, vecmig --workers %d. "+
		"Seconds, CPU and peak RSS (1 MB = 10^6 bytes) of vecmig and the plain loop are the whole process as the kernel counts it (rusage); "+
		"the ceiling counts only its timed writes (its RSS holds every point in memory).\n",
		cfg.points, cfg.dim, cfg.batchSize, cfg.workers)
	for _, r := range reports {
		writeMarkdownReport(&sb, cfg, r)
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// writeMarkdownReport writes one scenario's section.
func writeMarkdownReport(sb *strings.Builder, cfg config, r *report) {
	fmt.Fprintf(sb, "\n## %s\n\n%s\n\n", r.Scenario, r.About)
	if r.Points != 0 && (r.Points != cfg.points || r.Dim != cfg.dim) {
		fmt.Fprintf(sb, "%d points x %d-d.\n\n", r.Points, r.Dim)
	}
	sb.WriteString("| method | seconds | points/s | CPU s | CPU µs/point | peak RSS MB | target count | server CPU s (source + target) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.Rows {
		fmt.Fprintf(sb, "| %s | %.2f | %.0f | %.2f | %.1f | %.1f | %d | %s |\n", x.Method, x.Seconds, x.PointsPerSecond, x.CPUSeconds, x.CPUMicrosPerPoint, x.PeakRSSMB, x.TargetCount, serverCPU(x))
	}
	if len(r.Figures) > 0 {
		sb.WriteString("\n| figure | value |\n|---|---:|\n")
		for _, f := range r.Figures {
			fmt.Fprintf(sb, "| %s | %s %s |\n", f.Name, figureValue(f.Value), f.Unit)
		}
	}
	if len(r.Ratios) > 0 {
		sb.WriteString("\n| ratio | value |\n|---|---:|\n")
		for _, x := range r.Ratios {
			fmt.Fprintf(sb, "| %s | %.2f |\n", x.Name, x.Value)
		}
	}
	if len(r.Targets) > 0 {
		sb.WriteString("\n| target | want | got | |\n|---|---|---|---|\n")
		for _, t := range r.Targets {
			fmt.Fprintf(sb, "| %s | %s | %s | %s |\n", t.Name, t.Want, t.Got, passWord(t.Pass))
		}
	}
	notes := append([]string(nil), r.Notes...)
	for _, x := range r.Rows {
		if x.Note != "" {
			notes = append(notes, x.Method+": "+x.Note)
		}
	}
	if len(notes) > 0 {
		sb.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(sb, "- %s\n", n)
		}
	}
	for _, p := range r.Plots {
		fmt.Fprintf(sb, "\n![%s](%s)\n", p.Title, p.File)
	}
	if r.Error != "" {
		fmt.Fprintf(sb, "\n**FAILED:** %s\n", r.Error)
	}
}

// figureValue prints whole numbers whole (a size in bytes) and others
// with two decimals.
func figureValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
