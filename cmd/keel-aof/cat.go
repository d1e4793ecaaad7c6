package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/keeldb/keel/durability/checkpoint"
	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
)

// filter selects records for cat and stats.
type filter struct {
	shard            int
	fromLSN, toLSN   uint64
	fromTime, toTime int64
	key              []byte
	command          string
}

// addFilterFlags declares the filter options on fl; the returned function
// parses the times once the flags are parsed.
func addFilterFlags(fl *flag.FlagSet) (*filter, func() error) {
	f := &filter{}
	fl.IntVar(&f.shard, "shard", -1, "only this shard's log")
	fl.Uint64Var(&f.fromLSN, "from-lsn", 0, "only records with this LSN or later (per shard)")
	fl.Uint64Var(&f.toLSN, "to-lsn", 0, "only records with this LSN or earlier (per shard; 0: no limit)")
	from := fl.String("from-time", "", "only records written at or after this time (RFC 3339 or Unix ms)")
	to := fl.String("to-time", "", "only records written at or before this time (RFC 3339 or Unix ms)")
	key := fl.String("key", "", "only records touching a key matching this glob")
	fl.StringVar(&f.command, "command", "", "only records of this command (case-insensitive)")
	return f, func() error {
		f.key = []byte(*key)
		f.command = strings.ToLower(f.command)
		var err error
		if *from != "" {
			if f.fromTime, err = parseTime(*from); err != nil {
				return err
			}
		}
		if *to != "" {
			if f.toTime, err = parseTime(*to); err != nil {
				return err
			}
		}
		return nil
	}
}

func (f *filter) shardWanted(shard int) bool { return f.shard < 0 || f.shard == shard }

func (f *filter) match(it *item) bool {
	switch {
	case uint64(it.lsn) < f.fromLSN, f.toLSN != 0 && uint64(it.lsn) > f.toLSN:
		return false
	case f.fromTime != 0 && it.timeMs < f.fromTime, f.toTime != 0 && it.timeMs > f.toTime:
		return false
	case f.command != "" && (len(it.args) == 0 || strings.ToLower(string(it.args[0])) != f.command):
		return false
	}
	if len(f.key) > 0 {
		for _, k := range keysOf(it.args) {
			if config.GlobMatch(f.key, k, false) {
				return true
			}
		}
		return false
	}
	return true
}

// item is a record with where it comes from, owning its arguments.
type item struct {
	shard        int
	lsn          durability.LSN
	timeMs       int64
	kind         aof.Kind
	tx           durability.TxID
	db           int
	participants int
	args         [][]byte
}

func newItem(shard int, timeMs int64, rec *record) item {
	args := make([][]byte, len(rec.args))
	for i, a := range rec.args {
		args[i] = slices.Clone(a)
	}
	return item{shard: shard, lsn: rec.lsn, timeMs: timeMs, kind: rec.kind, tx: rec.tx, db: rec.db, participants: rec.participants, args: args}
}

// txPart is what pass 1 finds of one shard's part of a transaction.
type txPart struct {
	tx           durability.TxID
	first        durability.LSN
	ends         int
	participants int
}

// replayPlan is what recovery would replay of each shard: everything up to
// its first problem, and before its first transaction that cannot be
// applied whole.
type replayPlan struct {
	stop     map[int]durability.LSN // shard -> first LSN not replayed
	stopWhy  map[int]string
	shardsOf map[durability.TxID][]int // transaction -> shards with a part in the logs
	problems []problem
}

// planReplay is pass 1: it reads every shard's log and resolves the
// transactions as recovery does (recovery/recovery.go, resolve).
func planReplay(d *dataDir, prog *progress) (*replayPlan, error) {
	plan := &replayPlan{stop: map[int]durability.LSN{}, stopWhy: map[int]string{}, shardsOf: map[durability.TxID][]int{}}
	parts := map[int][]txPart{}
	for _, sl := range d.shards {
		var ps []txPart
		ck := d.checkpointLSN(sl.shard)
		probs, err := walkShard(d, sl, walkOptions{decode: true, progress: prog}, func(wf *walkFrame) error {
			for _, rec := range wf.recs {
				if rec.kind == aof.KindCommand || rec.lsn <= ck {
					continue
				}
				// A shard runs one transaction at a time: a part's records
				// are not interleaved with another's.
				if len(ps) == 0 || ps[len(ps)-1].tx != rec.tx {
					ps = append(ps, txPart{tx: rec.tx, first: rec.lsn})
					plan.shardsOf[rec.tx] = append(plan.shardsOf[rec.tx], sl.shard)
				}
				if rec.kind == aof.KindTxEnd {
					ps[len(ps)-1].ends++
					ps[len(ps)-1].participants = rec.participants
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		plan.problems = append(plan.problems, probs...)
		parts[sl.shard] = ps
	}
	plan.resolve(parts)
	return plan, nil
}

// resolve finds where each shard's replay stops: at its first part of a
// transaction that is incomplete or that another shard's replay stops
// before, repeated until nothing changes.
func (plan *replayPlan) resolve(parts map[int][]txPart) {
	type txState struct {
		parts, ends, participants int
		bad                       bool
	}
	txs := map[durability.TxID]*txState{}
	for _, ps := range parts {
		for _, p := range ps {
			st := txs[p.tx]
			if st == nil {
				st = &txState{}
				txs[p.tx] = st
			}
			st.parts++
			st.ends += p.ends
			if p.ends > 1 {
				st.bad = true
			}
			if p.ends > 0 {
				if st.participants != 0 && st.participants != p.participants {
					st.bad = true
				}
				st.participants = p.participants
			}
		}
	}
	blocked := map[durability.TxID]string{}
	for id, st := range txs {
		switch {
		case st.bad:
			blocked[id] = "its parts disagree on how many shards take part"
		case st.participants == 0 || st.ends != st.participants || st.parts != st.participants:
			blocked[id] = fmt.Sprintf("incomplete: %d of %d participants logged the end of their part", st.ends, max(st.participants, st.parts))
		}
	}
	for {
		changed := false
		clear(plan.stop)
		clear(plan.stopWhy)
		for shard, ps := range parts {
			for _, p := range ps {
				if why, ok := blocked[p.tx]; ok {
					plan.stop[shard] = p.first
					plan.stopWhy[shard] = fmt.Sprintf("transaction %d at LSN %d: %s", p.tx, p.first, why)
					break
				}
			}
		}
		for shard, stop := range plan.stop {
			for _, p := range parts[shard] {
				if _, ok := blocked[p.tx]; !ok && p.first >= stop {
					blocked[p.tx] = fmt.Sprintf("shard %d stops before its part (at LSN %d)", shard, stop)
					changed = true
				}
			}
		}
		if !changed {
			return
		}
	}
}

// frameItems is one frame's records as a stream delivers them.
type frameItems struct {
	items []item
	bytes int64
}

// stream delivers one shard's replayable records, read by a goroutine.
type stream struct {
	shard int
	ch    chan frameItems
	buf   []item
	pos   int
	done  bool
	err   error
	errCh chan error
}

func startStream(d *dataDir, sl shardLog, stop durability.LSN, quit <-chan struct{}, prog *progress) *stream {
	s := &stream{shard: sl.shard, ch: make(chan frameItems, 4), errCh: make(chan error, 1)}
	ck := d.checkpointLSN(sl.shard)
	go func() {
		defer close(s.ch)
		_, err := walkShard(d, sl, walkOptions{decode: true}, func(wf *walkFrame) error {
			fi := frameItems{bytes: wf.size()}
			for i := range wf.recs {
				if stop != durability.NoLSN && wf.recs[i].lsn >= stop {
					break
				}
				if wf.recs[i].lsn <= ck {
					continue // the checkpoint holds it
				}
				fi.items = append(fi.items, newItem(sl.shard, wf.timeMs, &wf.recs[i]))
			}
			if len(fi.items) > 0 {
				select {
				case s.ch <- fi:
				case <-quit:
					return errStop
				}
			}
			if stop != durability.NoLSN && wf.last() >= stop {
				return errStop
			}
			return nil
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		s.errCh <- err
	}()
	s.fill(prog)
	return s
}

// fill makes buf hold the next items, or sets done.
func (s *stream) fill(prog *progress) {
	for !s.done && s.pos >= len(s.buf) {
		fi, ok := <-s.ch
		if !ok {
			s.done = true
			s.err = <-s.errCh
			return
		}
		s.buf, s.pos = fi.items, 0
		prog.addBytes(fi.bytes)
	}
}

func (s *stream) head() *item {
	if s.done {
		return nil
	}
	return &s.buf[s.pos]
}

func (s *stream) advance(prog *progress) {
	s.pos++
	s.fill(prog)
}

// emitter writes records as RESP or text.
type emitter struct {
	w    *bufio.Writer
	text bool
	f    *filter
	db   int
	buf  []byte
}

func (e *emitter) emit(it *item) error {
	if !e.f.match(it) {
		return nil
	}
	if e.text {
		e.buf = e.buf[:0]
		if it.shard < 0 {
			e.buf = fmt.Appendf(e.buf, "%s checkpoint db=%d", fmtTime(it.timeMs), it.db)
		} else {
			e.buf = fmt.Appendf(e.buf, "%s shard=%d lsn=%d db=%d", fmtTime(it.timeMs), it.shard, it.lsn, it.db)
		}
		if it.kind == aof.KindTxCommand {
			e.buf = fmt.Appendf(e.buf, " tx=%d", uint64(it.tx))
		}
		for _, a := range it.args {
			e.buf = append(e.buf, ' ')
			e.buf = appendArg(e.buf, a)
		}
		e.buf = append(e.buf, '\n')
		_, err := e.w.Write(e.buf)
		return err
	}
	if it.db != e.db {
		e.buf = resp.AppendCommand(e.buf[:0], []byte("SELECT"), strconv.AppendInt(nil, int64(it.db), 10))
		if _, err := e.w.Write(e.buf); err != nil {
			return err
		}
		e.db = it.db
	}
	e.buf = resp.AppendCommand(e.buf[:0], it.args...)
	_, err := e.w.Write(e.buf)
	return err
}

// appendArg appends a as a word redis-cli would read back: bare when it is
// plain, quoted otherwise.
func appendArg(dst, a []byte) []byte {
	plain := len(a) > 0
	for _, c := range a {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, a...)
	}
	return strconv.AppendQuote(dst, string(a))
}

// emitTx writes a transaction's parts. Keyless effects (FLUSHALL, FLUSHDB,
// SWAPDB) are logged by every participant; one keyspace must see each
// once, with every part's commands before it applied first.
func (e *emitter) emitTx(parts [][]item) error {
	slices.SortFunc(parts, func(a, b []item) int { return cmp.Compare(a[0].shard, b[0].shard) })
	type split struct {
		runs    [][]item
		barrier []*item
	}
	splits := make([]split, len(parts))
	aligned := true
	for i, p := range parts {
		var run []item
		for j := range p {
			it := &p[j]
			switch {
			case it.kind == aof.KindTxEnd:
			case len(it.args) > 0 && keyless[strings.ToLower(string(it.args[0]))]:
				splits[i].runs = append(splits[i].runs, run)
				splits[i].barrier = append(splits[i].barrier, it)
				run = nil
			default:
				run = append(run, *it)
			}
		}
		splits[i].runs = append(splits[i].runs, run)
		aligned = aligned && len(splits[i].barrier) == len(splits[0].barrier)
	}
	if !aligned {
		// The parts disagree on the keyless effects: apply them one after
		// the other, as they were logged.
		for _, p := range parts {
			for j := range p {
				if p[j].kind != aof.KindTxEnd {
					if err := e.emit(&p[j]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for k := range splits[0].runs {
		for _, sp := range splits {
			for j := range sp.runs[k] {
				if err := e.emit(&sp.runs[k][j]); err != nil {
					return err
				}
			}
		}
		if k < len(splits[0].barrier) {
			if err := e.emit(splits[0].barrier[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// merge emits the streams' records in an order one keyspace can replay:
// each shard's in LSN order, a transaction once every part of it the logs
// hold has been read (the shards that logged it wait until then), and
// otherwise by time.
func merge(streams []*stream, plan *replayPlan, f *filter, e *emitter, prog *progress) error {
	selected := map[int]bool{}
	for _, s := range streams {
		selected[s.shard] = true
	}
	pending := map[durability.TxID][][]item{}
	waiting := map[int]bool{}
	emitPending := func(tx durability.TxID) error {
		parts := pending[tx]
		delete(pending, tx)
		for _, p := range parts {
			delete(waiting, p[0].shard)
		}
		return e.emitTx(parts)
	}
	for {
		var best *stream
		for _, s := range streams {
			h := s.head()
			if h == nil || waiting[s.shard] {
				continue
			}
			if bh := best.headOrNil(); bh == nil || h.timeMs < bh.timeMs {
				best = s
			}
		}
		if best == nil {
			if len(pending) == 0 {
				return nil
			}
			// No part of these transactions is still to come.
			ids := make([]durability.TxID, 0, len(pending))
			for tx := range pending {
				ids = append(ids, tx)
			}
			slices.Sort(ids)
			for _, tx := range ids {
				if err := emitPending(tx); err != nil {
					return err
				}
			}
			continue
		}
		h := best.head()
		if h.kind == aof.KindCommand {
			prog.addRecords(1)
			if err := e.emit(h); err != nil {
				return err
			}
			best.advance(prog)
			continue
		}
		tx := h.tx
		var part []item
		for h := best.head(); h != nil && h.kind != aof.KindCommand && h.tx == tx; h = best.head() {
			part = append(part, *h)
			end := h.kind == aof.KindTxEnd
			prog.addRecords(1)
			best.advance(prog)
			if end {
				break
			}
		}
		pending[tx] = append(pending[tx], part)
		waiting[best.shard] = true
		want := 0
		for _, sh := range plan.shardsOf[tx] {
			if selected[sh] {
				want++
			}
		}
		if len(pending[tx]) >= want {
			if err := emitPending(tx); err != nil {
				return err
			}
		}
	}
}

func (s *stream) headOrNil() *item {
	if s == nil {
		return nil
	}
	return s.head()
}

func runCat(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("cat", "--dir <datadir> [--format resp|text] [filters]", stderr)
	dir := fl.String("dir", "", "keel data directory")
	format := fl.String("format", "resp", "resp (for redis-cli --pipe) or text (with shard, LSN and time)")
	quiet := fl.Bool("quiet", false, "no progress lines on stderr")
	f, parseFilter := addFilterFlags(fl)
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	if *format != "resp" && *format != "text" {
		fmt.Fprintf(stderr, "--format %q: want resp or text\n", *format)
		return errUsage
	}
	if err := parseFilter(); err != nil {
		return err
	}
	lock, d, err := openLocked(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	var selected []shardLog
	for _, sl := range d.shards {
		if f.shardWanted(sl.shard) {
			selected = append(selected, sl)
		}
	}
	prog := newProgress(progressWriter(stderr, *quiet), "cat", 2*totalSize(d))
	plan, err := planReplay(d, prog)
	if err != nil {
		return err
	}
	prog.records = 0
	quit := make(chan struct{})
	var streams []*stream
	defer func() {
		// Let every reader goroutine end before the lock is released.
		close(quit)
		for _, s := range streams {
			if !s.done {
				for range s.ch {
				}
			}
		}
	}()
	for _, sl := range selected {
		streams = append(streams, startStream(d, sl, plan.stop[sl.shard], quit, prog))
	}
	w := bufio.NewWriterSize(stdout, 256<<10)
	e := &emitter{w: w, text: *format == "text", f: f}
	if err := emitCheckpoint(d, f, e, stderr); err != nil {
		return err
	}
	if err := merge(streams, plan, f, e, prog); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, s := range streams {
		if s.err != nil {
			return s.err
		}
	}
	prog.done()
	return reportReplayPlan(plan, f, stderr)
}

// warnCheckpoint says that a checkpoint holds what the logs no longer do.
func warnCheckpoint(d *dataDir, stderr io.Writer) {
	if d.manifest != nil && d.manifest.Checkpoint != nil {
		fmt.Fprintf(stderr, "warning: the MANIFEST names checkpoint %s: the logs hold only the writes after it\n", d.manifest.Checkpoint.ID)
	}
}

// emitCheckpoint writes the keys of the checkpoint the MANIFEST names, as
// the commands that rebuild them (SET, or RESTORE of a DUMP payload),
// before the logs' records: cat then yields the whole keyspace. With a
// shard, LSN or time filter it writes nothing (a checkpoint has none of
// its own) and says so.
func emitCheckpoint(d *dataDir, f *filter, e *emitter, stderr io.Writer) error {
	if d.manifest == nil || d.manifest.Checkpoint == nil {
		return nil
	}
	ck := d.manifest.Checkpoint
	if f.shard >= 0 || f.fromLSN != 0 || f.toLSN != 0 || f.fromTime != 0 || f.toTime != 0 {
		fmt.Fprintf(stderr, "warning: the MANIFEST names checkpoint %s; with a shard, LSN or time filter only the logged writes after it are printed\n", ck.ID)
		return nil
	}
	st, err := checkpoint.OpenCopy(filepath.Join(d.dir, filepath.FromSlash(ck.ID)))
	if err != nil {
		return err
	}
	defer st.Close()
	return st.ScanAll(func(db, _ int, key, val []byte) error {
		args, err := shardcore.CheckpointCommand(key, val)
		if err != nil {
			return fmt.Errorf("checkpoint %s: db %d key %q: %w", ck.ID, db, key, err)
		}
		it := item{shard: -1, timeMs: ck.TimeMs, db: db, args: args}
		return e.emit(&it)
	})
}

// reportReplayPlan tells on stderr what was left out and why; corruption
// (not a torn tail, which recovery cuts) makes the exit status 1.
func reportReplayPlan(plan *replayPlan, f *filter, stderr io.Writer) error {
	bad := false
	for _, p := range plan.problems {
		if !f.shardWanted(p.Shard) {
			continue
		}
		fmt.Fprintf(stderr, "warning: shard %d: output stops at %s\n", p.Shard, p)
		bad = bad || !p.torn
	}
	for shard, why := range plan.stopWhy {
		if f.shardWanted(shard) {
			fmt.Fprintf(stderr, "warning: shard %d: output stops before %s (recovery stops there too)\n", shard, why)
		}
	}
	if bad {
		return errProblems
	}
	return nil
}

// errStop ends a shard's stream early.
var errStop = errors.New("stop")
