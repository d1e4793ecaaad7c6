package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file checks the codec against a real redis-server 7.0: files and
// DUMP payloads must move both ways.

func findBinary(t *testing.T, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := "/usr/bin/" + name
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not installed (looked in PATH and /usr/bin); skipping the real-Redis test", name)
	}
	return p
}

type respError string

func (e respError) Error() string { return string(e) }

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

func (c *redisConn) do(args ...any) (any, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		var s []byte
		switch v := a.(type) {
		case string:
			s = []byte(v)
		case []byte:
			s = v
		case int:
			s = strconv.AppendInt(nil, int64(v), 10)
		case int64:
			s = strconv.AppendInt(nil, v, 10)
		case uint64:
			s = strconv.AppendUint(nil, v, 10)
		default:
			panic(fmt.Sprintf("test bug: argument of type %T", a))
		}
		fmt.Fprintf(&b, "$%d\r\n", len(s))
		b.Write(s)
		b.WriteString("\r\n")
	}
	if err := c.c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := c.c.Write(b.Bytes()); err != nil {
		return nil, err
	}
	v, err := c.read()
	if err != nil {
		return nil, err
	}
	if e, ok := v.(respError); ok {
		return nil, e
	}
	return v, nil
}

func (c *redisConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return respError(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		p := make([]byte, n+2)
		if _, err := readFull(c.r, p); err != nil {
			return nil, err
		}
		return p[:n], nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

func readFull(r *bufio.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *redisConn) must(t *testing.T, args ...any) any {
	t.Helper()
	v, err := c.do(args...)
	require.NoError(t, err, "%v", args)
	return v
}

type redisServer struct {
	dir  string
	conn *redisConn
}

// startRedis runs redis-server on a free loopback port with dir as its
// working directory, loading dir/dump.rdb if present.
func startRedis(t *testing.T, bin, dir string, args ...string) *redisServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	logFile := filepath.Join(dir, "redis.log")
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--logfile", logFile,
		"--daemonize", "no")
	cmd.Args = append(cmd.Args, args...)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile)
			t.Fatalf("redis-server exited (%v):\n%s", err, log)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn := &redisConn{c: c, r: bufio.NewReader(c)}
			if _, err := conn.do("PING"); err == nil {
				t.Cleanup(func() { _ = c.Close() })
				return &redisServer{dir: dir, conn: conn}
			}
			_ = c.Close()
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("redis-server on port %d did not answer:\n%s", port, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func formatScore(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// fill writes rec into the server through commands.
func fill(t *testing.T, c *redisConn, rec *Record) {
	t.Helper()
	c.must(t, "SELECT", rec.DB)
	k := rec.Key
	v := rec.Value
	switch v.Kind {
	case KindString:
		c.must(t, "SET", k, v.Str)
	case KindList:
		for batch := range slices.Chunk(v.List, 500) {
			c.must(t, append([]any{"RPUSH", k}, toAny(batch)...)...)
		}
	case KindSet:
		c.must(t, append([]any{"SADD", k}, toAny(v.Set)...)...)
	case KindZSet:
		args := []any{"ZADD", k}
		for _, m := range v.ZSet {
			args = append(args, formatScore(m.Score), m.Member)
		}
		c.must(t, args...)
	case KindHash:
		args := []any{"HSET", k}
		for _, f := range v.Hash {
			args = append(args, f.Field, f.Value)
		}
		c.must(t, args...)
	case KindStream:
		fillStream(t, c, k, v.Stream)
	}
	if rec.ExpireAt > 0 {
		c.must(t, "PEXPIREAT", k, rec.ExpireAt)
	}
}

func toAny(items [][]byte) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

// fillStream rebuilds s: entries by XADD (with throwaway entries deleted
// again where s records deletions), groups at their IDs and counters, and
// pending entries claimed with their exact delivery times and counts.
func fillStream(t *testing.T, c *redisConn, k []byte, s *Stream) {
	live := map[StreamID]bool{}
	for _, e := range s.Entries {
		live[e.ID] = true
	}
	// Deleted IDs are the ones in the test's deletion plan; Entries plus
	// deletions must add up to EntriesAdded.
	deleted := streamDeletions[string(k)]
	all := slices.Clone(s.Entries)
	for _, id := range deleted {
		all = append(all, StreamEntry{ID: id, Fields: bs("gone", "1")})
	}
	slices.SortFunc(all, func(a, b StreamEntry) int { return cmpID(a.ID, b.ID) })
	for _, e := range all {
		c.must(t, append([]any{"XADD", k, e.ID.String()}, toAny(e.Fields)...)...)
	}
	for _, id := range deleted {
		c.must(t, "XDEL", k, id.String())
	}
	if len(all) == 0 {
		// An empty stream needs an entry to exist at all.
		c.must(t, "XADD", k, s.LastID.String(), "x", "y")
		c.must(t, "XDEL", k, s.LastID.String())
	}
	for _, g := range s.Groups {
		args := []any{"XGROUP", "CREATE", k, g.Name, g.LastID.String()}
		if g.EntriesRead >= 0 {
			args = append(args, "ENTRIESREAD", g.EntriesRead)
		}
		c.must(t, args...)
		for _, cons := range g.Consumers {
			c.must(t, "XGROUP", "CREATECONSUMER", k, g.Name, cons.Name)
			for _, id := range cons.PEL {
				i := slices.IndexFunc(g.PEL, func(p PendingEntry) bool { return p.ID == id })
				p := g.PEL[i]
				c.must(t, "XCLAIM", k, g.Name, cons.Name, 0, id.String(), "TIME", p.DeliveryTime,
					"RETRYCOUNT", p.DeliveryCount, "FORCE", "JUSTID")
			}
		}
	}
}

// streamDeletions lists, per stream key of the Redis test, entries added and
// then deleted so that Redis writes tombstones and a max deleted ID.
var streamDeletions = map[string][]StreamID{}

// fetch reads a key back over the protocol into the value model.
func fetch(t *testing.T, c *redisConn, db int, key []byte) (Value, int64) {
	t.Helper()
	c.must(t, "SELECT", db)
	typ := c.must(t, "TYPE", key).(string)
	var v Value
	switch typ {
	case "string":
		v = Value{Kind: KindString, Str: c.must(t, "GET", key).([]byte)}
	case "list":
		v = Value{Kind: KindList, List: toBytes(c.must(t, "LRANGE", key, 0, -1))}
	case "set":
		v = Value{Kind: KindSet, Set: toBytes(c.must(t, "SMEMBERS", key))}
	case "zset":
		flat := toBytes(c.must(t, "ZRANGE", key, 0, -1, "WITHSCORES"))
		v = Value{Kind: KindZSet}
		for i := 0; i < len(flat); i += 2 {
			f, err := strconv.ParseFloat(string(flat[i+1]), 64)
			require.NoError(t, err)
			v.ZSet = append(v.ZSet, ZMember{Member: flat[i], Score: f})
		}
	case "hash":
		flat := toBytes(c.must(t, "HGETALL", key))
		v = Value{Kind: KindHash}
		for i := 0; i < len(flat); i += 2 {
			v.Hash = append(v.Hash, HashField{Field: flat[i], Value: flat[i+1]})
		}
	case "stream":
		v = Value{Kind: KindStream, Stream: fetchStream(t, c, key)}
	default:
		t.Fatalf("key %q has type %q", key, typ)
	}
	exp := c.must(t, "PEXPIRETIME", key).(int64)
	if exp < 0 {
		exp = 0
	}
	return v, exp
}

func toBytes(v any) [][]byte {
	arr := v.([]any)
	out := make([][]byte, len(arr))
	for i, x := range arr {
		out[i] = x.([]byte)
	}
	return out
}

func pairs(v any) map[string]any {
	arr := v.([]any)
	m := map[string]any{}
	for i := 0; i < len(arr); i += 2 {
		m[string(arr[i].([]byte))] = arr[i+1]
	}
	return m
}

func parseID(t *testing.T, v any) StreamID {
	s := string(v.([]byte))
	ms, seq, ok := strings.Cut(s, "-")
	require.True(t, ok, s)
	a, err := strconv.ParseUint(ms, 10, 64)
	require.NoError(t, err)
	b, err := strconv.ParseUint(seq, 10, 64)
	require.NoError(t, err)
	return StreamID{Ms: a, Seq: b}
}

func fetchStream(t *testing.T, c *redisConn, key []byte) *Stream {
	info := pairs(c.must(t, "XINFO", "STREAM", key, "FULL", "COUNT", 0))
	s := &Stream{
		LastID:       parseID(t, info["last-generated-id"]),
		MaxDeletedID: parseID(t, info["max-deleted-entry-id"]),
		FirstID:      parseID(t, info["recorded-first-entry-id"]),
		EntriesAdded: uint64(info["entries-added"].(int64)),
		Length:       uint64(info["length"].(int64)),
	}
	for _, e := range info["entries"].([]any) {
		pair := e.([]any)
		s.Entries = append(s.Entries, StreamEntry{ID: parseID(t, pair[0]), Fields: toBytes(pair[1])})
	}
	for _, gv := range info["groups"].([]any) {
		g := pairs(gv)
		grp := StreamGroup{Name: g["name"].([]byte), LastID: parseID(t, g["last-delivered-id"]), EntriesRead: -1}
		if n, ok := g["entries-read"].(int64); ok {
			grp.EntriesRead = n
		}
		for _, pv := range g["pending"].([]any) {
			p := pv.([]any)
			grp.PEL = append(grp.PEL, PendingEntry{ID: parseID(t, p[0]), DeliveryTime: p[2].(int64), DeliveryCount: uint64(p[3].(int64))})
		}
		for _, cv := range g["consumers"].([]any) {
			cm := pairs(cv)
			cons := StreamConsumer{Name: cm["name"].([]byte), SeenTime: cm["seen-time"].(int64)}
			cons.ActiveTime = cons.SeenTime
			for _, pv := range cm["pending"].([]any) {
				cons.PEL = append(cons.PEL, parseID(t, pv.([]any)[0]))
			}
			grp.Consumers = append(grp.Consumers, cons)
		}
		s.Groups = append(s.Groups, grp)
	}
	return s
}

// redisTestRecords is testRecords plus a stream with deletions, which only
// Redis itself can produce as tombstones.
func redisTestRecords() []*Record {
	recs := testRecords()
	for _, r := range recs {
		for i, m := range r.Value.ZSet {
			// Redis stores -0 as 0 (d2string takes the integer path).
			if m.Score == 0 && math.Signbit(m.Score) {
				r.Value.ZSet[i].Score = 0.5
			}
		}
	}
	del := &Stream{EntriesAdded: 10, LastID: StreamID{Ms: 1, Seq: 10}, MaxDeletedID: StreamID{Ms: 1, Seq: 10}}
	for i := 2; i <= 9; i++ {
		if i == 5 {
			continue
		}
		del.Entries = append(del.Entries, StreamEntry{ID: StreamID{Ms: 1, Seq: uint64(i)}, Fields: bs("k", strconv.Itoa(i))})
	}
	del.FirstID = del.Entries[0].ID
	del.Length = uint64(len(del.Entries))
	streamDeletions["stream:deleted"] = []StreamID{{Ms: 1, Seq: 1}, {Ms: 1, Seq: 5}, {Ms: 1, Seq: 10}}
	streamDeletions["stream:empty"] = []StreamID{{Ms: 4, Seq: 1}, {Ms: 5, Seq: 0}, {Ms: 5, Seq: 1}}
	return append(recs, &Record{Key: []byte("stream:deleted"), Value: Value{Kind: KindStream, Stream: del}, Idle: -1, Freq: -1})
}

func TestRealRedis(t *testing.T) {
	server := findBinary(t, "redis-server")
	checker := findBinary(t, "redis-check-rdb")
	start := time.Now().UnixMilli()
	// An LRU policy makes Redis write IDLE opcodes.
	src := startRedis(t, server, t.TempDir(), "--maxmemory-policy", "allkeys-lru")
	recs := redisTestRecords()
	for _, r := range recs {
		fill(t, src.conn, r)
	}
	end := time.Now().UnixMilli()

	// Consumer seen times are the server's clock at XCLAIM/CREATECONSUMER:
	// adopt what Redis reports after checking it is from this test.
	for _, r := range recs {
		if r.Value.Kind != KindStream {
			continue
		}
		got, _ := fetch(t, src.conn, r.DB, r.Key)
		for gi := range r.Value.Stream.Groups {
			g := &r.Value.Stream.Groups[gi]
			for ci := range g.Consumers {
				cons := &g.Consumers[ci]
				gg := got.Stream.Groups[slices.IndexFunc(got.Stream.Groups, func(x StreamGroup) bool { return bytes.Equal(x.Name, g.Name) })]
				seen := gg.Consumers[slices.IndexFunc(gg.Consumers, func(x StreamConsumer) bool { return bytes.Equal(x.Name, cons.Name) })].SeenTime
				require.True(t, seen >= start && seen <= end+1000, "seen time %d outside [%d,%d]", seen, start, end)
				cons.SeenTime, cons.ActiveTime = seen, seen
			}
		}
	}
	byKey := map[string]*Record{}
	for _, r := range recs {
		byKey[string(r.Key)] = r
		got, exp := fetch(t, src.conn, r.DB, r.Key)
		requireSameValue(t, r.Value, got, "redis holds %s as filled", r.Key)
		require.Equal(t, r.ExpireAt, exp)
	}

	t.Run("decode redis dump.rdb", func(t *testing.T) {
		src.conn.must(t, "SAVE")
		f, err := os.Open(filepath.Join(src.dir, "dump.rdb"))
		require.NoError(t, err)
		defer f.Close()
		dec := NewDecoder(f)
		var warnings []Warning
		dec.OnWarning = func(w Warning) { warnings = append(warnings, w) }
		seen := 0
		for {
			rec, err := dec.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			want := byKey[string(rec.Key)]
			require.NotNil(t, want, "unexpected key %q", rec.Key)
			seen++
			assert.Equal(t, want.DB, rec.DB, "key %s", rec.Key)
			assert.Equal(t, want.ExpireAt, rec.ExpireAt, "key %s", rec.Key)
			assert.GreaterOrEqual(t, rec.Idle, int64(0), "redis writes LRU idle times")
			requireSameValue(t, want.Value, rec.Value, "key %s", rec.Key)
			// Our encoder must pick what Redis 7.0 itself wrote.
			assert.Equal(t, rec.Type, objectType(&want.Value, 10), "encoding of %s", rec.Key)
		}
		require.Equal(t, len(recs), seen)
		require.Empty(t, warnings)
		require.Equal(t, 10, dec.Version())
		require.Equal(t, "7.0.15", dec.Aux()["redis-ver"][:6])
	})

	t.Run("load our file into redis", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "dump.rdb")
		require.NoError(t, os.WriteFile(path, encodeRecords(t, 10, recs), 0o644))
		out, err := exec.Command(checker, path).CombinedOutput()
		require.NoError(t, err, "redis-check-rdb:\n%s", out)
		require.Contains(t, string(out), "RDB looks OK")

		dst := startRedis(t, server, dir)
		counts := map[int]int64{}
		for _, r := range recs {
			counts[r.DB]++
			got, exp := fetch(t, dst.conn, r.DB, r.Key)
			requireSameValue(t, r.Value, got, "key %s", r.Key)
			require.Equal(t, r.ExpireAt, exp, "key %s", r.Key)
			// Same in-memory encoding as the server we filled by commands.
			src.conn.must(t, "SELECT", r.DB)
			want := src.conn.must(t, "OBJECT", "ENCODING", r.Key)
			dst.conn.must(t, "SELECT", r.DB)
			require.Equal(t, want, dst.conn.must(t, "OBJECT", "ENCODING", r.Key), "key %s", r.Key)
		}
		for db, n := range counts {
			dst.conn.must(t, "SELECT", db)
			require.Equal(t, n, dst.conn.must(t, "DBSIZE"), "db %d", db)
		}
	})

	t.Run("DUMP and RESTORE", func(t *testing.T) {
		c := src.conn
		for _, r := range recs {
			c.must(t, "SELECT", r.DB)
			payload := c.must(t, "DUMP", r.Key).([]byte)
			v, err := DecodeDump(payload)
			require.NoError(t, err, "key %s", r.Key)
			requireSameValue(t, r.Value, v, "DUMP of %s", r.Key)

			ours, err := EncodeDump(r.Value, DumpVersion)
			require.NoError(t, err)
			restored := append([]byte("restored:"), r.Key...)
			c.must(t, "RESTORE", restored, 0, ours)
			got, _ := fetch(t, c, r.DB, restored)
			requireSameValue(t, r.Value, got, "RESTORE of %s", r.Key)
		}
		// Redis 7.0 refuses newer payloads and bad checksums with the text
		// DecodeDump's callers reply with.
		v11, err := EncodeDump(recs[1].Value, 11)
		require.NoError(t, err)
		_, err = c.do("RESTORE", "v11", 0, v11)
		require.EqualError(t, err, ErrDumpPayload.Error())
		bad, err := EncodeDump(recs[1].Value, 10)
		require.NoError(t, err)
		bad[len(bad)-1] ^= 1
		_, err = c.do("RESTORE", "badcrc", 0, bad)
		require.EqualError(t, err, ErrDumpPayload.Error())
		_, err = DecodeDump(bad)
		require.Equal(t, ErrDumpPayload, err)
	})
}
