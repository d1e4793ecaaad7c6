package recovery

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

const testDir = "/data"

// fakeApp is an Applier over a plain map. A key "s<N>:..." belongs to shard
// N; commands: SET k v, DEL k, FLUSHALL (keyless: clears the shard it is
// applied on). It checks that calls for one shard never overlap.
type fakeApp struct {
	n int

	mu      sync.Mutex
	state   map[string]string // "db/key" -> value
	applied [][]string        // per shard, "db:CMD args" in order
	busy    []bool
}

func newFakeApp(n int) *fakeApp {
	return &fakeApp{n: n, state: map[string]string{}, applied: make([][]string, n), busy: make([]bool, n)}
}

func keyShard(key []byte) int {
	s, _, ok := strings.Cut(string(key), ":")
	if !ok || !strings.HasPrefix(s, "s") {
		return 0
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil {
		return 0
	}
	return n
}

func (a *fakeApp) ShardOf(args [][]byte) int {
	if strings.EqualFold(string(args[0]), "flushall") {
		return -1
	}
	return keyShard(args[1]) % a.n
}

func (a *fakeApp) Apply(shard, db int, args [][]byte) error {
	a.mu.Lock()
	if a.busy[shard] {
		a.mu.Unlock()
		return fmt.Errorf("overlapping Apply on shard %d", shard)
	}
	a.busy[shard] = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.busy[shard] = false
		a.mu.Unlock()
	}()

	parts := make([]string, len(args))
	for i, x := range args {
		parts[i] = string(x)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied[shard] = append(a.applied[shard], fmt.Sprintf("%d:%s", db, strings.Join(parts, " ")))
	switch strings.ToLower(parts[0]) {
	case "set":
		a.state[fmt.Sprintf("%d/%s", db, parts[1])] = parts[2]
	case "del":
		delete(a.state, fmt.Sprintf("%d/%s", db, parts[1]))
	case "flushall":
		for k := range a.state {
			_, key, _ := strings.Cut(k, "/")
			if keyShard([]byte(key))%a.n == shard {
				delete(a.state, k)
			}
		}
	case "boom":
		return fmt.Errorf("ERR boom")
	case "crash":
		var m map[string]int
		m["x"]++ // a nil map write: the panic replay must survive
	default:
		return fmt.Errorf("replay: unknown command %q", parts[0])
	}
	return nil
}

func (a *fakeApp) get(db int, key string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.state[fmt.Sprintf("%d/%s", db, key)]
	return v, ok
}

func args(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

// quietLogger keeps test output readable; logs go to buf when given.
func quietLogger(buf io.Writer) *slog.Logger {
	if buf == nil {
		buf = io.Discard
	}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig(shards int) Config {
	return Config{Shards: shards, Fsync: durability.FsyncAlways, LoadTruncated: true, AppendOnly: true, Logger: quietLogger(nil)}
}

// start opens dir and replays it into a new fakeApp.
func start(t *testing.T, fsys durability.FS, cfg Config) (*Recovery, *fakeApp, *Summary) {
	t.Helper()
	r, err := Open(testDir, fsys, cfg)
	require.NoError(t, err)
	app := newFakeApp(cfg.Shards)
	sum, err := r.Replay(app)
	require.NoError(t, err)
	return r, app, sum
}

// logWriters opens raw writers for shards 0..n-1 registered in dir's
// MANIFEST, for tests that craft logs record by record.
func logWriters(t *testing.T, fsys durability.FS, n int) []*aof.Writer {
	t.Helper()
	require.NoError(t, fsys.MkdirAll(testDir, 0o755))
	var m *durability.Manifest
	if _, err := fsys.Stat(testDir + "/" + durability.ManifestName); err == nil {
		m, err = durability.LoadManifest(fsys, testDir)
		require.NoError(t, err)
	}
	store := durability.NewManifestStore(fsys, testDir, m)
	ws := make([]*aof.Writer, n)
	for i := range ws {
		start := durability.LSN(1)
		if sl := store.Manifest().Shard(i); sl != nil {
			segs := sl.Segments
			rd, err := aof.NewReader(fsys, testDir, i, segs, durability.NoLSN)
			require.NoError(t, err)
			for {
				if _, err := rd.Next(); err != nil {
					require.ErrorIs(t, err, io.EOF)
					break
				}
			}
			start = rd.LastLSN() + 1
			rd.Close()
		}
		w, err := aof.NewWriter(fsys, testDir, i, start, aof.Options{Registry: store})
		require.NoError(t, err)
		ws[i] = w
	}
	return ws
}

func flush(t *testing.T, w *aof.Writer) {
	t.Helper()
	_, err := w.Flush()
	require.NoError(t, err)
}

func closeAll(t *testing.T, ws []*aof.Writer) {
	t.Helper()
	for _, w := range ws {
		require.NoError(t, w.Close())
	}
}

// shardRecords reads every record of shard's log as "LSN kind text".
func shardRecords(t *testing.T, fsys durability.FS, shard int) []string {
	t.Helper()
	m, err := durability.LoadManifest(fsys, testDir)
	require.NoError(t, err)
	sl := m.Shard(shard)
	require.NotNil(t, sl)
	rd, err := aof.NewReader(fsys, testDir, shard, sl.Segments, durability.NoLSN)
	require.NoError(t, err)
	defer rd.Close()
	var out []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		var b strings.Builder
		fmt.Fprintf(&b, "%d %s", rec.LSN, rec.Kind)
		if rec.Kind != aof.KindCommand {
			fmt.Fprintf(&b, " tx%d", rec.Tx)
		}
		if rec.Kind == aof.KindTxEnd {
			fmt.Fprintf(&b, "/%d", rec.Participants)
		}
		for _, a := range rec.Args {
			b.WriteString(" " + string(a))
		}
		out = append(out, b.String())
	}
}
