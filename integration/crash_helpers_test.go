package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

// crashCycles is how many kill -9 cycles a crash drill runs: def, or
// KEEL_CRASH_CYCLES when set (for long drills: KEEL_CRASH_CYCLES=500 go test
// ./integration -run Crash -timeout 0).
func crashCycles(t *testing.T, def int) int {
	t.Helper()
	s := os.Getenv("KEEL_CRASH_CYCLES")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "KEEL_CRASH_CYCLES")
	require.Positive(t, n, "KEEL_CRASH_CYCLES")
	return n
}

// startKeelExpectFailure runs keel-server on dir and expects it to exit
// without serving; it returns the exit code and what the server printed.
func startKeelExpectFailure(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	port := freePort(t)
	argv := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, keelBin, argv...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "keel-server kept running instead of refusing to start:\n%s", out)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	require.NoError(t, err)
	return 0, string(out)
}

// copyDataDir copies a stopped server's data directory (MANIFEST and aof/).
func copyDataDir(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}))
}

// lastFrame finds shard's newest segment in a stopped server's data
// directory and the offset of the last frame in it.
func lastFrame(t *testing.T, dir string, shard int) (path string, size, offset int64) {
	t.Helper()
	m, err := durability.LoadManifest(durability.OSFS{}, dir)
	require.NoError(t, err)
	sl := m.Shard(shard)
	require.NotNil(t, sl)
	// The newest segments may be empty (opened by the last start-up).
	segs := sl.Segments
	for len(segs) > 0 {
		st, err := os.Stat(filepath.Join(dir, segs[len(segs)-1].Name))
		require.NoError(t, err)
		if st.Size() > 0 {
			break
		}
		segs = segs[:len(segs)-1]
	}
	require.NotEmpty(t, segs, "shard %d logged nothing", shard)
	rd, err := aof.NewReader(durability.OSFS{}, dir, shard, segs, durability.NoLSN)
	require.NoError(t, err)
	defer rd.Close()
	offset = -1
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if rec.Segment == filepath.Join(dir, segs[len(segs)-1].Name) {
			offset = rec.FrameOffset
		}
	}
	path = filepath.Join(dir, segs[len(segs)-1].Name)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.GreaterOrEqual(t, offset, int64(0))
	return path, st.Size(), offset
}

// keyState is one key as seen over the protocol.
type keyState struct {
	Type  string
	Value string // GET, or the elements of a collection joined by '\x00'
	PTTL  int64  // -1 without TTL; -3 when PTTL is not available
}

// capabilities says which commands the server under test has, so that the
// drills use what exists as the command set grows.
type capabilities map[string]bool

func probeCommands(t *testing.T, rc *rawConn, names ...string) capabilities {
	t.Helper()
	caps := capabilities{}
	for _, n := range names {
		r := rc.MustDo(t, "COMMAND", "INFO", n)
		caps[n] = r != "*1\r\n*-1\r\n" && strings.HasPrefix(r, "*1\r\n*")
	}
	return caps
}

// dumpKeys reads the given keys of databases 0..dbs-1 as "db/key" ->
// state, leaving out those that do not exist.
func dumpKeys(t *testing.T, rc *rawConn, caps capabilities, dbs int, keys []string) map[string]keyState {
	t.Helper()
	out := map[string]keyState{}
	for db := range dbs {
		require.Equal(t, "+OK\r\n", rc.MustDo(t, "SELECT", strconv.Itoa(db)))
		for _, k := range keys {
			st := keyState{PTTL: -3}
			r := rc.MustDo(t, "GET", k)
			switch {
			case r == "$-1\r\n":
				continue
			case strings.HasPrefix(r, "$"):
				st.Type = "string"
				st.Value = parseBulk(t, r)
			case strings.HasPrefix(r, "-WRONGTYPE"):
				st.Type, st.Value = readCollection(t, rc, caps, k)
			default:
				t.Fatalf("key %q: cannot read GET reply %q", k, r)
			}
			if caps["pttl"] {
				p := rc.MustDo(t, "PTTL", k)
				n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(p, ":")), 10, 64)
				require.NoError(t, err, "PTTL %q", p)
				st.PTTL = n
			}
			out[fmt.Sprintf("%d/%s", db, k)] = st
		}
	}
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "SELECT", "0"))
	return out
}

// readCollection reads a key that is not a string with the first command
// of its type that answers.
func readCollection(t *testing.T, rc *rawConn, caps capabilities, k string) (typ, value string) {
	t.Helper()
	for _, c := range []struct {
		typ    string
		cmd    []string
		sorted bool
	}{
		{"list", []string{"LRANGE", k, "0", "-1"}, false},
		{"hash", []string{"HGETALL", k}, true},
		{"set", []string{"SMEMBERS", k}, true},
	} {
		if !caps[strings.ToLower(c.cmd[0])] {
			continue
		}
		r := rc.MustDo(t, c.cmd...)
		if strings.HasPrefix(r, "-WRONGTYPE") {
			continue
		}
		items := parseArray(t, r)
		if c.typ == "hash" {
			pairs := make([]string, 0, len(items)/2)
			for i := 0; i+1 < len(items); i += 2 {
				pairs = append(pairs, items[i]+"="+items[i+1])
			}
			items = pairs
		}
		if c.sorted {
			slices.Sort(items)
		}
		return c.typ, strings.Join(items, "\x00")
	}
	t.Fatalf("key %q: no command reads its type", k)
	return "", ""
}

func parseBulk(t *testing.T, r string) string {
	t.Helper()
	n, rest, ok := strings.Cut(r[1:], "\r\n")
	require.True(t, ok, r)
	l, err := strconv.Atoi(n)
	require.NoError(t, err, r)
	require.GreaterOrEqual(t, len(rest), l, r)
	return rest[:l]
}

// parseArray parses a flat array of bulk strings.
func parseArray(t *testing.T, r string) []string {
	t.Helper()
	require.True(t, strings.HasPrefix(r, "*"), r)
	n, rest, ok := strings.Cut(r[1:], "\r\n")
	require.True(t, ok, r)
	cnt, err := strconv.Atoi(n)
	require.NoError(t, err, r)
	out := make([]string, 0, max(cnt, 0))
	for range cnt {
		require.True(t, strings.HasPrefix(rest, "$"), r)
		ln, after, ok := strings.Cut(rest[1:], "\r\n")
		require.True(t, ok, r)
		l, err := strconv.Atoi(ln)
		require.NoError(t, err, r)
		out = append(out, after[:l])
		rest = after[l+2:]
	}
	return out
}
