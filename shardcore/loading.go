package shardcore

import (
	"fmt"
	"sync"
	"time"
)

// LoadApplier replays logged effects through the running shard loops, so
// the server answers clients (-LOADING, INFO) while it loads. Records are
// copied into per-shard batches; each batch is one message to its shard,
// applied in order. A bounded number of batches per shard may be in flight,
// so reading the logs never runs far ahead of applying them.
type LoadApplier struct {
	srv  *Server
	bufs []*loadBatch // being filled, per shard; callers serialize per shard
	sem  []chan struct{}
	wg   sync.WaitGroup
	// free holds applied batches for reuse: their arenas are not zeroed
	// again (commands copy what they keep of their arguments, as they do
	// from a connection's reused read buffer).
	free chan *loadBatch

	errMu sync.Mutex
	err   error
}

// loadBatch holds its records' arguments in one arena, so that copying a
// record costs no allocation of its own.
type loadBatch struct {
	dbs   []int
	args  [][][]byte
	argv  [][]byte
	arena []byte
}

func (b *loadBatch) reset() {
	clear(b.args)
	b.dbs, b.args, b.argv, b.arena = b.dbs[:0], b.args[:0], b.argv[:0], b.arena[:0]
}

// add copies one record into the batch. A full arena is replaced, not
// grown: records already added keep pointing into the old one.
func (b *loadBatch) add(db int, args [][]byte) {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	if len(b.arena)+n > cap(b.arena) {
		b.arena = make([]byte, 0, max(n, loadArenaBytes))
	}
	if len(b.argv)+len(args) > cap(b.argv) {
		b.argv = make([][]byte, 0, max(len(args), 4*loadBatchRecords))
	}
	a0 := len(b.argv)
	for _, a := range args {
		off := len(b.arena)
		b.arena = append(b.arena, a...)
		b.argv = append(b.argv, b.arena[off:len(b.arena):len(b.arena)])
	}
	b.dbs = append(b.dbs, db)
	b.args = append(b.args, b.argv[a0:len(b.argv):len(b.argv)])
}

const (
	loadBatchRecords = 512
	loadArenaBytes   = 64 << 10
	loadInFlight     = 4
	// loadRehashSteps of a growing table are done after each batch: no
	// client waits on a loading shard's writes, so a resize finishes long
	// before the next, and lookups stop searching two bucket arrays.
	loadRehashSteps = 8 * loadBatchRecords
)

// NewLoadApplier is for replay after Start; the server must be loading.
func (srv *Server) NewLoadApplier() *LoadApplier {
	a := &LoadApplier{srv: srv, bufs: make([]*loadBatch, len(srv.shards)), sem: make([]chan struct{}, len(srv.shards)),
		free: make(chan *loadBatch, len(srv.shards)*(loadInFlight+1))}
	for i := range a.sem {
		a.sem[i] = make(chan struct{}, loadInFlight)
	}
	return a
}

// ShardOf is Server.ShardOf.
func (a *LoadApplier) ShardOf(args [][]byte) int { return a.srv.ShardOf(args) }

// Apply queues one effect for shard. Calls for one shard must not run
// concurrently. An error of an earlier batch is returned by a later call.
func (a *LoadApplier) Apply(shard, db int, args [][]byte) error {
	if err := a.firstErr(); err != nil {
		return err
	}
	if shard < 0 || shard >= len(a.bufs) {
		return fmt.Errorf("replay: shard %d out of range", shard)
	}
	b := a.bufs[shard]
	if b == nil {
		select {
		case b = <-a.free:
		default:
			b = &loadBatch{}
		}
		a.bufs[shard] = b
	}
	b.add(db, args)
	if len(b.args) >= loadBatchRecords {
		a.send(shard)
	}
	return nil
}

func (a *LoadApplier) send(shard int) {
	b := a.bufs[shard]
	if b == nil || len(b.args) == 0 {
		return
	}
	a.bufs[shard] = nil
	a.sem[shard] <- struct{}{}
	a.wg.Add(1)
	a.srv.shards[shard].post(message{fn: func(s *Shard) {
		defer a.wg.Done()
		defer func() { <-a.sem[shard] }()
		s.now = time.Now().UnixMilli()
		for i, args := range b.args {
			if err := s.apply(b.dbs[i], args); err != nil {
				a.fail(err)
				return
			}
		}
		for _, db := range s.dbs {
			if db.Rehashing() {
				db.Rehash(loadRehashSteps)
			}
		}
		b.reset()
		select {
		case a.free <- b:
		default:
		}
	}})
}

// Wait sends what is buffered and returns once every effect is applied.
func (a *LoadApplier) Wait() error {
	for i := range a.bufs {
		a.send(i)
	}
	a.wg.Wait()
	return a.firstErr()
}

func (a *LoadApplier) fail(err error) {
	a.errMu.Lock()
	if a.err == nil {
		a.err = err
	}
	a.errMu.Unlock()
}

func (a *LoadApplier) firstErr() error {
	a.errMu.Lock()
	defer a.errMu.Unlock()
	return a.err
}
