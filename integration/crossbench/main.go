// Command crossbench measures what crossing shards costs keel: MSET and
// MSETNX of 10 keys, MULTI/EXEC of 5 commands, and the same EXEC after a
// WATCH of its 5 keys, once with every key under its own hashtag (spread
// over the shards) and once with all keys under one hashtag (one shard).
// redis-benchmark cannot drive MULTI/EXEC, hence this tool;
// integration/bench.sh runs it against keel and, for reference, redis-server.
//
// Output is CSV, one row per test: name,ops_per_sec,errors. A row's name is
// mset10, msetnx10, exec5 or wexec5, then -cross or -single; an op is one
// MSET or MSETNX (of 10 new keys: each one succeeds), or one WATCH and
// whole transaction. -tests picks rows by name.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/shardcore"
	"github.com/redis/go-redis/v9"
)

const (
	msetKeys = 10
	execCmds = 5
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address (host:port)")
	clients := flag.Int("c", 50, "concurrent clients")
	n := flag.Int("n", 100000, "operations per test")
	timeout := flag.Duration("timeout", 10*time.Minute, "time limit per test")
	tests := flag.String("tests", "", "comma-separated rows to run (default: all)")
	flag.Parse()
	var only []string
	if *tests != "" {
		only = strings.Split(*tests, ",")
	}
	if err := run(*addr, *clients, *n, *timeout, only...); err != nil {
		fmt.Fprintln(os.Stderr, "crossbench:", err)
		os.Exit(1)
	}
}

// run measures the rows named in only (all when empty).
func run(addr string, clients, n int, timeout time.Duration, only ...string) error {
	if clients < 1 || n < 1 {
		return fmt.Errorf("-c %d and -n %d must both be at least 1", clients, n)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr: addr, PoolSize: clients, MinIdleConns: clients,
		Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
	})
	defer rdb.Close()
	msetTags, err := spreadTags(msetKeys)
	if err != nil {
		return err
	}
	execTags, err := spreadTags(execCmds)
	if err != nil {
		return err
	}
	// MSETNX keys must be new to this run too.
	fresh := "msetnx:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	single := make([]string, msetKeys)
	for i := range single {
		single[i] = msetTags[0]
	}
	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"mset10-cross", msetOp(rdb, msetTags)},
		{"mset10-single", msetOp(rdb, single)},
		{"msetnx10-cross", msetnxOp(rdb, msetTags, fresh+"cross:")},
		{"msetnx10-single", msetnxOp(rdb, single, fresh+"single:")},
		{"exec5-cross", execOp(rdb, execTags)},
		{"exec5-single", execOp(rdb, single[:execCmds])},
		{"wexec5-cross", watchExecOp(rdb, execTags)},
		{"wexec5-single", watchExecOp(rdb, single[:execCmds])},
	}
	for _, name := range only {
		known := false
		for _, t := range tests {
			known = known || t.name == name
		}
		if !known {
			return fmt.Errorf("no test named %q", name)
		}
	}
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("PING %s: %w", addr, err)
	}
	fmt.Println("test,ops_per_sec,errors")
	var failed error
	for _, t := range tests {
		if len(only) > 0 && !slices.Contains(only, t.name) {
			continue
		}
		rps, nerr, firstErr := measure(ctx, clients, n, timeout, t.op)
		fmt.Printf("%s,%.2f,%d\n", t.name, rps, nerr)
		if firstErr != nil {
			fmt.Fprintf(os.Stderr, "crossbench: %s: %d errors, first: %v\n", t.name, nerr, firstErr)
			failed = errors.Join(failed, fmt.Errorf("%s failed", t.name))
		}
	}
	return failed
}

// spreadTags returns k hashtags whose slots sit at the centres of k equal
// slices of the slot space. keel maps contiguous slot ranges to shards, and
// a shard's range is at least as wide as the spacing of the centres when
// there are at most k shards, so the keys touch min(k, shards) shards
// whatever the shard count.
func spreadTags(k int) ([]string, error) {
	want := make(map[int]int, k) // slot -> index in tags
	for i := range k {
		want[(2*i+1)*shardcore.NumSlots/(2*k)] = i
	}
	tags := make([]string, k)
	found := 0
	for n := 0; found < k && n < 10_000_000; n++ {
		tag := "{t" + strconv.Itoa(n) + "}"
		if i, ok := want[shardcore.Slot([]byte(tag))]; ok && tags[i] == "" {
			tags[i] = tag
			found++
		}
	}
	if found < k {
		return nil, fmt.Errorf("found hashtags for only %d of %d slots", found, k)
	}
	return tags, nil
}

// msetOp sets one key under each tag: the tags decide how many shards an
// MSET spans.
func msetOp(rdb *redis.Client, tags []string) func(context.Context) error {
	pairs := make([]any, 0, 2*len(tags))
	for i, tag := range tags {
		pairs = append(pairs, tag+"mset:"+strconv.Itoa(i), "v")
	}
	return func(ctx context.Context) error {
		return rdb.MSet(ctx, pairs...).Err()
	}
}

// msetnxOp sets one new key under each tag per op (prefix and a counter
// name them), so every MSETNX succeeds and writes.
func msetnxOp(rdb *redis.Client, tags []string, prefix string) func(context.Context) error {
	var seq atomic.Int64
	return func(ctx context.Context) error {
		op := strconv.FormatInt(seq.Add(1), 10)
		pairs := make([]any, 0, 2*len(tags))
		for i, tag := range tags {
			pairs = append(pairs, tag+prefix+op+":"+strconv.Itoa(i), "v")
		}
		ok, err := rdb.MSetNX(ctx, pairs...).Result()
		if err == nil && !ok {
			err = errors.New("MSETNX of new keys set nothing")
		}
		return err
	}
}

// watchExecOp is execOp's transaction after a WATCH of its keys. Clients
// write the same keys, so some transactions abort: those count as ops too.
func watchExecOp(rdb *redis.Client, tags []string) func(context.Context) error {
	keys := txKeys(tags)
	return func(ctx context.Context) error {
		err := rdb.Watch(ctx, func(w *redis.Tx) error {
			_, err := w.TxPipelined(ctx, func(p redis.Pipeliner) error { return txCmds(ctx, p, keys) })
			return err
		}, keys...)
		if errors.Is(err, redis.Nil) || errors.Is(err, redis.TxFailedErr) {
			// GET of a key no one set yet, or a watched key changed: the
			// transaction still ran or was checked.
			return nil
		}
		return err
	}
}

// execOp runs MULTI, five commands of different types (one per tag), EXEC.
func execOp(rdb *redis.Client, tags []string) func(context.Context) error {
	keys := txKeys(tags)
	return func(ctx context.Context) error {
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error { return txCmds(ctx, p, keys) })
		if errors.Is(err, redis.Nil) {
			// GET of a key no one set yet: the transaction still ran.
			return nil
		}
		return err
	}
}

// txKeys names the transaction's keys, one per tag.
func txKeys(tags []string) []string {
	return []string{tags[0] + "tx:s:0", tags[1] + "tx:n:1", tags[2] + "tx:h:2", tags[3] + "tx:set:3", tags[4] + "tx:s:4"}
}

// txCmds queues the transaction's commands. Each key stays small: the set
// and hash overwrite one member, the counter only grows in value.
func txCmds(ctx context.Context, p redis.Pipeliner, keys []string) error {
	p.Set(ctx, keys[0], "v", 0)
	p.Incr(ctx, keys[1])
	p.HSet(ctx, keys[2], "f", "v")
	p.SAdd(ctx, keys[3], "m")
	p.Get(ctx, keys[4])
	return nil
}

// measure runs op n times over the given number of clients and returns the
// throughput of successful ops, the error count and the first error.
func measure(ctx context.Context, clients, n int, timeout time.Duration, op func(context.Context) error) (float64, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var next, ok, nerr atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(ctx); err != nil {
					nerr.Add(1)
					once.Do(func() { firstErr = err })
					if ctx.Err() != nil {
						return
					}
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), nerr.Load(), firstErr
}
