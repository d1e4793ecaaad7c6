package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore"
	"github.com/stretchr/testify/require"
)

// The cross-shard rows are only meaningful if their keys really land on
// every shard, whatever the shard count keel runs with.
func TestSpreadTagsCoverEveryShard(t *testing.T) {
	for _, k := range []int{execCmds, msetKeys} {
		tags, err := spreadTags(k)
		require.NoError(t, err)
		require.Len(t, tags, k)
		for shards := 1; shards <= 64; shards++ {
			seen := map[int]bool{}
			for _, tag := range tags {
				seen[shardcore.Slot([]byte(tag+"key"))*shards/shardcore.NumSlots] = true
			}
			require.Len(t, seen, min(k, shards), "%d tags over %d shards: %v", k, shards, tags)
		}
	}
}

func TestMeasureRunsEachOpOnce(t *testing.T) {
	var calls atomic.Int64
	rps, nerr, first := measure(context.Background(), 7, 1000, time.Minute, func(context.Context) error {
		calls.Add(1)
		return nil
	})
	require.EqualValues(t, 1000, calls.Load())
	require.Zero(t, nerr)
	require.NoError(t, first)
	require.Greater(t, rps, 0.0)
}

func TestMeasureCountsErrors(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int64
	rps, nerr, first := measure(context.Background(), 3, 10, time.Minute, func(context.Context) error {
		if calls.Add(1)%2 == 0 {
			return boom
		}
		return nil
	})
	require.EqualValues(t, 5, nerr)
	require.ErrorIs(t, first, boom)
	require.Greater(t, rps, 0.0)
}

func TestRunRejectsBadFlags(t *testing.T) {
	require.ErrorContains(t, run("127.0.0.1:1", 0, 10, time.Second), "at least 1")
	require.ErrorContains(t, run("127.0.0.1:1", 1, 0, time.Second), "at least 1")
	require.ErrorContains(t, run("127.0.0.1:1", 1, 1, time.Second), "PING 127.0.0.1:1")
}

func TestRunRejectsUnknownTests(t *testing.T) {
	require.ErrorContains(t, run("127.0.0.1:1", 1, 1, time.Second, "mset10-cross", "nosuch"), `no test named "nosuch"`)
}
