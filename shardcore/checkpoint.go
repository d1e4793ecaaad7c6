package shardcore

import (
	"github.com/keeldb/keel/durability/checkpoint"
	"github.com/keeldb/keel/shardcore/store"
)

// Checkpoints: each shard's part.
//
// A checkpoint writes into Pebble only what changed since the previous one.
// Every write marks its key with the shard's current mark (store.Mark) and
// every deletion remembers the key; a flush or SWAPDB remembers the whole
// database instead. Two marks alternate: when a checkpoint is cut (on every
// shard at once, all shards held like a transaction, so no multi-shard
// write straddles the cut), the current mark becomes the snapshot's mark
// and writes from then on use the other one.
//
// The snapshot is a point-in-time image of the cut without stopping the
// shard and without copying the dataset (the forkless scheme Dragonfly
// uses): the loop scans its tables a little per iteration, in entry order
// (store.ScanMarked: the tables keep their entries in place until the
// snapshot ends), saving every key that still carries the snapshot's mark
// and clearing it; and before any write changes or deletes a key that
// still carries it, the key's value as of the cut is saved first
// (preWrite). Each key is saved once, with its value at the cut,
// whichever comes first. Tables replaced after the cut (FLUSHDB, SWAPDB)
// are kept by the snapshot until it has scanned them, so their keys are
// saved too and as of the cut's database numbers.
//
// Saved values go into batches that a writer goroutine, on a low-priority
// thread, turns into the checkpoint's image (checkpoint.Image); the shard
// never waits for it: when the writer has no room, the scan pauses
// (writes still save their keys first, so memory grows only with what
// clients write meanwhile).
type shardCk struct {
	on      bool       // checkpoints are kept (a store exists)
	cur     store.Mark // the mark writes add now
	deleted []map[string]struct{}
	reset   []bool // per db: cleared since the cut; the next checkpoint empties its slots first
	snap    *snapshot
}

// snapshot is a shard's part of the checkpoint being written.
type snapshot struct {
	job    *ckJob
	mark   store.Mark
	tables []*store.Table // by database number at the cut
	db     int            // the table being scanned
	cursor uint32
	batch  *checkpoint.Batch
	held   []*checkpoint.Batch // full batches the writer had no room for
	buf    []byte
	keys   int64
	bytes  int64
	cow    int64 // keys saved because a write was about to change them
	err    error // a value that could not be encoded: the checkpoint fails
}

const (
	// ckBatchSize is the size at which a batch goes to the writer.
	ckBatchSize = 256 << 10
	// ckStepEntries bounds the entries scanned per loop iteration: few
	// while clients are being served, so a snapshot adds tens of
	// microseconds to their latency, more when the loop is idle.
	ckStepEntries     = 4096
	ckStepEntriesBusy = 256
)

func (ck *shardCk) init(ndb int) {
	ck.on = true
	ck.cur = store.MarkA
	ck.deleted = make([]map[string]struct{}, ndb)
	for i := range ck.deleted {
		ck.deleted[i] = map[string]struct{}{}
	}
	ck.reset = make([]bool, ndb)
}

// ckNote records that key of database db changed (it is called after every
// write, with the keys WATCH sees change).
func (s *Shard) ckNote(db int, key []byte) {
	if !s.ck.on {
		return
	}
	if !s.dbs[db].AddMark(key, s.ck.cur) {
		s.ck.deleted[db][string(key)] = struct{}{}
	}
}

// ckReplaced records that database db was emptied or swapped as a whole:
// the next checkpoint rewrites all of it.
func (s *Shard) ckReplaced(db int) {
	if !s.ck.on {
		return
	}
	s.ck.reset[db] = true
	clear(s.ck.deleted[db])
	s.dbs[db].MarkAll(s.ck.cur)
}

// flushTable empties database db. The table is replaced, not cleared: a
// snapshot in progress may still have to save its keys.
func (s *Shard) flushTable(db int) {
	s.dbs[db] = store.NewTable()
	s.ckReplaced(db)
	s.blockSignalDB(db)
}

// preWrite saves the value key of table t had at the cut before a write
// changes it, if the snapshot has not saved it yet. e is the key's entry.
func (s *Shard) preWrite(t *store.Table, key []byte, e store.Entry) {
	sn := s.ck.snap
	if sn == nil || e.Marks&sn.mark == 0 {
		return
	}
	for db, ct := range sn.tables {
		if ct == t {
			sn.save(db, key, e)
			sn.cow++
			t.ClearMark(key, sn.mark)
			return
		}
	}
}

// preWriteKey is preWrite for a key whose entry is not at hand.
func (s *Shard) preWriteKey(t *store.Table, key []byte) {
	if s.ck.snap == nil {
		return
	}
	if e, ok := t.Get(key); ok {
		s.preWrite(t, key, e)
	}
}

// ckCut starts this shard's part of job: it returns the last LSN the image
// holds and the keys of each database. It runs while every shard is held.
func (s *Shard) ckCut(job *ckJob) cutPoint {
	ck := &s.ck
	sn := &snapshot{job: job, mark: ck.cur, tables: append([]*store.Table(nil), s.dbs...)}
	for _, t := range sn.tables {
		t.HoldIndices()
	}
	sn.batch = job.store.NewBatch()
	lo, hi := s.srv.slotRange(s.id)
	for db := range s.dbs {
		if job.full || ck.reset[db] {
			sn.batch.DeleteSlots(db, lo, hi)
			if job.full {
				s.dbs[db].MarkAll(sn.mark)
			}
		} else {
			for k := range ck.deleted[db] {
				sn.batch.Delete(db, Slot([]byte(k)), []byte(k))
			}
		}
		clear(ck.deleted[db])
		ck.reset[db] = false
	}
	ck.cur ^= store.MarkA | store.MarkB
	ck.snap = sn
	cp := cutPoint{lsn: s.srv.persist.Cut(s.id), keys: make([]int64, len(s.dbs))}
	for db, t := range s.dbs {
		cp.keys[db] = int64(t.Len())
	}
	return cp
}

// cutPoint is where a shard's part of a checkpoint was cut.
type cutPoint struct {
	lsn  uint64
	keys []int64 // per database
}

// save adds key's value to the snapshot.
func (sn *snapshot) save(db int, key []byte, e store.Entry) {
	var err error
	sn.buf, err = appendCkValue(sn.buf[:0], e)
	if err != nil {
		if sn.err == nil {
			sn.err = err
		}
		return
	}
	sn.batch.Set(db, Slot(key), key, sn.buf)
	sn.keys++
	sn.bytes += int64(len(key) + len(sn.buf))
	if sn.batch.Size() >= ckBatchSize {
		sn.held = append(sn.held, sn.batch)
		sn.batch = sn.job.store.NewBatch()
	}
}

// saveScanned saves a key of the table being scanned.
func (sn *snapshot) saveScanned(key []byte, e store.Entry) { sn.save(sn.db, key, e) }

// ckStep advances the snapshot by one loop iteration's worth; busy says
// the iteration served clients.
func (s *Shard) ckStep(busy bool) {
	sn := s.ck.snap
	if sn == nil {
		return
	}
	if !sn.submitHeld() {
		return
	}
	budget := ckStepEntries
	if busy {
		budget = ckStepEntriesBusy
	}
	// Slices of 64 entries, so that a full batch pauses the scan soon.
	for n := 0; n < budget && sn.db < len(sn.tables) && len(sn.held) == 0; n += 64 {
		sn.cursor = sn.tables[sn.db].ScanMarked(sn.cursor, 64, sn.mark, sn.saveScanned)
		if sn.cursor == 0 {
			sn.db++
		}
	}
	if !sn.submitHeld() || sn.db < len(sn.tables) {
		return
	}
	// Scanned everything: hand over the last batch (the next iteration
	// comes back here while the writer is full) and report.
	if !sn.batch.Empty() {
		sn.held = append(sn.held, sn.batch)
		sn.batch = sn.job.store.NewBatch()
		if !sn.submitHeld() {
			return
		}
	}
	sn.batch.Discard()
	for _, t := range sn.tables {
		t.ReleaseIndices()
	}
	s.ck.snap = nil
	sn.job.shardDone(shardResult{keys: sn.keys, bytes: sn.bytes, cow: sn.cow, err: sn.err})
}

// submitHeld hands held batches to the writer; false while some remain.
func (sn *snapshot) submitHeld() bool {
	for len(sn.held) > 0 {
		if !sn.job.trySubmit(sn.held[0]) {
			return false
		}
		sn.held[0] = nil
		sn.held = sn.held[1:]
	}
	return true
}

// ckPollTimeout is how long the loop may sleep while a snapshot runs: not
// at all while it can progress, a millisecond while the writer is full.
func (s *Shard) ckPollTimeout(timeout int) int {
	sn := s.ck.snap
	if sn == nil {
		return timeout
	}
	if len(sn.held) > 0 {
		return min(timeout, 1)
	}
	return 0
}
