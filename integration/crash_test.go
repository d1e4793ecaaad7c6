package integration

// Crash drills: the real binary under concurrent writers, killed with
// SIGKILL at random moments and restarted on the same data directory.
// Checkpoints (BGSAVE) run throughout. Every acknowledged write must
// survive (appendfsync always) or all but
// about the last second's (everysec), and no cross-shard MSET may be half
// applied. KEEL_CRASH_CYCLES raises the number of cycles.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type opKind int

const (
	opSet    opKind = iota // SET k <seq>
	opIncr                 // INCRBY k <1..5>
	opPair                 // MSET {a}k <seq> {b}k <seq>: two shards
	opTTL                  // SET k <seq> PX 600000
	opAppend               // APPEND k "<seq>,"
	opToggle               // DEL k when present, SET k <seq> when not
	numOps
)

const ttlMs = 600000

type val struct {
	present bool
	s       string
}

func (v val) String() string {
	if !v.present {
		return "(absent)"
	}
	return strconv.Quote(v.s)
}

// keyHist is what one key (or an MSET pair) went through in a cycle:
// vals[0] is the value verified at the cycle's start, then one value per
// write sent; acked[i] is when the write producing vals[i] was
// acknowledged (zero: not acknowledged).
type keyHist struct {
	kind  opKind
	key   string
	pair  string // the second key of an opPair
	vals  []val
	acked []time.Time
}

func (h *keyHist) last() val { return h.vals[len(h.vals)-1] }

func (h *keyHist) reset(v val) {
	h.vals = []val{v}
	// Verified values are in the log already: always required.
	h.acked = []time.Time{time.Unix(0, 0)}
}

// crashModel tracks every key the writers own. Each key belongs to one
// writer, so its history is the order of that writer's writes.
type crashModel struct {
	seq  atomic.Int64
	keys []*keyHist
}

type crashWriter struct {
	keys  []*keyHist
	rng   *rand.Rand
	acked int
}

func newCrashModel(writers int) (*crashModel, []*crashWriter) {
	m := &crashModel{}
	var ws []*crashWriter
	for w := range writers {
		cw := &crashWriter{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))}
		for k := range numOps {
			tag := "{a}"
			if (w+int(k))%2 == 1 {
				tag = "{b}"
			}
			h := &keyHist{kind: k, key: fmt.Sprintf("%sw%d:%d", tag, w, k)}
			if k == opPair {
				h.key, h.pair = fmt.Sprintf("{a}w%d:pair", w), fmt.Sprintf("{b}w%d:pair", w)
			}
			h.reset(val{})
			m.keys = append(m.keys, h)
			cw.keys = append(cw.keys, h)
		}
		ws = append(ws, cw)
	}
	return m, ws
}

// step sends one write and records it; false when the connection failed
// (the server was killed).
func (cw *crashWriter) step(t *testing.T, m *crashModel, rc *rawConn) bool {
	h := cw.keys[cw.rng.IntN(len(cw.keys))]
	seq := strconv.FormatInt(m.seq.Add(1), 10)
	prev := h.last()
	var cmd []string
	var next val
	var want string // exact reply, "" for INCRBY's number
	switch h.kind {
	case opSet:
		cmd, next, want = []string{"SET", h.key, seq}, val{true, seq}, "+OK\r\n"
	case opIncr:
		d := 1 + cw.rng.IntN(5)
		n, _ := strconv.Atoi(prev.s)
		cmd, next = []string{"INCRBY", h.key, strconv.Itoa(d)}, val{true, strconv.Itoa(n + d)}
		want = ":" + next.s + "\r\n"
	case opPair:
		cmd, next, want = []string{"MSET", h.key, seq, h.pair, seq}, val{true, seq}, "+OK\r\n"
	case opTTL:
		cmd, next, want = []string{"SET", h.key, seq, "PX", strconv.Itoa(ttlMs)}, val{true, seq}, "+OK\r\n"
	case opAppend:
		s := prev.s + seq + ","
		cmd, next, want = []string{"APPEND", h.key, seq + ","}, val{true, s}, ":"+strconv.Itoa(len(s))+"\r\n"
	case opToggle:
		if prev.present {
			cmd, next, want = []string{"DEL", h.key}, val{}, ":1\r\n"
		} else {
			cmd, next, want = []string{"SET", h.key, seq}, val{true, seq}, "+OK\r\n"
		}
	}
	h.vals = append(h.vals, next)
	h.acked = append(h.acked, time.Time{})
	got, err := rc.Do(cmd...)
	if err != nil {
		return false
	}
	if got != want {
		t.Errorf("%q: reply %q, want %q", cmd, got, want)
		return false
	}
	h.acked[len(h.acked)-1] = time.Now()
	cw.acked++
	return true
}

// verify checks every key after a restart. lossWindow is how far before
// the kill an acknowledged write may be lost (0: none may).
func (m *crashModel) verify(t *testing.T, rc *rawConn, killedAt time.Time, lossWindow time.Duration, checkTTL bool) {
	t.Helper()
	read := func(k string) val {
		r := rc.MustDo(t, "GET", k)
		if r == "$-1\r\n" {
			return val{}
		}
		require.True(t, strings.HasPrefix(r, "$"), "GET %s: %q", k, r)
		return val{true, parseBulk(t, r)}
	}
	for _, h := range m.keys {
		got := read(h.key)
		if h.pair != "" {
			other := read(h.pair)
			require.Equal(t, got, other, "MSET %s/%s half applied", h.key, h.pair)
		}
		required := 0
		for i, at := range h.acked {
			if !at.IsZero() && !at.After(killedAt.Add(-lossWindow)) {
				required = i
			}
		}
		match := -1
		for j := len(h.vals) - 1; j >= required; j-- {
			if h.vals[j] == got {
				match = j
				break
			}
		}
		if match < 0 {
			var hist []string
			for i, v := range h.vals {
				ack := "unacknowledged"
				if !h.acked[i].IsZero() {
					ack = "acked " + killedAt.Sub(h.acked[i]).String() + " before the kill"
				}
				hist = append(hist, fmt.Sprintf("  #%d %s %s", i, v, ack))
			}
			t.Fatalf("key %s holds %s after the restart; writes sent (the value must be #%d or later):\n%s",
				h.key, got, required, strings.Join(hist, "\n"))
		}
		if checkTTL && h.kind == opTTL && got.present {
			p := rc.MustDo(t, "PTTL", h.key)
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(p, ":")))
			require.NoError(t, err, p)
			require.True(t, n > 0 && n <= ttlMs, "PTTL %s = %d after the restart", h.key, n)
		}
		h.reset(got)
	}
}

// crashDrill runs cycles of: start, concurrent writers, kill -9 at a random
// moment, restart, verify.
func crashDrill(t *testing.T, fsync string, cycles int, run func(rng *rand.Rand) time.Duration, lossWindow time.Duration) {
	const writers = 6
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d cycles", seed, cycles)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	args := []string{"--shards", "2", "--appendfsync", fsync}
	m, ws := newCrashModel(writers)
	p := startKeelDir(t, dir, args...)
	caps := probeCommands(t, p.Raw(t), "pttl")
	var pipelined int64 // INCRs acknowledged on the pipelined counter
	var pipeSent int64
	total := 0
	for cycle := range cycles {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for _, cw := range ws {
			rc, err := dialRaw(p.Addr())
			require.NoError(t, err)
			wg.Go(func() {
				defer rc.Close()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if !cw.step(t, m, rc) {
						return
					}
				}
			})
		}
		// A pipelining client: several INCRs in flight share group commits.
		prc, err := dialRaw(p.Addr())
		require.NoError(t, err)
		wg.Go(func() {
			defer prc.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var batch []byte
				for range 16 {
					batch = append(batch, "*2\r\n$4\r\nINCR\r\n$7\r\n{b}pipe\r\n"...)
				}
				if prc.Send(batch) != nil {
					return
				}
				pipeSent += 16
				for range 16 {
					r, err := prc.Read()
					if err != nil {
						return
					}
					if r != fmt.Sprintf(":%d\r\n", pipelined+1) {
						t.Errorf("pipelined INCR: %q after %d acknowledged", r, pipelined)
						return
					}
					pipelined++
				}
			}
		})
		// Checkpoints are taken throughout, so kills land mid-checkpoint too.
		src, err := dialRaw(p.Addr())
		require.NoError(t, err)
		wg.Go(func() {
			defer src.Close()
			for {
				select {
				case <-stop:
					return
				case <-time.After(30 * time.Millisecond):
				}
				if _, err := src.Do("BGSAVE"); err != nil {
					return
				}
			}
		})
		time.Sleep(run(rng))
		killedAt := time.Now()
		p.Kill()
		close(stop)
		wg.Wait()
		require.False(t, t.Failed())
		p.quiet = true

		p = startKeelDir(t, dir, args...)
		require.NotContains(t, p.Log(), "panic")
		rc := p.Raw(t)
		m.verify(t, rc, killedAt, lossWindow, caps["pttl"])
		r := rc.MustDo(t, "GET", "{b}pipe")
		n := int64(0)
		if r != "$-1\r\n" {
			n, err = strconv.ParseInt(parseBulk(t, r), 10, 64)
			require.NoError(t, err)
		}
		if lossWindow == 0 {
			require.GreaterOrEqual(t, n, pipelined, "cycle %d: acknowledged pipelined INCRs lost", cycle)
		}
		require.LessOrEqual(t, n, pipeSent, "cycle %d: more INCRs than sent", cycle)
		pipelined, pipeSent = n, n
	}
	for _, cw := range ws {
		total += cw.acked
	}
	t.Logf("%d writes acknowledged over %d crashes, %d pipelined INCRs survive", total, cycles, pipelined)
	require.Positive(t, total)
	require.Equal(t, 0, p.Stop())
}

func TestCrashDrillAlways(t *testing.T) {
	crashDrill(t, "always", crashCycles(t, 20), func(rng *rand.Rand) time.Duration {
		return time.Duration(20+rng.IntN(300)) * time.Millisecond
	}, 0)
}

// everysec may lose what was acknowledged in about the last second (two at
// most while an fsync stalls); the logs must still load consistently.
func TestCrashDrillEverysec(t *testing.T) {
	cycles := 5
	if os.Getenv("KEEL_CRASH_CYCLES") != "" {
		cycles = crashCycles(t, cycles)
	}
	crashDrill(t, "everysec", cycles, func(rng *rand.Rand) time.Duration {
		return time.Duration(200+rng.IntN(2500)) * time.Millisecond
	}, 3*time.Second)
}

// Cutting the newest segment at every byte offset of its last frame: the
// server starts (cutting the torn bytes off) and holds exactly what the
// frames before it hold. With aof-load-truncated no it refuses to start; a
// flipped bit in an earlier frame stops start-up with the file and offset.
func TestTornTailEveryOffset(t *testing.T) {
	src := t.TempDir()
	args := []string{"--shards", "1", "--appendfsync", "always"}
	p := startKeelDir(t, src, args...)
	rc := p.Raw(t)
	for i := range 20 {
		require.Equal(t, "+OK\r\n", rc.MustDo(t, "SET", fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)))
	}
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "SET", "last", "1"))
	// SHUTDOWN would checkpoint and empty the log: keep it.
	p.Kill()
	p.quiet = true
	path, size, off := lastFrame(t, src, 0)
	rel, err := filepath.Rel(src, path)
	require.NoError(t, err)
	t.Logf("last frame of %s: offset %d, %d bytes", rel, off, size-off)

	for cut := off; cut < size; cut++ {
		dst := t.TempDir()
		copyDataDir(t, src, dst)
		require.NoError(t, os.Truncate(filepath.Join(dst, rel), cut))
		q := startKeelDir(t, dst, args...)
		rq := q.Raw(t)
		require.Equal(t, "$-1\r\n", rq.MustDo(t, "GET", "last"), "cut at %d", cut)
		require.Equal(t, "$3\r\nv19\r\n", rq.MustDo(t, "GET", "k19"), "cut at %d", cut)
		if cut > off {
			require.Contains(t, q.Log(), "torn write", "cut at %d", cut)
			require.Contains(t, q.Log(), fmt.Sprintf("bytes_dropped=%d", cut-off))
		}
		q.Kill()
		q.quiet = true
		st, err := os.Stat(filepath.Join(dst, rel))
		require.NoError(t, err)
		require.Equal(t, off, st.Size(), "the torn bytes are cut off the file")
	}

	dst := t.TempDir()
	copyDataDir(t, src, dst)
	require.NoError(t, os.Truncate(filepath.Join(dst, rel), off+5))
	code, out := startKeelExpectFailure(t, dst, append(args, "--aof-load-truncated", "no")...)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "start with aof-load-truncated yes")
	require.Contains(t, out, filepath.Join(dst, rel))

	dst = t.TempDir()
	copyDataDir(t, src, dst)
	data, err := os.ReadFile(filepath.Join(dst, rel))
	require.NoError(t, err)
	data[50] ^= 0x04 // the first frame's payload
	require.NoError(t, os.WriteFile(filepath.Join(dst, rel), data, 0o644))
	code, out = startKeelExpectFailure(t, dst, args...)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, filepath.Join(dst, rel)+" at offset 0 (LSN 1)")
	require.Contains(t, out, "CRC mismatch")
}

// A randomized workload, then kill -9 and restart: every key reads back
// the same (type, value, TTL) as before the crash, and again after a clean
// restart that replays two generations of segments.
func TestReplayEquivalence(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	dir := t.TempDir()
	args := []string{"--shards", "3", "--appendfsync", "always"}
	p := startKeelDir(t, dir, args...)
	rc := p.Raw(t)
	caps := probeCommands(t, rc, "pttl", "lrange", "lpush", "rpush", "lpop", "rpop", "lmove", "ltrim",
		"lset", "lrem", "linsert", "expire", "pexpire", "persist", "pexpireat", "getex", "rename",
		"hset", "hdel", "hincrby", "hincrbyfloat", "hgetall", "sadd", "srem", "spop", "smove", "smembers",
		"sunionstore", "sinterstore")
	const dbs = 3
	conns := make([]*rawConn, dbs)
	for i := range conns {
		conns[i] = p.Raw(t)
		require.Equal(t, "+OK\r\n", conns[i].MustDo(t, "SELECT", strconv.Itoa(i)))
	}
	gen := newWorkload(rng, caps)
	var history []string // "db: command -> reply", to explain a mismatch
	for range 80 {
		db := rng.IntN(dbs)
		c := conns[db]
		var batch []byte
		var cmds [][]string
		const n = 50
		for range n {
			cmd := gen.next()
			cmds = append(cmds, cmd)
			batch = append(batch, respCommand(cmd)...)
		}
		require.NoError(t, c.Send(batch))
		for _, cmd := range cmds {
			r, err := c.Read()
			require.NoError(t, err)
			history = append(history, fmt.Sprintf("%d: %q -> %q", db, cmd, r))
		}
	}
	explain := func(key string) string {
		db, k, _ := strings.Cut(key, "/")
		var lines []string
		for _, h := range history {
			if strings.HasPrefix(h, db+": ") && strings.Contains(h, strconv.Quote(k)) {
				lines = append(lines, h)
			}
		}
		return "commands on it:\n" + strings.Join(lines, "\n")
	}
	// Keys that expire before the crash stay expired.
	for range 20 {
		db := rng.IntN(dbs)
		cmd := []string{"SET", gen.keys[rng.IntN(len(gen.keys))], "short", "PX", strconv.Itoa(1 + rng.IntN(50))}
		r := conns[db].MustDo(t, cmd...)
		history = append(history, fmt.Sprintf("%d: %q -> %q", db, cmd, r))
	}
	time.Sleep(100 * time.Millisecond)
	before := dumpKeys(t, rc, caps, dbs, gen.keys)
	require.NotEmpty(t, before)
	p.Kill()
	p.quiet = true

	p = startKeelDir(t, dir, args...)
	requireSameKeys(t, before, dumpKeys(t, p.Raw(t), caps, dbs, gen.keys), explain)
	require.Equal(t, 0, p.Stop())
	p = startKeelDir(t, dir, args...)
	requireSameKeys(t, before, dumpKeys(t, p.Raw(t), caps, dbs, gen.keys), explain)
	var present []string
	for name, ok := range caps {
		if ok {
			present = append(present, name)
		}
	}
	slices.Sort(present)
	t.Logf("%d keys compared; optional commands present: %v", len(before), present)
}

func requireSameKeys(t *testing.T, want, got map[string]keyState, explain func(key string) string) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		require.True(t, ok, "key %s lost in the restart (was %+v); %s", k, w, explain(k))
		require.Equal(t, w.Type, g.Type, "%s: %s", k, explain(k))
		require.Equal(t, w.Value, g.Value, "%s: %s", k, explain(k))
		if w.PTTL < 0 || g.PTTL < 0 {
			require.Equal(t, w.PTTL, g.PTTL, "TTL of %s: %s", k, explain(k))
		} else {
			require.InDelta(t, w.PTTL, g.PTTL, 10000, "TTL of %s: %s", k, explain(k))
		}
	}
	for k, g := range got {
		_, ok := want[k]
		require.True(t, ok, "key %s appeared in the restart (%+v); %s", k, g, explain(k))
	}
}

func respCommand(args []string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// workload generates random writes over a small key space spread over
// three hash tags (so over shards), using only the commands present.
type workload struct {
	rng  *rand.Rand
	gens []func() []string
	keys []string // every key it may write
}

func newWorkload(rng *rand.Rand, caps capabilities) *workload {
	w := &workload{rng: rng}
	for tag := 'a'; tag <= 'c'; tag++ {
		for i := range 8 {
			w.keys = append(w.keys, fmt.Sprintf("{%c}k%d", tag, i), fmt.Sprintf("{%c}s%d", tag, i),
				fmt.Sprintf("{%c}h%d", tag, i), fmt.Sprintf("{%c}t%d", tag, i))
		}
	}
	key := func() string {
		return fmt.Sprintf("{%c}k%d", 'a'+rng.IntN(3), rng.IntN(8))
	}
	strKey := func() string { return fmt.Sprintf("{%c}s%d", 'a'+rng.IntN(3), rng.IntN(8)) }
	hashKey := func() string { return fmt.Sprintf("{%c}h%d", 'a'+rng.IntN(3), rng.IntN(8)) }
	setKey := func() string { return fmt.Sprintf("{%c}t%d", 'a'+rng.IntN(3), rng.IntN(8)) }
	field := func() string { return fmt.Sprintf("f%d", rng.IntN(6)) }
	member := func() string { return fmt.Sprintf("m%d", rng.IntN(12)) }
	num := func() string { return strconv.Itoa(rng.IntN(200) - 100) }
	word := func() string { return fmt.Sprintf("w%d", rng.IntN(1000)) }
	longTTL := func() string { return strconv.Itoa(200 + rng.IntN(1000)) } // seconds
	add := func(f func() []string) { w.gens = append(w.gens, f) }
	add(func() []string { return []string{"SET", strKey(), word()} })
	add(func() []string { return []string{"SET", strKey(), word(), "EX", longTTL()} })
	add(func() []string { return []string{"SET", strKey(), word(), "KEEPTTL"} })
	add(func() []string { return []string{"SET", strKey(), word(), "NX"} })
	add(func() []string { return []string{"SET", strKey(), word(), "XX", "GET"} })
	add(func() []string { return []string{"SETEX", strKey(), longTTL(), word()} })
	add(func() []string { return []string{"PSETEX", strKey(), longTTL() + "000", word()} })
	add(func() []string { return []string{"SETNX", strKey(), word()} })
	add(func() []string { return []string{"GETSET", strKey(), word()} })
	add(func() []string { return []string{"GETDEL", strKey()} })
	add(func() []string { return []string{"INCRBY", strKey(), num()} })
	add(func() []string { return []string{"DECR", strKey()} })
	add(func() []string { return []string{"INCRBYFLOAT", strKey(), "1.25"} })
	add(func() []string { return []string{"APPEND", strKey(), word()} })
	add(func() []string { return []string{"SETRANGE", strKey(), strconv.Itoa(rng.IntN(12)), word()} })
	add(func() []string {
		return []string{"SETBIT", strKey(), strconv.Itoa(rng.IntN(64)), strconv.Itoa(rng.IntN(2))}
	})
	add(func() []string {
		return []string{"BITFIELD", strKey(), "INCRBY", "u8", strconv.Itoa(8 * rng.IntN(4)), num()}
	})
	add(func() []string { return []string{"BITOP", "OR", strKey(), strKey(), strKey()} })
	add(func() []string { return []string{"MSET", strKey(), word(), strKey(), word(), strKey(), word()} })
	add(func() []string { return []string{"MSETNX", strKey(), word(), strKey(), word()} })
	add(func() []string { return []string{"DEL", strKey(), key(), strKey()} })
	if caps["getex"] && caps["pexpireat"] && caps["persist"] {
		add(func() []string { return []string{"GETEX", strKey(), "EX", longTTL()} })
		add(func() []string { return []string{"GETEX", strKey(), "PERSIST"} })
	}
	if caps["expire"] {
		add(func() []string { return []string{"EXPIRE", strKey(), longTTL()} })
		add(func() []string { return []string{"EXPIRE", strKey(), "-1"} })
	}
	if caps["persist"] {
		add(func() []string { return []string{"PERSIST", strKey()} })
	}
	if caps["rename"] {
		add(func() []string { return []string{"RENAME", strKey(), strKey()} })
	}
	if caps["lpush"] && caps["rpush"] && caps["lrange"] {
		add(func() []string { return []string{"LPUSH", key(), word(), word()} })
		add(func() []string { return []string{"RPUSH", key(), word()} })
	}
	if caps["lpop"] && caps["rpop"] {
		add(func() []string { return []string{"LPOP", key()} })
		add(func() []string { return []string{"RPOP", key(), "2"} })
	}
	if caps["lmove"] {
		add(func() []string { return []string{"LMOVE", key(), key(), "LEFT", "RIGHT"} })
	}
	if caps["ltrim"] {
		add(func() []string { return []string{"LTRIM", key(), "0", strconv.Itoa(rng.IntN(5))} })
	}
	if caps["lset"] {
		add(func() []string { return []string{"LSET", key(), strconv.Itoa(rng.IntN(3)), word()} })
	}
	if caps["lrem"] {
		add(func() []string { return []string{"LREM", key(), "0", word()} })
	}
	if caps["linsert"] {
		add(func() []string { return []string{"LINSERT", key(), "BEFORE", word(), word()} })
	}
	if caps["hset"] && caps["hgetall"] {
		add(func() []string { return []string{"HSET", hashKey(), field(), word(), field(), word()} })
	}
	if caps["hdel"] {
		add(func() []string { return []string{"HDEL", hashKey(), field(), field()} })
	}
	if caps["hincrby"] {
		add(func() []string { return []string{"HINCRBY", hashKey(), field(), num()} })
	}
	if caps["hincrbyfloat"] {
		add(func() []string { return []string{"HINCRBYFLOAT", hashKey(), field(), "0.5"} })
	}
	if caps["sadd"] && caps["smembers"] {
		add(func() []string { return []string{"SADD", setKey(), member(), member(), member()} })
	}
	if caps["srem"] {
		add(func() []string { return []string{"SREM", setKey(), member()} })
	}
	if caps["spop"] {
		add(func() []string { return []string{"SPOP", setKey()} })
		add(func() []string { return []string{"SPOP", setKey(), "2"} })
	}
	if caps["smove"] {
		add(func() []string { return []string{"SMOVE", setKey(), setKey(), member()} })
	}
	if caps["sunionstore"] {
		add(func() []string { return []string{"SUNIONSTORE", setKey(), setKey(), setKey()} })
	}
	if caps["sinterstore"] {
		add(func() []string { return []string{"SINTERSTORE", setKey(), setKey(), setKey()} })
	}
	return w
}

func (w *workload) next() []string { return w.gens[w.rng.IntN(len(w.gens))]() }

// A write that found a key alive must find it alive when replayed, even if
// the key's TTL has passed by the time of the restart: expirations reach
// the log as DELs, so replay must not expire keys by its own clock (Redis
// does not expire keys while loading).
func TestReplayConditionalWriteOnExpiringKey(t *testing.T) {
	p := startKeel(t, "--shards", "1", "--appendfsync", "always")
	rc := p.Raw(t)
	require.NoError(t, rc.Send(respCommand([]string{"SET", "k", "v1", "PX", "200"})))
	require.NoError(t, rc.Send(respCommand([]string{"SET", "k", "v2", "XX"})))
	for _, want := range []string{"+OK\r\n", "+OK\r\n"} {
		r, err := rc.Read()
		require.NoError(t, err)
		require.Equal(t, want, r)
	}
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, "$2\r\nv2\r\n", rc.MustDo(t, "GET", "k"), "SET without KEEPTTL cleared the TTL")
	p.Kill()
	p.quiet = true
	p = startKeelDir(t, p.Dir, "--shards", "1", "--appendfsync", "always")
	require.Equal(t, "$2\r\nv2\r\n", p.Raw(t).MustDo(t, "GET", "k"))
}
