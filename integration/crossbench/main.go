// Command crossbench measures what crossing shards costs keel: MSET of 10
// keys and MULTI/EXEC of 5 commands, once with every key under its own
// hashtag (spread over the shards) and once with all keys under one hashtag
// (one shard). redis-benchmark cannot drive MULTI/EXEC, hence this tool;
// integration/bench.sh runs it against keel and, for reference, redis-server.
//
// Output is CSV, one row per test: name,ops_per_sec,errors. A row's name is
// mset10-cross, mset10-single, exec5-cross or exec5-single; an op is one
// MSET, or one whole transaction.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
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
	flag.Parse()
	if err := run(*addr, *clients, *n, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "crossbench:", err)
		os.Exit(1)
	}
}

func run(addr string, clients, n int, timeout time.Duration) error {
	if clients < 1 || n < 1 {
		return fmt.Errorf("-c %d and -n %d must both be at least 1", clients, n)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr: addr, PoolSize: clients, MinIdleConns: clients,
		Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
	})
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("PING %s: %w", addr, err)
	}
	msetTags, err := spreadTags(msetKeys)
	if err != nil {
		return err
	}
	execTags, err := spreadTags(execCmds)
	if err != nil {
		return err
	}
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
		{"exec5-cross", execOp(rdb, execTags)},
		{"exec5-single", execOp(rdb, single[:execCmds])},
	}
	fmt.Println("test,ops_per_sec,errors")
	var failed error
	for _, t := range tests {
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

// execOp runs MULTI, five commands of different types (one per tag), EXEC.
// Each key stays small: the set and hash overwrite one member, the counter
// only grows in value.
func execOp(rdb *redis.Client, tags []string) func(context.Context) error {
	str, ctr, hash, set, get := tags[0]+"tx:s:0", tags[1]+"tx:n:1", tags[2]+"tx:h:2", tags[3]+"tx:set:3", tags[4]+"tx:s:4"
	return func(ctx context.Context) error {
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, str, "v", 0)
			p.Incr(ctx, ctr)
			p.HSet(ctx, hash, "f", "v")
			p.SAdd(ctx, set, "m")
			p.Get(ctx, get)
			return nil
		})
		if errors.Is(err, redis.Nil) {
			// GET of a key no one set yet: the transaction still ran.
			return nil
		}
		return err
	}
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
