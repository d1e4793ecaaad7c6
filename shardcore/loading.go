package shardcore

import (
	"fmt"
	"sync"
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

	errMu sync.Mutex
	err   error
}

type loadBatch struct {
	dbs  []int
	args [][][]byte
}

const (
	loadBatchRecords = 512
	loadInFlight     = 4
)

// NewLoadApplier is for replay after Start; the server must be loading.
func (srv *Server) NewLoadApplier() *LoadApplier {
	a := &LoadApplier{srv: srv, bufs: make([]*loadBatch, len(srv.shards)), sem: make([]chan struct{}, len(srv.shards))}
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
		b = &loadBatch{}
		a.bufs[shard] = b
	}
	b.dbs = append(b.dbs, db)
	b.args = append(b.args, copyArgs(args))
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
		for i, args := range b.args {
			if err := s.apply(b.dbs[i], args); err != nil {
				a.fail(err)
				return
			}
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
