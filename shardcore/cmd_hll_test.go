package shardcore

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hllRedis starts a real redis-server 7.0 on a free port and returns a raw
// connection to it; the test is skipped when it is not installed.
func hllRedis(t *testing.T) *rawConn {
	t.Helper()
	const bin = "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not installed: skipping the differential test", bin)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			t.Cleanup(func() { nc.Close() })
			return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
		}
		require.True(t, time.Now().Before(deadline), "redis-server did not start: %v", err)
		time.Sleep(20 * time.Millisecond)
	}
}

// hllPair runs every command on keel and on Redis and requires the same
// raw reply (for GET: the same HLL bytes).
type hllPair struct {
	t    *testing.T
	keel *rawConn
	ref  *rawConn
}

func newHLLPair(t *testing.T, shards int) hllPair {
	ref := hllRedis(t)
	return hllPair{t: t, keel: testRaw(t, testServer(t, shards)), ref: ref}
}

func (p hllPair) do(args ...string) string {
	p.t.Helper()
	want := p.ref.do(args...)
	got := p.keel.do(args...)
	if want != got {
		p.t.Fatalf("%s: keel replied %.200q, redis %.200q", hllShort(args), got, want)
	}
	return got
}

func hllShort(args []string) string {
	s := fmt.Sprintf("%q", args)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// PFADD sequences give Redis's bytes through sparse growth, opcode splits
// and merges, promotion at hll-sparse-max-bytes and dense updates; PFCOUNT
// gives its counts and writes the same cache bytes.
func TestHLLBytesMatchRedis(t *testing.T) {
	p := newHLLPair(t, 1)
	p.do("COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest")
	p.do("PFADD", "h")
	p.do("GET", "h")
	p.do("PFCOUNT", "h")
	p.do("GET", "h")
	p.do("PFADD", "h", "a", "b", "c")
	p.do("PFADD", "h", "a")
	p.do("GET", "h")
	p.do("PFDEBUG", "DECODE", "h")
	p.do("PFCOUNT", "h")
	p.do("GET", "h")
	p.do("PFCOUNT", "h") // from the cache
	p.do("OBJECT", "ENCODING", "h")

	rng := rand.New(rand.NewPCG(1, 2))
	n, checked := 0, 0
	for n < 4000 {
		batch := []string{"PFADD", "h"}
		for range 1 + rng.IntN(40) {
			batch = append(batch, "el"+strconv.Itoa(n))
			n++
		}
		p.do(batch...)
		p.do("GET", "h")
		if checked++; checked%5 == 0 {
			p.do("PFCOUNT", "h")
			p.do("GET", "h")
			p.do("PFDEBUG", "ENCODING", "h")
		}
	}
	require.Equal(t, "+dense\r\n", p.do("PFDEBUG", "ENCODING", "h"))

	// Promotion with a small limit, then GETREG and TODENSE.
	p.do("CONFIG", "SET", "hll-sparse-max-bytes", "60")
	for i := range 30 {
		p.do("PFADD", "s", "x"+strconv.Itoa(i))
		p.do("GET", "s")
	}
	p.do("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
	p.do("PFADD", "g", "1", "2", "3")
	p.do("PFDEBUG", "GETREG", "g")
	p.do("GET", "g")
	p.do("PFADD", "td", "1")
	p.do("PFDEBUG", "TODENSE", "td")
	p.do("PFDEBUG", "TODENSE", "td")
	p.do("GET", "td")
	p.do("PFDEBUG", "DECODE", "td")
	p.do("PFDEBUG", "nope", "td")
	p.do("PFDEBUG", "ENCODING", "missing")

	// Values moved through GET/SET count the same and keep growing alike.
	raw := p.ref.do("GET", "h")
	val := raw[strings.Index(raw, "\r\n")+2 : len(raw)-2]
	require.Equal(t, "+OK\r\n", p.keel.do("SET", "moved", val))
	require.Equal(t, "+OK\r\n", p.ref.do("SET", "moved", val))
	p.do("PFCOUNT", "moved")
	p.do("PFADD", "moved", "more", "elements")
	p.do("GET", "moved")
}

// Errors, and corrupted values (valid headers over random opcodes, random
// dense registers) read and updated exactly as Redis does.
func TestHLLCorruptMatchesRedis(t *testing.T) {
	p := newHLLPair(t, 1)
	p.do("SET", "str", "not an hll")
	p.do("PFADD", "str", "a")
	p.do("PFCOUNT", "str")
	p.do("PFCOUNT", "str", "nokey")
	p.do("PFMERGE", "d", "str")
	p.do("LPUSH", "list", "a")
	p.do("PFADD", "list", "a")
	p.do("PFCOUNT", "list")
	p.do("PFMERGE", "list")
	p.do("PFDEBUG", "GETREG", "list")
	p.do("SET", "int", "12345678901234567")
	p.do("PFADD", "int", "a")
	for _, bad := range []string{
		"HYLL", // short
		"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff", // unknown encoding
		"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00",     // dense of the wrong size
		"HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff",
	} {
		p.do("SET", "bad", bad)
		p.do("PFADD", "bad", "a")
		p.do("PFCOUNT", "bad")
		p.do("PFMERGE", "bad")
	}

	rng := rand.New(rand.NewPCG(7, 8))
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	xz := func(n int) string { return string([]byte{0x40 | byte((n-1)>>8), byte(n - 1)}) }
	z := func(n int) string { return string([]byte{byte(n - 1)}) }
	v := func(val, n int) string { return string([]byte{0x80 | byte(val-1)<<2 | byte(n-1)}) }
	// Edge cases by hand: runs one past the end, one short, and a VAL
	// merge reaching the maximum run of 4.
	p.do("SET", "src", hdr+xz(103)+v(2, 1)+xz(16280))
	for i, body := range []string{
		xz(16383) + v(3, 2), xz(16384) + z(1), xz(16383), xz(100) + v(2, 3) + z(1) + xz(16280),
		xz(16000) + v(32, 4) + v(32, 4) + xz(376), z(64) + v(1, 1) + xz(16319),
	} {
		k := "edge" + strconv.Itoa(i)
		p.do("SET", k, hdr+body)
		p.do("PFCOUNT", k)
		p.do("PFMERGE", k, "src")
		p.do("GET", k)
		p.do("PFADD", k, "a", "b", "c")
		p.do("GET", k)
		p.do("PFCOUNT", k, "src")
		p.do("PFDEBUG", "TODENSE", k)
		p.do("GET", k)
	}
	for i := range 150 {
		// Whole opcodes only: a truncated XZERO makes Redis read past its
		// buffer, which no test can pin down.
		var body []byte
		for range 1 + rng.IntN(12) {
			switch rng.IntN(3) {
			case 0:
				body = append(body, byte(rng.IntN(64)))
			case 1:
				n := rng.IntN(1 << 14)
				if rng.IntN(2) == 0 {
					n = rng.IntN(2000) + 14000
				}
				body = append(body, 0x40|byte(n>>8), byte(n))
			default:
				body = append(body, 0x80|byte(rng.IntN(128)))
			}
		}
		k := "c" + strconv.Itoa(i)
		p.do("SET", k, hdr+string(body))
		p.do("PFCOUNT", k)
		p.do("PFDEBUG", "DECODE", k)
		p.do("PFCOUNT", k, "nokey")
		p.do("PFADD", k, "a", "b", "c", "d", "e", "f", "g", "h")
		p.do("GET", k)
		p.do("PFADD", k, "x"+strconv.Itoa(i))
		p.do("GET", k)
		p.do("PFMERGE", k+"m", k)
		p.do("GET", k+"m")
		p.do("PFMERGE", k)
		p.do("GET", k)
		p.do("PFDEBUG", "TODENSE", k)
		p.do("GET", k)
	}
	// Random dense registers reach values the hash never produces (the
	// estimator's tau term included).
	for i := range 20 {
		regs := make([]byte, hllDenseSize-hllHdrSize)
		for j := range regs {
			regs[j] = byte(rng.Uint32())
		}
		if i%2 == 0 {
			for j := range regs { // mostly zero: the linear-counting range
				if rng.IntN(10) != 0 {
					regs[j] = 0
				}
			}
		}
		k := "dense" + strconv.Itoa(i)
		p.do("SET", k, "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"+string(regs))
		p.do("PFCOUNT", k)
		p.do("PFCOUNT", k, "c1")
		p.do("PFADD", k, "a", "b")
		p.do("PFMERGE", "dm", k, "c2")
		p.do("GET", "dm")
	}
}

// PFCOUNT and PFMERGE across two shards: the sources are copied to the
// coordinator, the result is Redis's, the destination keeps its TTL.
func TestHLLCrossShardMatchesRedis(t *testing.T) {
	ref := hllRedis(t)
	srv := testServer(t, 2)
	require.NotEqual(t, srv.shardOf([]byte("{a}")), srv.shardOf([]byte("{b}")))
	p := hllPair{t: t, keel: testRaw(t, srv), ref: ref}
	add := func(key string, from, to int) {
		args := []string{"PFADD", key}
		for i := from; i < to; i++ {
			args = append(args, "e"+strconv.Itoa(i))
		}
		p.do(args...)
	}
	add("{a}1", 0, 50)
	add("{b}1", 30, 120)
	add("{b}2", 100, 5000) // dense
	add("{a}2", 4000, 4100)
	p.do("PFCOUNT", "{a}1", "{b}1")
	p.do("PFCOUNT", "{a}1", "{b}1", "{b}2", "{a}none")
	p.do("PFMERGE", "{a}d", "{a}1", "{b}1")
	p.do("GET", "{a}d")
	p.do("PFCOUNT", "{a}d")
	p.do("GET", "{a}d")
	// Into an existing sparse destination with a TTL, from a dense source.
	p.do("EXPIRE", "{a}2", "1000")
	p.do("PFMERGE", "{a}2", "{b}1", "{b}2")
	p.do("GET", "{a}2")
	require.Equal(t, ":1000\r\n", p.keel.do("TTL", "{a}2"))
	// A destination on the other shard than every source.
	p.do("PFMERGE", "{b}d", "{a}1", "{a}none")
	p.do("GET", "{b}d")
	p.do("PFMERGE", "{b}e", "{a}none")
	p.do("GET", "{b}e")
	p.do("SET", "{b}s", "plain")
	p.do("LPUSH", "{b}l", "x")
	p.do("PFMERGE", "{a}d", "{a}1", "{b}s")
	p.do("PFMERGE", "{a}d", "{b}l", "{b}s")
	p.do("PFCOUNT", "{a}1", "{b}s")
	p.do("PFCOUNT", "{a}1", "{b}l")
	p.do("SET", "{b}c", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe")
	p.do("PFCOUNT", "{a}1", "{b}c")
	p.do("PFMERGE", "{a}d", "{b}c")
	p.do("GET", "{a}d")
}

// What HLL writes log replays to the same bytes: PFADD and PFMERGE as
// themselves, PFCOUNT's cache update as PFCOUNT, a cross-shard PFMERGE as
// a SET of the result on the destination's shard.
func TestHLLEffectsReplay(t *testing.T) {
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", "2"})
	require.NoError(t, err)
	log := &keysLog{}
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	rc := testRaw(t, srv)
	big := []string{"PFADD", "{b}big"}
	for i := range 3000 {
		big = append(big, strconv.Itoa(i))
	}
	for _, cmd := range [][]string{
		{"PFADD", "{a}1", "x", "y"}, {"PFADD", "{a}1", "x"}, {"PFCOUNT", "{a}1"}, {"PFCOUNT", "{a}1"},
		{"PFADD", "{b}1", "z"}, {"PFCOUNT", "{a}1", "{b}1"}, big, {"PEXPIRE", "{a}1", "100000"},
		{"PFMERGE", "{a}1", "{b}1", "{b}big"}, {"PFMERGE", "{a}2", "{a}1"}, {"PFCOUNT", "{a}2"},
		{"PFADD", "{b}2"}, {"PFDEBUG", "TODENSE", "{b}2"},
		{"PFADD", "{a}3", "q"}, {"MULTI"}, {"PFCOUNT", "{a}3"}, {"EXEC"},
	} {
		require.NotEqual(t, byte('-'), rc.do(cmd...)[0], "%q", cmd)
	}
	log.mu.Lock()
	recs := slices.Clone(log.recs)
	log.mu.Unlock()
	var logged []string
	for _, r := range recs {
		if len(r.args) > 2 && string(r.args[0]) == "SET" {
			logged = append(logged, "SET "+string(r.args[1])+" <hll> "+string(r.args[3]))
			continue
		}
		logged = append(logged, string(r.args[0])+" "+string(r.args[1]))
	}
	assert.Equal(t, []string{"PFADD {a}1", "PFCOUNT {a}1", "PFADD {b}1", "PFADD {b}big", "PEXPIREAT {a}1",
		"SET {a}1 <hll> KEEPTTL", "PFMERGE {a}2", "PFCOUNT {a}2", "PFADD {b}2", "PFDEBUG TODENSE", "PFADD {a}3"}, logged)
	// The read-only EXEC left the cache stale and logged nothing.
	v := rc.do("GET", "{a}3")
	v = v[strings.Index(v, "\r\n")+2:]
	require.Equal(t, byte(0x80), v[15]&0x80)

	want := map[string]string{}
	for _, k := range []string{"{a}", "{b}"} {
		onKeyShard(srv, k, func(s *Shard) {
			for k, v := range dumpKeyspace(s) {
				want[k] = v
			}
		})
	}
	replay, err := NewServer(cfg.Clone(), Options{})
	require.NoError(t, err)
	t.Cleanup(replay.Stop)
	for _, r := range recs {
		require.NoError(t, replay.Apply(r.shard, r.db, r.args), "%q", r.args)
	}
	got := map[string]string{}
	for _, s := range replay.shards {
		for k, v := range dumpKeyspace(s) {
			got[k] = v
		}
	}
	assert.Equal(t, want, got)
}

// Arbitrary bytes behind a valid header never panic the algorithm, and
// whatever a sparse update returns stays within its own bounds.
func TestHLLGarbageNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 1000 {
		b := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80")
		if i%10 == 0 {
			b[4] = hllDense
			b = append(b, make([]byte, hllDenseSize-hllHdrSize)...)
			for j := hllHdrSize; j < len(b); j++ {
				b[j] = byte(rng.Uint32())
			}
		} else {
			for range rng.IntN(40) {
				b = append(b, byte(rng.Uint32()))
			}
		}
		require.True(t, hllValid(b))
		_, _ = hllCount(b)
		var regs [hllRegisters]uint8
		_ = hllMerge(&regs, b)
		_ = hllCountRegs(&regs)
		_, _ = hllSparseToDense(slices.Clone(b))
		cur := slices.Clone(b)
		for range 20 {
			idx := rng.IntN(hllRegisters)
			count := uint8(1 + rng.IntN(hllQ+1))
			var r int
			cur, r = hllSparseSet(cur, idx, count, int64(16+rng.IntN(200)))
			require.Contains(t, []int{-1, 0, 1}, r)
			if cur[4] == hllDense {
				require.Len(t, cur, hllDenseSize)
				break
			}
		}
		_, _ = hllAdd(slices.Clone(b), []byte("elem"), 3000)
	}
	// Through the server too, including PFDEBUG on truncated opcodes.
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	for i := range 100 {
		v := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
		for range rng.IntN(30) {
			v += string([]byte{byte(rng.Uint32())})
		}
		if i%2 == 0 {
			v += "\x40" // a truncated XZERO
		}
		require.Equal(t, "+OK\r\n", rc.do("SET", "k", v))
		for _, cmd := range [][]string{
			{"PFCOUNT", "k"}, {"PFADD", "k", "a", "b"}, {"PFMERGE", "m", "k"}, {"PFDEBUG", "DECODE", "k"},
			{"PFCOUNT", "k", "m"}, {"GET", "k"},
		} {
			rc.do(cmd...)
		}
	}
	require.Equal(t, "+PONG\r\n", rc.do("PING"))
}

// Register packing, the sparse opcodes and promotion by value, which PFADD
// reaches only with hashes of 32 or more trailing zeros.
func TestHLLUnits(t *testing.T) {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	for i := range hllRegisters {
		hllDenseSetReg(regs, i, uint8(i%64))
	}
	var h [64]int
	hllDenseHisto(regs, &h)
	for i := range hllRegisters {
		require.Equal(t, uint8(i%64), hllDenseGet(regs, i))
	}
	for v := range 64 {
		require.Equal(t, hllRegisters/64, h[v])
	}

	b := hllNew()
	b, r := hllSparseSet(b, 100, 5, 3000)
	require.Equal(t, 1, r)
	b, r = hllSparseSet(b, 101, 5, 3000) // merges into VAL:5,2
	require.Equal(t, 1, r)
	b, r = hllSparseSet(b, 101, 4, 3000)
	require.Equal(t, 0, r)
	require.Equal(t, []byte{0x40, 99, 0x80 | 4<<2 | 1, 0x40 | byte(16281>>8), byte(16281 & 0xff)}, b[hllHdrSize:])
	b, r = hllSparseSet(b, 7, 40, 3000)
	require.Equal(t, 1, r)
	require.Len(t, b, hllDenseSize)
	d := b[hllHdrSize:]
	require.Equal(t, []uint8{40, 5, 5, 0}, []uint8{hllDenseGet(d, 7), hllDenseGet(d, 100), hllDenseGet(d, 101), hllDenseGet(d, 102)})
	card, ok := hllCount(b)
	require.True(t, ok)
	require.Equal(t, uint64(3), card)
}

func TestHLLSelftest(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("PFSELFTEST adds 10^7 elements: too slow for -short and -race (it runs in the plain test pass)")
	}
	srv := testServer(t, 1)
	require.Equal(t, "+OK\r\n", testRaw(t, srv).do("PFSELFTEST"))
}

// HLLs move both ways with DUMP/RESTORE and count the same on arrival.
func TestHLLDumpRestoreWithRedis(t *testing.T) {
	p := newHLLPair(t, 1)
	if strings.HasPrefix(p.keel.do("DUMP", "none"), "-ERR unknown command") {
		t.Skip("DUMP is not available")
	}
	bulk := func(raw string) string { return raw[strings.Index(raw, "\r\n")+2 : len(raw)-2] }
	for _, n := range []int{3, 5000} { // sparse, dense
		args := []string{"PFADD", "h"}
		for i := range n {
			args = append(args, "d"+strconv.Itoa(i))
		}
		p.do(args...)
		p.do("PFCOUNT", "h")
		fromRedis := bulk(p.ref.do("DUMP", "h"))
		fromKeel := bulk(p.keel.do("DUMP", "h"))
		require.Equal(t, "+OK\r\n", p.keel.do("RESTORE", "r", "0", fromRedis, "REPLACE"))
		require.Equal(t, "+OK\r\n", p.ref.do("RESTORE", "r", "0", fromKeel, "REPLACE"))
		p.do("GET", "r")
		p.do("PFADD", "r", "after", "restore")
		p.do("PFCOUNT", "r")
		p.do("GET", "r")
		p.do("DEL", "h")
	}
}
