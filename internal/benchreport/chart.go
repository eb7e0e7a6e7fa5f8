package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{20, 20, 20, 255}
	grey      = color.RGBA{110, 110, 110, 255}
	gridGrey  = color.RGBA{225, 225, 225, 255}
	processC  = color.RGBA{31, 119, 180, 255}  // blue
	threadC   = color.RGBA{255, 127, 14, 255}  // orange
	bareC     = color.RGBA{44, 160, 44, 255}   // green
	fallbackC = color.RGBA{255, 224, 196, 255} // pale orange
	goalC     = color.RGBA{214, 39, 40, 255}   // red
)

// Sizes in pixels; text is drawn at scale 2 (10×14 glyphs) unless said.
const (
	chartW    = 1700
	plotLeft  = 120
	plotTop   = 120
	plotH     = 520
	barW      = 24
	barGap    = 3
	groupGap  = 16
	kindGap   = 24
	latencyH  = 380
	labelSize = 2
)

// writeChart draws the throughput bars (rows/s, log scale) of every kind,
// batch size and mode beside the bare loop, and below them the 1-row
// round trips against their goals.
func writeChart(path string, f *figures, config map[string]string) error {
	img := chart(f, config)
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func chart(f *figures, config map[string]string) *image.RGBA {
	height := plotTop + plotH + 130 + latencyH
	img := image.NewRGBA(image.Rect(0, 0, chartW, height))
	fillRect(img, 0, 0, chartW, height, white)

	title := "Python functions in SQL: rows/s by function kind, mode and batch size (log scale)"
	drawText(img, (chartW-textWidth(title, 3))/2, 16, title, 3, black)
	var sub []string
	if v := config["nproc"]; v != "" {
		sub = append(sub, v+" CPUs, "+config["cpu-model"])
	}
	if v := config["date"]; v != "" {
		sub = append(sub, v)
	}
	if large, small := tableSizes(f); large > 0 {
		s := fmt.Sprintf("%s BIGINT rows", count(large))
		if small > 0 {
			s += fmt.Sprintf(", %s at batch size 1", count(small))
		}
		sub = append(sub, s)
	}
	subtitle := strings.Join(sub, "  |  ")
	drawText(img, (chartW-textWidth(subtitle, labelSize))/2, 52, subtitle, labelSize, grey)
	legend(img, plotTop-40)
	throughputPlot(img, f)
	latencyPlot(img, f, plotTop+plotH+130)
	return img
}

func tableSizes(f *figures) (large, small int) {
	for _, r := range f.Rows {
		if r.Batch == 1 {
			small = r.Rows
		} else {
			large = max(large, r.Rows)
		}
	}
	return large, small
}

func legend(img *image.RGBA, y int) {
	items := []struct {
		c     color.Color
		label string
	}{
		{processC, "PROCESS"}, {threadC, "THREAD"}, {bareC, "bare Python loop"},
		{fallbackC, "THREAD asked, runs in PROCESS"},
	}
	w := 0
	for _, it := range items {
		w += 22 + 8 + textWidth(it.label, labelSize) + 36
	}
	x := (chartW - w) / 2
	for _, it := range items {
		fillRect(img, x, y, 22, 14, it.c)
		drawText(img, x+30, y, it.label, labelSize, black)
		x += 22 + 8 + textWidth(it.label, labelSize) + 36
	}
}

// logAxis maps values to pixels on a log10 scale over whole decades.
type logAxis struct {
	lo, hi   float64 // decades
	from, to int     // pixels of lo and hi
}

func newLogAxis(values []float64, from, to int, headroom float64) logAxis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v > 0 {
			lo = min(lo, math.Log10(v))
			hi = max(hi, math.Log10(v))
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	return logAxis{lo: math.Floor(lo), hi: math.Ceil(hi + headroom), from: from, to: to}
}

func (a logAxis) pos(v float64) int {
	t := (math.Log10(v) - a.lo) / (a.hi - a.lo)
	return a.from + int(math.Round(t*float64(a.to-a.from)))
}

// decadeLabel names 10^d: 1k, 10M, 1G, 100 ns...
func decadeLabel(d int, units []string) string {
	v := math.Pow(10, float64(d%3))
	i := d / 3
	if d < 0 || i >= len(units) {
		return fmt.Sprintf("1e%d", d)
	}
	return fmt.Sprintf("%g%s", v, units[i])
}

func throughputPlot(img *image.RGBA, f *figures) {
	var values []float64
	for _, r := range f.Rows {
		values = append(values, r.Process, r.Thread, r.Bare)
	}
	// Headroom above the tallest bar for its value label.
	y := newLogAxis(values, plotTop+plotH, plotTop, 0.6)
	plotRight := chartW - 40
	for d := int(y.lo); d <= int(y.hi); d++ {
		py := y.pos(math.Pow(10, float64(d)))
		fillRect(img, plotLeft, py, plotRight-plotLeft, 1, gridGrey)
		label := decadeLabel(d, []string{"", "k", "M", "G", "T"})
		drawText(img, plotLeft-12-textWidth(label, labelSize), py-textHeight(labelSize)/2, label, labelSize, black)
	}
	axisLabel := "rows/s"
	drawTextUp(img, 20, plotTop+plotH/2+textWidth(axisLabel, labelSize)/2, axisLabel, labelSize, black)
	fillRect(img, plotLeft, plotTop, 1, plotH+1, black)
	fillRect(img, plotLeft, plotTop+plotH, plotRight-plotLeft, 1, black)

	// Groups: one per kind and batch size, three bars each; kinds apart.
	groupW := 3*barW + 2*barGap
	xs := make([]int, len(f.Rows))
	x := 0
	for i, r := range f.Rows {
		if i > 0 {
			x += groupGap
			if r.Kind != f.Rows[i-1].Kind {
				x += kindGap
			}
		}
		xs[i] = x
		x += groupW
	}
	offset := plotLeft + (plotRight-plotLeft-x)/2 + 10
	for i := range xs {
		xs[i] += offset
	}
	base := plotTop + plotH
	first := 0
	for i, r := range f.Rows {
		if i+1 == len(f.Rows) || f.Rows[i+1].Kind != r.Kind {
			end := xs[i] + groupW
			drawText(img, (xs[first]+end-textWidth(r.Short, labelSize+1))/2, base+56, r.Short, labelSize+1, black)
			if i+1 < len(f.Rows) {
				fillRect(img, (end+xs[i+1])/2, plotTop, 1, plotH+80, gridGrey)
			}
			first = i + 1
		}
	}
	for i, r := range f.Rows {
		x := xs[i]
		bars := []struct {
			v float64
			c color.Color
		}{{r.Process, processC}, {r.Thread, threadC}, {r.Bare, bareC}}
		for j, bar := range bars {
			bx := x + j*(barW+barGap)
			if bar.v <= 0 {
				if j == 1 && r.Fallback != "" && r.Process > 0 {
					// THREAD falls back: a pale bar to PROCESS's height.
					top := y.pos(r.Process)
					fillRect(img, bx, top, barW, base-top, fallbackC)
					drawTextUp(img, bx+(barW-textHeight(1))/2+1, base-6, "PROCESS", 1, grey)
				}
				continue
			}
			top := y.pos(bar.v)
			fillRect(img, bx, top, barW, base-top, bar.c)
			drawTextUp(img, bx+(barW-textHeight(labelSize))/2, top-5, shortRate(bar.v), labelSize, black)
		}
		batch := fmt.Sprintf("%d", r.Batch)
		drawText(img, x+(groupW-textWidth(batch, labelSize))/2, base+10, batch, labelSize, black)
		if r.BatchRows > 0 && int(r.BatchRows) != r.Batch {
			reached := fmt.Sprintf("(%d)", int(r.BatchRows))
			drawText(img, x+(groupW-textWidth(reached, labelSize))/2, base+30, reached, labelSize, grey)
		}
	}
	note := "x: python.fn-execution.arrow.batch.size, and (in grey) the rows per batch that reached Python when fewer"
	drawText(img, (chartW-textWidth(note, labelSize))/2, base+92, note, labelSize, grey)
}

// shortRate is a bar's label: 4.5M, 29k, 1.6G.
func shortRate(v float64) string {
	return strings.ReplaceAll(rate(v), " ", "")
}

func latencyPlot(img *image.RGBA, f *figures, top int) {
	rt := f.RoundTrips
	title := "Round trip of a 1-row batch (log scale; red lines: goals, THREAD < 10 µs, PROCESS < 100 µs)"
	drawText(img, (chartW-textWidth(title, labelSize+1))/2, top, title, labelSize+1, black)
	rows := []struct {
		label string
		ns    float64
		c     color.Color
	}{
		{"udf.Evaluator, PROCESS", rt.Evaluator["process"], processC},
		{"udf.Evaluator, THREAD", rt.Evaluator["thread"], threadC},
		{"SQL SELECT add_one(a), PROCESS", rt.SQL["process"], processC},
		{"SQL SELECT add_one(a), THREAD", rt.SQL["thread"], threadC},
		{"SQL SELECT a + 1, no Python", rt.SQLNoPython, grey},
		{"floor: socket ping-pong, 2 processes", rt.Floors["floor-socket-ping"], grey},
		{"floor: pyarrow.flight echo, Python", rt.Floors["floor-flight-echo"], grey},
	}
	left := 480
	right := chartW - 140
	values := []float64{1e3, 10e3, 100e3}
	for _, r := range rows {
		values = append(values, r.ns)
	}
	x := newLogAxis(values, left, right, 0)
	barH := 30
	y0 := top + 40
	bottom := y0 + len(rows)*(barH+12)
	for d := int(x.lo); d <= int(x.hi); d++ {
		px := x.pos(math.Pow(10, float64(d)))
		fillRect(img, px, y0-6, 1, bottom-y0+6, gridGrey)
		label := decadeLabel(d, []string{" ns", " µs", " ms", " s"})
		drawText(img, px-textWidth(label, labelSize)/2, bottom+8, label, labelSize, black)
	}
	for i, r := range rows {
		y := y0 + i*(barH+12)
		drawText(img, left-12-textWidth(r.label, labelSize), y+(barH-textHeight(labelSize))/2, r.label, labelSize, black)
		if r.ns <= 0 {
			continue
		}
		end := x.pos(r.ns)
		fillRect(img, left, y, end-left, barH, r.c)
		drawText(img, end+8, y+(barH-textHeight(labelSize))/2, micros(r.ns), labelSize, black)
	}
	for _, goal := range []float64{10e3, 100e3} {
		px := x.pos(goal)
		for yy := y0 - 10; yy < bottom; yy += 8 {
			fillRect(img, px-1, yy, 3, 5, goalC)
		}
	}
	fillRect(img, left, y0-6, 1, bottom-y0+6, black)
}
