package main

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is how often long work reports on stderr.
const progressEvery = time.Second

// progress reports long work on stderr: periodic lines while it runs (only
// when called from the working loop, so it needs no goroutine) and a
// summary with rates at the end.
type progress struct {
	w       io.Writer
	what    string
	total   int64 // bytes to read, 0 when unknown
	bytes   int64
	records int64
	start   time.Time
	last    time.Time
}

// newProgress starts reporting on w (nil: silent).
func newProgress(w io.Writer, what string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, what: what, total: total, start: now, last: now}
}

// addBytes and addRecords count work done; a nil progress counts nothing.
func (p *progress) addBytes(n int64) {
	if p == nil {
		return
	}
	p.bytes += n
	p.tick()
}

func (p *progress) addRecords(n int64) {
	if p == nil {
		return
	}
	p.records += n
	p.tick()
}

func (p *progress) tick() {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	pct := ""
	if p.total > 0 {
		pct = fmt.Sprintf(" of %s (%.0f%%)", fmtBytes(p.total), 100*float64(p.bytes)/float64(p.total))
	}
	fmt.Fprintf(p.w, "%s: %s%s, %d records, %s\n", p.what, fmtBytes(p.bytes), pct, p.records, p.rates(now))
}

func (p *progress) rates(now time.Time) string {
	sec := now.Sub(p.start).Seconds()
	if sec <= 0 {
		return "rate unknown"
	}
	return fmt.Sprintf("%s/s, %.0f records/s", fmtBytes(int64(float64(p.bytes)/sec)), float64(p.records)/sec)
}

// done prints the summary line.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	now := time.Now()
	fmt.Fprintf(p.w, "%s: done: %s, %d records in %.3fs (%s)\n", p.what, fmtBytes(p.bytes), p.records,
		now.Sub(p.start).Seconds(), p.rates(now))
}

// fmtBytes formats a byte count with a binary unit.
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, u := float64(n), 0
	for v >= unit && u < 4 {
		v /= unit
		u++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[u-1])
}
