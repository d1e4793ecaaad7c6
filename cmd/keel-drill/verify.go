package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// entry is one state in an object's history: the state verified at the
// cycle's start, then one per write sent.
type entry struct {
	s     snapshot
	op    string
	acked time.Time // zero: no reply (the write may or may not be applied)
}

// tracked is an object with its history for the current cycle.
type tracked struct {
	obj  object
	hist []entry
}

func (t *tracked) baseline(at time.Time) {
	t.hist = []entry{{s: t.obj.state(), op: "(verified)", acked: at}}
}

// writer sends writes on its own connection to the objects it owns.
type writer struct {
	id      int
	objs    []*tracked
	rng     *rand.Rand
	seq     *atomic.Int64
	acked   int64
	maybe   int64
	failure string // a reply the model did not predict, ending the run
}

// ioError reports whether err is a failure of the connection (the server
// died or did not answer) rather than an error reply.
func ioError(err error) bool {
	var re redis.Error
	return err != nil && !errors.As(err, &re)
}

// step sends one write and records it; false when the writer must stop
// for this cycle (connection lost, or a wrong reply).
func (w *writer) step(ctx context.Context, c *redis.Client) bool {
	t := w.objs[w.rng.IntN(len(w.objs))]
	sentAt := time.Now()
	o := t.obj.next(w.rng, w.seq.Add(1), sentAt)
	t.hist = append(t.hist, entry{s: o.pending, op: o.String()})
	var replies []any
	var err error
	if o.tx != nil {
		replies, err = doTx(ctx, c, o.tx)
	} else {
		var v any
		v, err = do(ctx, c, o.cmd...)
		replies = []any{v}
	}
	if ioError(err) {
		if dialError(err) {
			// Never sent: the server was already gone.
			t.hist = t.hist[:len(t.hist)-1]
		} else {
			w.maybe++
		}
		return false
	}
	ackAt := time.Now()
	if err != nil {
		w.failure = fmt.Sprintf("writer %d: %s: error reply %v", w.id, o, err)
		return false
	}
	s, err := o.apply(replies, sentAt, ackAt)
	if err != nil {
		w.failure = fmt.Sprintf("writer %d: %s: %v", w.id, o, err)
		return false
	}
	t.hist[len(t.hist)-1] = entry{s: s, op: o.String(), acked: ackAt}
	w.acked++
	return true
}

// doTx runs commands in MULTI/EXEC and returns their replies.
func doTx(ctx context.Context, c *redis.Client, cmds [][]any) ([]any, error) {
	res, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, a := range cmds {
			p.Do(ctx, a...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]any, len(res))
	for i, r := range res {
		v, err := r.(*redis.Cmd).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// verdict is what one cycle's verification found.
type verdict struct {
	lost     int64         // acknowledged writes missing
	window   time.Duration // kill time minus the oldest lost acknowledgement
	torn     int64         // multi-key writes half applied
	invalid  int64         // objects in a state no write sequence explains
	problems []string      // torn and unexplained states
	losses   []string      // lost writes: a violation under always only
}

func add(to *[]string, format string, args ...any) {
	if len(*to) < maxProblems {
		*to = append(*to, fmt.Sprintf(format, args...))
	}
}

const maxProblems = 20

// verify reads every object back after a restart and compares it with its
// history: it must be a state at or after its newest acknowledged write.
// Then the models take the server's state as the next cycle's baseline.
func verify(ctx context.Context, c *redis.Client, objs []*tracked, killedAt time.Time) (verdict, error) {
	var v verdict
	now := time.Now()
	for _, t := range objs {
		got, err := t.obj.read(ctx, c)
		if err != nil {
			return v, fmt.Errorf("reading %s: %w", t.obj.name(), err)
		}
		if why := t.obj.torn(got); why != "" {
			v.torn++
			add(&v.problems, "%s", why)
		}
		required := 0
		for i, e := range t.hist {
			if !e.acked.IsZero() {
				required = i
			}
		}
		match := -1
		for j := len(t.hist) - 1; j >= 0; j-- {
			if t.obj.match(got, t.hist[j].s) {
				match = j
				break
			}
		}
		switch {
		case match >= required:
		case match >= 0:
			var lost int64
			oldest := time.Time{}
			for _, e := range t.hist[match+1 : required+1] {
				if !e.acked.IsZero() {
					lost++
					if oldest.IsZero() {
						oldest = e.acked
					}
				}
			}
			v.lost += lost
			v.window = max(v.window, killedAt.Sub(oldest))
			add(&v.losses, "%s: %d acknowledged write(s) lost, the oldest %v before the kill (%s); it holds %s",
				t.obj.name(), lost, killedAt.Sub(oldest).Round(time.Millisecond), t.hist[match+1].op, got)
		default:
			v.invalid++
			add(&v.problems, "%s holds %s, which no write sequence explains; the newest acknowledged state is %s after %s",
				t.obj.name(), got, t.hist[required].s, t.hist[required].op)
		}
		if err := t.obj.resync(ctx, c, got, t.hist[len(t.hist)-1].s); err != nil {
			return v, fmt.Errorf("%s: %w", t.obj.name(), err)
		}
		t.baseline(now)
	}
	return v, nil
}

// newObjects gives writer w its keys. Hash tags rotate per object so that
// each data type lives on several shards and multi-key writes always span
// different slots.
func newObjects(w int) []*tracked {
	tags := []string{"{a}", "{b}", "{c}", "{d}", "{e}", "{f}"}
	tag := func(i int) string { return tags[(w+i)%len(tags)] }
	k := func(i int, what string) string { return fmt.Sprintf("%sdrill:w%d:%s", tag(i), w, what) }
	objs := []object{
		&strObj{key: k(0, "str")},
		&ctrObj{key: k(1, "ctr")},
		&ttlObj{key: k(2, "ttl"), exp: -1},
		&listObj{key: k(3, "list")},
		&hashObj{key: k(4, "hash"), m: map[string]string{}},
		&setObj{key: k(5, "set")},
		&zsetObj{key: k(6, "zset"), m: map[string]string{}},
		&streamObj{key: k(7, "stream")},
		&hllObj{key: k(8, "hll")},
		&msetObj{keys: []string{k(0, "mset"), k(1, "mset"), k(2, "mset")}},
		&txObj{n: k(3, "tx:n"), l: k(4, "tx:l"), h: k(5, "tx:h")},
	}
	out := make([]*tracked, len(objs))
	for i, o := range objs {
		out[i] = &tracked{obj: o}
		out[i].baseline(time.Time{})
	}
	return out
}

// dialError tells a refused connection (the server is gone) from others.
func dialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}
