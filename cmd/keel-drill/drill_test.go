package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const redisServerPath = "/usr/bin/redis-server"

// fakeObj returns a fixed read-back state, to test the accounting alone.
type fakeObj struct {
	got     snapshot
	tornWhy string
	newest  snapshot
}

func (f *fakeObj) name() string                         { return "fake" }
func (f *fakeObj) next(*rand.Rand, int64, time.Time) op { return op{} }
func (f *fakeObj) read(context.Context, *redis.Client) (snapshot, error) {
	return f.got, nil
}
func (f *fakeObj) state() snapshot               { return f.got }
func (f *fakeObj) match(got, want snapshot) bool { return plainMatch(got, want) }
func (f *fakeObj) torn(snapshot) string          { return f.tornWhy }
func (f *fakeObj) resync(_ context.Context, _ *redis.Client, _, newest snapshot) error {
	f.newest = newest
	return nil
}

func TestVerifyAccounting(t *testing.T) {
	kill := time.Now()
	hist := func() []entry {
		return []entry{
			{s: snap("a"), op: "(verified)", acked: kill.Add(-time.Hour)},
			{s: snap("b"), op: "SET b", acked: kill.Add(-900 * time.Millisecond)},
			{s: snap("c"), op: "SET c", acked: kill.Add(-300 * time.Millisecond)},
			{s: snap("d"), op: "SET d"}, // no reply
		}
	}
	for _, tc := range []struct {
		got           string
		lost, invalid int64
		window        time.Duration
	}{
		{got: "d"},
		{got: "c"},
		{got: "b", lost: 1, window: 300 * time.Millisecond},
		{got: "a", lost: 2, window: 900 * time.Millisecond},
		{got: "x", invalid: 1},
	} {
		f := &fakeObj{got: snap(tc.got)}
		tr := &tracked{obj: f, hist: hist()}
		v, err := verify(context.Background(), nil, []*tracked{tr}, kill)
		require.NoError(t, err)
		assert.Equal(t, tc.lost, v.lost, tc.got)
		assert.Equal(t, tc.invalid, v.invalid, tc.got)
		assert.Equal(t, tc.window, v.window, tc.got)
		assert.Zero(t, v.torn)
		assert.Len(t, v.losses, int(min(tc.lost, 1)), tc.got)
		assert.Len(t, v.problems, int(tc.invalid), tc.got)
		assert.Equal(t, snap("d"), f.newest)
		require.Len(t, tr.hist, 1, "the next cycle starts from the verified state")
		assert.False(t, tr.hist[0].acked.IsZero())
	}

	f := &fakeObj{got: snap("d"), tornWhy: "half applied"}
	v, err := verify(context.Background(), nil, []*tracked{{obj: f, hist: hist()}}, kill)
	require.NoError(t, err)
	assert.Equal(t, int64(1), v.torn)
	assert.Equal(t, []string{"half applied"}, v.problems)
}

func TestMatching(t *testing.T) {
	assert.True(t, tokensMatch([]string{"e:5-0=1", "e:6-0=2"}, []string{"e:5-0=1", "e:*=2"}))
	assert.False(t, tokensMatch([]string{"e:5-0=1", "e:6-0=3"}, []string{"e:5-0=1", "e:*=2"}))
	assert.False(t, tokensMatch([]string{"e:5-0=1"}, []string{"e:5-0=1", "e:*=2"}))

	want := snapshot{tokens: []string{"v"}, expLo: 1000, expHi: 1010}
	for exp, ok := range map[int64]bool{-1: false, 998: false, 999: true, 1005: true, 1011: true, 1012: false} {
		assert.Equal(t, ok, plainMatch(snapshot{tokens: []string{"v"}, expLo: exp, expHi: exp}, want), exp)
	}
	assert.True(t, plainMatch(snap("v"), snap("v")))

	h := &hllObj{}
	hundred := make([]string, 100)
	assert.True(t, h.match(snapshot{count: 103}, snap(hundred...)))
	assert.False(t, h.match(snapshot{count: 105}, snap(hundred...)))
	assert.True(t, h.match(snapshot{count: 0}, snap()))

	tx := &txObj{n: "n", l: "l", h: "h"}
	assert.Empty(t, tx.torn(snap("n=", "l=", "h=/")))
	assert.Empty(t, tx.torn(snap("n=5", "l=2,3,4,5", "h=5/5")))
	assert.NotEmpty(t, tx.torn(snap("n=5", "l=2,3,4", "h=4/4")))
	assert.NotEmpty(t, tx.torn(snap("n=2", "l=1,2", "h=/")))
	m := &msetObj{keys: []string{"a", "b"}}
	assert.Empty(t, m.torn(snap("1", "1")))
	assert.NotEmpty(t, m.torn(snap("1", "(nil)")))
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--server", "x", "--fsync", "no"},
		{"--server", "x", "--cycles", "0"},
		{"--server", "x", "extra"},
		{"--server", "x", "--checkpoint-every", "-1s"},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, 2, run(args, &out, &errb), "%q", args)
		assert.Contains(t, errb.String(), "keel-drill:", "%q", args)
	}
	o, err := parseFlags([]string{"--server", "s", "--seed", "7", "--server-args", "--shards 4"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, options{server: "s", cycles: 100, fsync: "always", writers: 16, checkpointEvery: time.Second,
		seed: 7, serverArgs: "--shards 4", startTimeout: 60 * time.Second}, o)
}

func requireRedis(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		t.Skipf("redis-server is needed as a server with known-good durability: %v", err)
	}
}

func startRedis(t *testing.T) *server {
	t.Helper()
	requireRedis(t)
	dir := t.TempDir()
	sp := serverSpec{bin: redisServerPath, dir: dir, fsync: "always", logPath: filepath.Join(dir, "log"), timeout: 10 * time.Second}
	s, _, err := sp.start()
	require.NoError(t, err)
	t.Cleanup(s.kill)
	return s
}

// The models predict every reply of a real server for every data type,
// across a resync; writes made behind their back are reported.
func TestWorkloadAgainstRedis(t *testing.T) {
	s := startRedis(t)
	c := newClient(s.addr())
	defer c.Close()
	ctx := context.Background()
	var seq atomic.Int64
	w := &writer{objs: newObjects(0), rng: rand.New(rand.NewPCG(1, 2)), seq: &seq}
	for round := range 2 {
		for range 600 {
			require.True(t, w.step(ctx, c), "round %d: %s", round, w.failure)
		}
		v, err := verify(ctx, c, w.objs, time.Now())
		require.NoError(t, err)
		require.Empty(t, v.problems)
		require.Empty(t, v.losses)
	}
	assert.Equal(t, int64(1200), w.acked)

	// Behind the models' back: a value no write produced, half of an
	// MSET, and a counter set back to a value it had before its last write.
	byName := map[string]*tracked{}
	for _, tr := range w.objs {
		byName[tr.obj.name()] = tr
	}
	str, ctr := byName["{a}drill:w0:str"], byName["{b}drill:w0:ctr"]
	mset := byName["MSET {a}drill:w0:mset {b}drill:w0:mset {c}drill:w0:mset"]
	require.NotNil(t, str)
	require.NotNil(t, ctr)
	require.NotNil(t, mset)
	before := ctr.obj.state()
	ctrOnly := &writer{objs: []*tracked{ctr}, rng: rand.New(rand.NewPCG(3, 4)), seq: &seq}
	for range 3 {
		require.True(t, ctrOnly.step(ctx, c), ctrOnly.failure)
	}
	require.NoError(t, c.Do(ctx, "SET", "{a}drill:w0:str", "bogus").Err())
	require.NoError(t, c.Do(ctx, "SET", "{b}drill:w0:mset", "other").Err())
	require.NoError(t, c.Do(ctx, "SET", "{b}drill:w0:ctr", before.tokens[0]).Err())
	killedAt := time.Now()
	v, err := verify(ctx, c, w.objs, killedAt)
	require.NoError(t, err)
	assert.Equal(t, int64(2), v.invalid, "%q", v.problems) // str, and the MSET keys no longer equal
	assert.Equal(t, int64(1), v.torn, "%q", v.problems)
	assert.Equal(t, int64(3), v.lost, "%q", v.losses)
	assert.Positive(t, v.window)
}

// The whole drill against redis-server: kill -9, restart, verify.
func TestRunAgainstRedis(t *testing.T) {
	requireRedis(t)
	var out, errb bytes.Buffer
	code := run([]string{"--server", redisServerPath, "--cycles", "3", "--writers", "3", "--seed", "5",
		"--checkpoint-every", "100ms", "--json"}, &out, &errb)
	require.Equal(t, 0, code, "%s\n%s", out.String(), errb.String())
	var r Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	assert.True(t, r.OK)
	assert.Equal(t, 3, r.Cycles)
	assert.Positive(t, r.Acked)
	assert.Zero(t, r.Lost)
	assert.Zero(t, r.Torn)
	assert.Equal(t, "ok", r.Checkpoint)
	assert.Positive(t, r.BGSAVEs)
	assert.Positive(t, r.RestartMs.Min)
	assert.LessOrEqual(t, r.RestartMs.Min, r.RestartMs.Median)
	assert.LessOrEqual(t, r.RestartMs.Median, r.RestartMs.Max)
	assert.Empty(t, r.DataDir, "removed when the drill passes")
}

// A server that does not come up is a failed drill, with its directory
// and log kept for inspection.
func TestServerFailsToStart(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"--server", "/bin/false", "--cycles", "1", "--start-timeout", "2s", "--json"}, &out, &errb)
	require.Equal(t, 1, code, errb.String())
	var r Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	require.NotEmpty(t, r.DataDir)
	t.Cleanup(func() { os.RemoveAll(r.DataDir) })
	assert.False(t, r.OK)
	require.Len(t, r.Violations, 1)
	assert.Contains(t, r.Violations[0], "first start")
	assert.Contains(t, r.Violations[0], "exited during start-up")
	assert.FileExists(t, filepath.Join(r.DataDir, "server.log"))
}
