package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/keeldb/keel/durability"
)

// segStats sums up the sound frames of one segment.
type segStats struct {
	frames, records int64
	first, last     durability.LSN
	minTime         int64
	maxTime         int64
	raw, stored     int64
}

func (s *segStats) add(fr *frame) {
	if s.frames == 0 {
		s.first, s.minTime, s.maxTime = fr.first, fr.timeMs, fr.timeMs
	}
	s.frames++
	s.records += int64(fr.count)
	s.last = fr.last()
	s.minTime = min(s.minTime, fr.timeMs)
	s.maxTime = max(s.maxTime, fr.timeMs)
	s.raw += int64(fr.rawLen)
	s.stored += int64(fr.compLen)
}

func (s *segStats) merge(o *segStats) {
	if o.frames == 0 {
		return
	}
	if s.frames == 0 {
		*s = *o
		return
	}
	s.frames += o.frames
	s.records += o.records
	s.first, s.last = min(s.first, o.first), max(s.last, o.last)
	s.minTime, s.maxTime = min(s.minTime, o.minTime), max(s.maxTime, o.maxTime)
	s.raw += o.raw
	s.stored += o.stored
}

// ratio is the compression ratio: stored payload bytes per raw byte.
func (s *segStats) ratio() float64 {
	if s.raw == 0 {
		return 1
	}
	return float64(s.stored) / float64(s.raw)
}

func (s *segStats) String() string {
	if s.frames == 0 {
		return "no frames"
	}
	return fmt.Sprintf("LSN %d..%d, %d records in %d frames, %s .. %s, payload %s raw -> %s stored (%.2fx)",
		s.first, s.last, s.records, s.frames, fmtTime(s.minTime), fmtTime(s.maxTime), fmtBytes(s.raw), fmtBytes(s.stored), s.ratio())
}

// totalSize is the size of every segment the data directory's logs name.
func totalSize(d *dataDir) int64 {
	var n int64
	for _, sl := range d.shards {
		for _, s := range sl.segs {
			if st, err := os.Stat(d.path(s)); err == nil {
				n += st.Size()
			}
		}
	}
	return n
}

func runLs(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("ls", "--dir <datadir>", stderr)
	dir := fl.String("dir", "", "keel data directory")
	quiet := fl.Bool("quiet", false, "no progress lines on stderr")
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	lock, d, err := openLocked(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	if d.manifest == nil {
		fmt.Fprintf(stdout, "MANIFEST %s: missing; segments found in %s:\n", d.manifestPath(), filepath.Join(d.dir, "aof"))
	} else {
		nsegs := 0
		for _, sl := range d.shards {
			nsegs += len(sl.segs)
		}
		fmt.Fprintf(stdout, "MANIFEST %s: version %d, %d shard logs, %d segments\n", d.manifestPath(), d.manifest.Version, len(d.shards), nsegs)
		if d.invalid != nil {
			fmt.Fprintf(stdout, "  INVALID: %v\n", d.invalid)
		}
		if c := d.manifest.Checkpoint; c == nil {
			fmt.Fprintln(stdout, "checkpoint: none")
		} else {
			lsns := make([]string, len(c.Shards))
			for i, s := range c.Shards {
				lsns[i] = fmt.Sprintf("shard %d=%d", s.Shard, s.LSN)
			}
			fmt.Fprintf(stdout, "checkpoint: %s, cut at %s (%d ms), LSNs: %s\n", c.ID, fmtTime(c.TimeMs), c.TimeMs, strings.Join(lsns, " "))
		}
	}
	var all segStats
	var allSize int64
	problems := 0
	prog := newProgress(progressWriter(stderr, *quiet), "ls", totalSize(d))
	for _, sl := range d.shards {
		stats := make([]segStats, len(sl.segs))
		probs, err := walkShard(d, sl, walkOptions{all: true, progress: prog}, func(wf *walkFrame) error {
			stats[wf.seg].add(wf.frame)
			return nil
		})
		if err != nil {
			return err
		}
		var shard segStats
		var size int64
		lines := make([]string, len(sl.segs))
		for i, seg := range sl.segs {
			shard.merge(&stats[i])
			st, err := os.Stat(d.path(seg))
			if err != nil {
				lines[i] = fmt.Sprintf("  %s: %v", seg.Name, err)
				continue
			}
			size += st.Size()
			lines[i] = fmt.Sprintf("  %s: %s, %s", seg.Name, fmtBytes(st.Size()), stats[i].String())
		}
		all.merge(&shard)
		allSize += size
		fmt.Fprintf(stdout, "shard %d: %d segments, %s, %s", sl.shard, len(sl.segs), fmtBytes(size), shard.String())
		if c := d.checkpointLSN(sl.shard); c != durability.NoLSN {
			fmt.Fprintf(stdout, ", checkpoint at LSN %d", c)
		}
		fmt.Fprintln(stdout)
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
		for _, p := range probs {
			fmt.Fprintf(stdout, "  PROBLEM: %s\n", p)
		}
		problems += len(probs)
	}
	prog.done()
	for _, u := range d.unnamed {
		fmt.Fprintf(stdout, "unnamed segment file (not in the MANIFEST): %s\n", u)
	}
	fmt.Fprintf(stdout, "total: %s on disk, %d records in %d frames, payload %s raw -> %s stored (%.2fx)\n",
		fmtBytes(allSize), all.records, all.frames, fmtBytes(all.raw), fmtBytes(all.stored), all.ratio())
	if problems > 0 {
		fmt.Fprintf(stdout, "%d problems: see keel-aof verify\n", problems)
	}
	return nil
}

// verifyReport is verify's result, as --json prints it.
type verifyReport struct {
	Dir      string    `json:"dir"`
	Sound    bool      `json:"sound"`
	Problems []problem `json:"problems"`
	Warnings []problem `json:"warnings"`
	Shards   int       `json:"shards"`
	Segments int       `json:"segments"`
	Frames   int64     `json:"frames"`
	Records  int64     `json:"records"`
	Bytes    int64     `json:"bytes"`
}

func runVerify(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("verify", "--dir <datadir> [--json]", stderr)
	dir := fl.String("dir", "", "keel data directory")
	asJSON := fl.Bool("json", false, "print the report as one JSON object")
	quiet := fl.Bool("quiet", false, "no progress lines on stderr")
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	rep, err := verify(*dir, progressWriter(stderr, *quiet))
	if err != nil {
		return err
	}
	if *asJSON {
		if rep.Problems == nil {
			rep.Problems = []problem{}
		}
		if rep.Warnings == nil {
			rep.Warnings = []problem{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, p)
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
		if rep.Sound {
			fmt.Fprintf(stdout, "sound: %d shard logs, %d segments, %d frames, %d records, %s\n",
				rep.Shards, rep.Segments, rep.Frames, rep.Records, fmtBytes(rep.Bytes))
		}
	}
	if !rep.Sound {
		return errProblems
	}
	return nil
}

func progressWriter(stderr io.Writer, quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return stderr
}

// verify checks everything it can of dir, going on past problems.
func verify(dir string, progressTo io.Writer) (*verifyReport, error) {
	rep := &verifyReport{Dir: dir}
	d, err := loadDataDir(dir)
	if err != nil {
		var perr *fs.PathError
		if errors.As(err, &perr) {
			return nil, err
		}
		rep.Problems = append(rep.Problems, problem{File: filepath.Join(dir, durability.ManifestName), What: err.Error(), seg: -1})
		return rep, nil
	}
	mfile := d.manifestPath()
	switch {
	case d.manifest == nil && len(d.shards) > 0:
		rep.Problems = append(rep.Problems, problem{File: mfile, seg: -1,
			What: "missing while aof/ holds segments: recovery cannot know which are live (the segments are checked below)"})
	case d.manifest == nil:
		rep.Warnings = append(rep.Warnings, problem{File: mfile, seg: -1, What: "missing: a fresh data directory"})
	case d.invalid != nil:
		rep.Problems = append(rep.Problems, problem{File: mfile, seg: -1, What: "inconsistent: " + d.invalid.Error()})
	}
	if d.manifest != nil && d.manifest.Checkpoint != nil {
		c := d.manifest.Checkpoint
		p := filepath.Join(dir, filepath.FromSlash(c.ID))
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			what := "checkpoint directory named by the MANIFEST is missing"
			if err == nil {
				what = "checkpoint named by the MANIFEST is not a directory"
			}
			rep.Problems = append(rep.Problems, problem{File: p, seg: -1, What: what})
		}
	}
	for _, u := range d.unnamed {
		rep.Warnings = append(rep.Warnings, problem{File: filepath.Join(dir, filepath.FromSlash(u)), seg: -1,
			What: "segment file not named by the MANIFEST (left by an interrupted cleanup or roll; recovery ignores or removes it)"})
	}
	prog := newProgress(progressTo, "verify", totalSize(d))
	for _, sl := range d.shards {
		rep.Shards++
		rep.Segments += len(sl.segs)
		probs, err := walkShard(d, sl, walkOptions{decode: true, all: true, progress: prog}, func(wf *walkFrame) error {
			rep.Frames++
			rep.Records += int64(wf.count)
			rep.Bytes += wf.size()
			return nil
		})
		if err != nil {
			return nil, err
		}
		rep.Problems = append(rep.Problems, probs...)
	}
	prog.done()
	rep.Sound = len(rep.Problems) == 0
	return rep, nil
}
