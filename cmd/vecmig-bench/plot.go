package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// plot is one line chart a scenario asks for, written as an SVG file (by
// hand: no plotting dependency) next to the markdown and JSON results.
type plot struct {
	File   string   `json:"file"` // base name, e.g. "throughput-workers.svg"
	Title  string   `json:"title"`
	XLabel string   `json:"x_label"`
	YLabel string   `json:"y_label"`
	LogX   bool     `json:"log_x"` // x on a log scale (workers, batch sizes, sizes)
	Series []series `json:"series"`
	// Limit draws a dashed horizontal line (a target, e.g. 200 MB); 0: none.
	Limit      float64 `json:"limit,omitempty"`
	LimitLabel string  `json:"limit_label,omitempty"`
}

type series struct {
	Name   string `json:"name"`
	Points []xy   `json:"points"`
}

type xy struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// add appends a point to the series called name, creating it.
func (p *plot) add(name string, x, y float64) {
	for i := range p.Series {
		if p.Series[i].Name == name {
			p.Series[i].Points = append(p.Series[i].Points, xy{x, y})
			return
		}
	}
	p.Series = append(p.Series, series{Name: name, Points: []xy{{x, y}}})
}

// Chart geometry, in SVG user units.
const (
	plotW, plotH           = 800.0, 440.0
	padL, padR, padT, padB = 80.0, 280.0, 40.0, 56.0
)

var plotColours = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// writePlots writes every plot of reports into dir and returns the paths.
func writePlots(dir string, reports []*report) ([]string, error) {
	var paths []string
	for _, r := range reports {
		for _, p := range r.Plots {
			path := filepath.Join(dir, p.File)
			if err := os.WriteFile(path, []byte(p.svg()), 0o644); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// scale maps data to the chart area.
type scale struct {
	x0, x1, y1 float64
	step       float64 // between y ticks
	logX       bool
}

func (p *plot) scale() scale {
	s := scale{x0: math.Inf(1), x1: math.Inf(-1), logX: p.LogX}
	for _, se := range p.Series {
		for _, pt := range se.Points {
			s.x0, s.x1, s.y1 = math.Min(s.x0, s.tx(pt.X)), math.Max(s.x1, s.tx(pt.X)), math.Max(s.y1, pt.Y)
		}
	}
	if math.IsInf(s.x0, 0) {
		s.x0, s.x1 = 0, 1
	}
	if s.x0 == s.x1 {
		s.x0, s.x1 = s.x0-1, s.x0+1
	}
	// A margin, so that the first and last points sit off the axes.
	m := (s.x1 - s.x0) * 0.05
	s.x0, s.x1 = s.x0-m, s.x1+m
	s.step = niceStep(math.Max(s.y1, p.Limit) * 1.05 / 5)
	s.y1 = math.Ceil(math.Max(s.y1, p.Limit)*1.05/s.step) * s.step
	return s
}

// niceStep rounds a tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

func (s scale) tx(x float64) float64 {
	if s.logX && x > 0 {
		return math.Log10(x)
	}
	return x
}

func (s scale) px(x float64) float64 {
	return padL + (s.tx(x)-s.x0)/(s.x1-s.x0)*(plotW-padL-padR)
}

func (s scale) py(y float64) float64 { return plotH - padB - y/s.y1*(plotH-padT-padB) }

// svg renders the plot: axes with ticks at the data's x values and
// round y ticks, one polyline with dots per series, a legend, the limit line.
func (p *plot) svg() string {
	s := p.scale()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", padL, esc(p.Title))
	p.axes(&b, s)
	for i, se := range p.Series {
		colour := plotColours[i%len(plotColours)]
		var pts []string
		for _, pt := range se.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", s.px(pt.X), s.py(pt.Y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", colour, strings.Join(pts, " "))
		for _, pt := range se.Points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %s, %s</title></circle>`+"\n", s.px(pt.X), s.py(pt.Y), colour, esc(se.Name), num(pt.X), num(pt.Y))
		}
		ly := padT + 10 + float64(i)*20
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2"/><text x="%.0f" y="%.0f">%s</text>`+"\n",
			plotW-padR+16, ly, plotW-padR+36, ly, colour, plotW-padR+42, ly+4, esc(se.Name))
	}
	if p.Limit > 0 {
		y := s.py(p.Limit)
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#555" stroke-dasharray="6,4"/><text x="%.0f" y="%.1f" fill="#555">%s</text>`+"\n",
			padL, y, plotW-padR, y, padL+6, y-5, esc(p.LimitLabel))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// axes draws both axes, their labels and ticks.
func (p *plot) axes(b *strings.Builder, s scale) {
	x0, x1, y0, y1 := padL, plotW-padR, plotH-padB, padT
	fmt.Fprintf(b, `<path d="M%.0f %.0f V%.0f H%.0f" fill="none" stroke="black"/>`+"\n", x0, y1, y0, x1)
	seen := map[float64]bool{}
	for _, se := range p.Series {
		for _, pt := range se.Points {
			if seen[pt.X] {
				continue
			}
			seen[pt.X] = true
			x := s.px(pt.X)
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="black"/><text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x, y0, x, y0+5, x, y0+19, num(pt.X))
		}
	}
	for v := 0.0; v <= s.y1*1.0001; v += s.step {
		y := s.py(v)
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0, y, x1, y, x0-6, y+4, num(v))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, plotH-12, esc(p.XLabel))
	fmt.Fprintf(b, `<text transform="translate(18 %.0f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (y0+y1)/2, esc(p.YLabel))
}

// num prints a tick or value: whole numbers with thousands separators
// (1,000,000), small ones with up to two decimals.
func num(v float64) string {
	if math.Abs(v) >= 100 || v == math.Trunc(v) {
		s := strconv.FormatInt(int64(math.Round(v)), 10)
		for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func esc(s string) string { return html.EscapeString(s) }
