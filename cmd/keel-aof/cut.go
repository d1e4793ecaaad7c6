package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
)

// cutPlan cuts one shard's log: segment seg is truncated to off (none when
// seg < 0) and the segments from drop on leave the MANIFEST.
type cutPlan struct {
	shard int
	why   string
	seg   int
	off   int64
	drop  int // index of the first segment dropped whole; len(segs) for none
	lsn   durability.LSN
	dropped
}

// dropped describes what a cut removes.
type dropped struct {
	bytes      int64 // on disk, readable or not
	unreadable int64
	records    int64
	first      durability.LSN
	last       durability.LSN
	minTime    int64
	maxTime    int64
	keys       map[string]bool
}

// describe reads what plan drops of sl: the intact frames from the cut on,
// going past damage.
func (p *cutPlan) describe(d *dataDir, sl shardLog) error {
	p.keys = map[string]bool{}
	var dec frameDecoder
	start := p.drop
	if p.seg >= 0 {
		start = p.seg
	}
	for i := start; i < len(sl.segs); i++ {
		r, err := openSegment(d.path(sl.segs[i]))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		from := int64(0)
		if i == p.seg {
			from = p.off
		}
		err = p.describeSegment(r, from, &dec)
		r.close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *cutPlan) describeSegment(r *segReader, from int64, dec *frameDecoder) error {
	p.bytes += r.size - from
	if err := r.seek(from); err != nil {
		return err
	}
	for {
		fr, err := r.next()
		if err == io.EOF {
			return nil
		}
		var dmg *damage
		if errors.As(err, &dmg) {
			if dmg.next < 0 {
				p.unreadable += r.size - dmg.off
				return nil
			}
			p.unreadable += dmg.next - dmg.off
			if err := r.seek(dmg.next); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		recs, err := dec.decode(fr)
		if err != nil {
			p.unreadable += fr.size()
			continue
		}
		if p.records == 0 {
			p.first, p.minTime, p.maxTime = fr.first, fr.timeMs, fr.timeMs
		}
		p.minTime, p.maxTime = min(p.minTime, fr.timeMs), max(p.maxTime, fr.timeMs)
		p.first, p.last = min(p.first, fr.first), max(p.last, fr.last())
		p.records += int64(len(recs))
		for _, rec := range recs {
			for _, k := range keysOf(rec.args) {
				p.keys[string(k)] = true
			}
		}
	}
}

// print tells what the plan does and drops.
func (p *cutPlan) print(w io.Writer, d *dataDir, sl shardLog) {
	fmt.Fprintf(w, "shard %d: %s\n", p.shard, p.why)
	if p.seg >= 0 {
		fmt.Fprintf(w, "  truncate %s at offset %d\n", d.path(sl.segs[p.seg]), p.off)
	}
	for _, s := range sl.segs[p.drop:] {
		fmt.Fprintf(w, "  drop segment %s from the MANIFEST\n", d.path(s))
	}
	if p.records == 0 {
		fmt.Fprintf(w, "  drops %s, no readable records", fmtBytes(p.bytes))
	} else {
		keys := make([]string, 0, len(p.keys))
		for k := range p.keys {
			keys = append(keys, strconv.Quote(k))
		}
		sort.Strings(keys)
		more := ""
		if len(keys) > 10 {
			more = fmt.Sprintf(" and %d more", len(keys)-10)
			keys = keys[:10]
		}
		fmt.Fprintf(w, "  drops %s: %d records (LSN %d..%d) written %s .. %s, touching %d keys: %s%s",
			fmtBytes(p.bytes), p.records, p.first, p.last, fmtTime(p.minTime), fmtTime(p.maxTime), len(p.keys), strings.Join(keys, " "), more)
	}
	if p.unreadable > 0 {
		fmt.Fprintf(w, "; %s unreadable", fmtBytes(p.unreadable))
	}
	fmt.Fprintln(w)
	if p.lsn == durability.NoLSN {
		fmt.Fprintln(w, "  the shard's log keeps no records")
	} else {
		fmt.Fprintf(w, "  the shard's log keeps LSNs up to %d\n", p.lsn)
	}
}

// applyCuts carries the plans out. For each shard, in an order that a
// crash at any step leaves a directory recovery loads, and that running
// the same command again finishes: the backup of the tail, the MANIFEST
// without the dropped segments, the dropped files (renamed to backups or
// removed), the truncation.
func applyCuts(d *dataDir, plans []*cutPlan, backup bool, stdout io.Writer) error {
	suffix := ".cut-" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	m := d.manifest.Clone()
	for _, p := range plans {
		sl := d.shardLog(p.shard)
		if p.seg >= 0 && backup {
			path := d.path(sl.segs[p.seg])
			if err := backupTail(path, p.off, path+suffix); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "saved the cut bytes of %s to %s\n", path, path+suffix)
		}
		if p.drop < len(sl.segs) {
			log := m.Shard(p.shard)
			log.Segments = slices.Clone(sl.segs[:p.drop])
			if err := durability.WriteManifest(durability.OSFS{}, d.dir, m); err != nil {
				return err
			}
			for _, s := range sl.segs[p.drop:] {
				path := d.path(s)
				var err error
				if backup {
					err = os.Rename(path, path+suffix)
				} else {
					err = os.Remove(path)
				}
				switch {
				case errors.Is(err, fs.ErrNotExist):
				case err != nil:
					return fmt.Errorf("shard %d: %w", p.shard, err)
				case backup:
					fmt.Fprintf(stdout, "moved dropped segment %s to %s\n", path, path+suffix)
				default:
					fmt.Fprintf(stdout, "removed dropped segment %s\n", path)
				}
			}
		}
		if p.seg >= 0 {
			path := d.path(sl.segs[p.seg])
			if err := truncateFile(path, p.off); err != nil {
				return fmt.Errorf("shard %d: %w", p.shard, err)
			}
			fmt.Fprintf(stdout, "truncated %s to %d bytes\n", path, p.off)
		}
		if err := (durability.OSFS{}).SyncDir(filepath.Join(d.dir, aof.DirName)); err != nil {
			return fmt.Errorf("shard %d: fsync %s: %w", p.shard, filepath.Join(d.dir, aof.DirName), err)
		}
	}
	return nil
}

func (d *dataDir) shardLog(shard int) shardLog {
	for _, sl := range d.shards {
		if sl.shard == shard {
			return sl
		}
	}
	return shardLog{shard: shard}
}

// backupTail copies the bytes of path from off on to dst, fsynced.
func backupTail(path string, off int64, dst string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("backup of the cut bytes: %w", err)
	}
	if _, err := io.Copy(out, io.NewSectionReader(in, off, 1<<62)); err != nil {
		out.Close()
		return fmt.Errorf("backup of the cut bytes to %s: %w", dst, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("backup of the cut bytes to %s: fsync: %w", dst, err)
	}
	return out.Close()
}

func truncateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("truncate %s to %d: %w", path, size, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return f.Close()
}

// checkWritable refuses to rewrite a directory whose MANIFEST is missing or
// inconsistent: the cut would rest on a guess.
func checkWritable(d *dataDir) error {
	if d.manifest == nil {
		return fmt.Errorf("%s is missing: restore it before cutting logs", d.manifestPath())
	}
	if d.invalid != nil {
		return fmt.Errorf("%s is inconsistent (%v): repair it before cutting logs", d.manifestPath(), d.invalid)
	}
	return nil
}

// carryOut prints the plans, asks for confirmation unless yes, and applies
// them.
func carryOut(d *dataDir, plans []*cutPlan, yes, backup bool, stdin io.Reader, stdout io.Writer) error {
	for _, p := range plans {
		p.print(stdout, d, d.shardLog(p.shard))
	}
	if !yes && !confirm(stdin, stdout, "Cut the logs as shown?") {
		fmt.Fprintln(stdout, "nothing changed")
		return errProblems
	}
	if err := applyCuts(d, plans, backup, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cut %d shard logs\n", len(plans))
	return nil
}

func runFix(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("fix", "--dir <datadir> [--yes] [--no-backup]", stderr)
	dir := fl.String("dir", "", "keel data directory")
	yes := fl.Bool("yes", false, "do not ask for confirmation")
	noBackup := fl.Bool("no-backup", false, "do not keep the cut bytes (<segment>.cut-<unixms>)")
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	lock, d, err := openLocked(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := checkWritable(d); err != nil {
		return err
	}
	var plans []*cutPlan
	for _, sl := range d.shards {
		var last durability.LSN
		probs, err := walkShard(d, sl, walkOptions{decode: true}, func(wf *walkFrame) error {
			last = wf.last()
			return nil
		})
		if err != nil {
			return err
		}
		if len(probs) == 0 {
			continue
		}
		p := probs[0]
		plan := &cutPlan{shard: sl.shard, why: p.String(), seg: p.seg, off: p.Offset, drop: p.seg + 1, lsn: last}
		if p.Offset < 0 || (p.Offset == 0 && p.seg > 0) {
			// The segment is missing or nothing of it is sound: drop it whole.
			plan.seg, plan.off, plan.drop = -1, 0, p.seg
		}
		if err := plan.describe(d, sl); err != nil {
			return err
		}
		plans = append(plans, plan)
	}
	if len(plans) == 0 {
		fmt.Fprintln(stdout, "every shard's log is sound: nothing to fix")
		return nil
	}
	return carryOut(d, plans, *yes, !*noBackup, stdin, stdout)
}

func runTruncate(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("truncate", "--dir <datadir> (--to-timestamp <time> | --to-lsn <n> [--shard <s>]) [--yes] [--no-backup]", stderr)
	dir := fl.String("dir", "", "keel data directory")
	toTime := fl.String("to-timestamp", "", "keep each shard's frames written at or before this time (RFC 3339 or Unix ms)")
	toLSN := fl.Uint64("to-lsn", 0, "keep the shard's frames up to this LSN (frames are the unit: a frame holding later LSNs goes whole)")
	shard := fl.Int("shard", -1, "the shard --to-lsn cuts (required when several shards have logs)")
	yes := fl.Bool("yes", false, "do not ask for confirmation")
	noBackup := fl.Bool("no-backup", false, "do not keep the cut bytes (<segment>.cut-<unixms>)")
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	if (*toTime == "") == (*toLSN == 0) {
		fmt.Fprintln(stderr, "exactly one of --to-timestamp and --to-lsn is required")
		fl.Usage()
		return errUsage
	}
	lock, d, err := openLocked(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := checkWritable(d); err != nil {
		return err
	}
	var limit int64
	shards := d.shards
	if *toTime != "" {
		if limit, err = parseTime(*toTime); err != nil {
			return err
		}
		if c := d.manifest.Checkpoint; c != nil && c.TimeMs > limit {
			return fmt.Errorf("no checkpoint older than %s: the oldest is %s (%s); the logs alone cannot rebuild the data as of that time",
				fmtTime(limit), fmtTime(c.TimeMs), c.ID)
		}
	} else {
		shards = nil
		for _, sl := range d.shards {
			if (*shard < 0 && len(sl.segs) > 0) || sl.shard == *shard {
				shards = append(shards, sl)
			}
		}
		if *shard < 0 && len(shards) > 1 {
			return fmt.Errorf("%d shards have logs and their LSNs are unrelated: name one with --shard", len(shards))
		}
		if len(shards) == 0 {
			return fmt.Errorf("no log of shard %d in %s", *shard, *dir)
		}
		if c := d.checkpointLSN(shards[0].shard); c > durability.LSN(*toLSN) {
			return fmt.Errorf("the checkpoint %s holds shard %d up to LSN %d, past %d: the log cannot be cut before it",
				d.manifest.Checkpoint.ID, shards[0].shard, c, *toLSN)
		}
	}
	var plans []*cutPlan
	for _, sl := range shards {
		plan, err := planTruncate(d, sl, func(fr *frame) bool {
			if *toTime != "" {
				return fr.timeMs > limit
			}
			return fr.last() > durability.LSN(*toLSN)
		})
		if err != nil {
			return err
		}
		if plan != nil {
			plans = append(plans, plan)
		}
	}
	if len(plans) == 0 {
		fmt.Fprintln(stdout, "nothing to cut: every log ends before that point")
		return nil
	}
	return carryOut(d, plans, *yes, !*noBackup, stdin, stdout)
}

// errFound ends a walk early.
var errFound = errors.New("found")

// planTruncate plans cutting sl at its first frame for which past holds;
// nil when there is none.
func planTruncate(d *dataDir, sl shardLog, past func(*frame) bool) (*cutPlan, error) {
	var plan *cutPlan
	var last durability.LSN
	probs, err := walkShard(d, sl, walkOptions{}, func(wf *walkFrame) error {
		if past(wf.frame) {
			plan = &cutPlan{shard: sl.shard, seg: wf.seg, off: wf.off, drop: wf.seg + 1, lsn: last,
				why: fmt.Sprintf("cut at %s offset %d (LSN %d, written %s)", wf.path, wf.off, wf.first, fmtTime(wf.timeMs))}
			return errFound
		}
		last = wf.last()
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	if plan == nil {
		if len(probs) > 0 {
			return nil, fmt.Errorf("shard %d's log is damaged before the cut: %s (run keel-aof fix first)", sl.shard, probs[0])
		}
		return nil, nil
	}
	if plan.off == 0 && plan.seg > 0 {
		plan.seg, plan.drop = -1, plan.seg
	}
	if err := plan.describe(d, sl); err != nil {
		return nil, err
	}
	return plan, nil
}
