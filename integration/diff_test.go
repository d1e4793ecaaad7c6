package integration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/require"
)

const (
	corpusGlob   = "testdata/corpus*.txt"
	diffShards   = 3
	diffTimeout  = 5 * time.Second
	replyPreview = 400
)

// compareMode says how much of a reply the differential test checks.
type compareMode byte

const (
	compareExact compareMode = '='
	compareType  compareMode = '~' // only the type byte: values may differ (TTLs, ids)
	compareSkip  compareMode = '!' // sent for its effect, reply ignored
	// compareUnordered sorts the elements of a top-level array, set or map
	// before comparing (SMEMBERS, SUNION: Redis itself promises no order).
	compareUnordered compareMode = '%'
	// comparePairs sorts a top-level array as field/value pairs (HGETALL of
	// a large hash, HRANDFIELD WITHVALUES covering the whole hash).
	comparePairs compareMode = '&'
)

type corpusLine struct {
	file string
	num  int // 1-based line number in the file
	mode compareMode
	text string
	args []string
}

// corpusGroup is a run of lines that share one connection and start from an
// empty keyspace.
type corpusGroup struct {
	lines []corpusLine
}

// parseCorpus reads the corpus format: one command per line in redis-cli
// quoting, '#' comments, blank lines between groups, '~', '!', '%' and '&'
// prefixes.
func parseCorpus(r io.Reader, name string) ([]corpusGroup, error) {
	var groups []corpusGroup
	var cur corpusGroup
	flush := func() {
		if len(cur.lines) > 0 {
			groups = append(groups, cur)
		}
		cur = corpusGroup{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	num := 0
	for sc.Scan() {
		num++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "":
			flush()
			continue
		case strings.HasPrefix(text, "#"):
			continue
		}
		line := corpusLine{file: name, num: num, mode: compareExact, text: text}
		switch m := compareMode(text[0]); m {
		case compareType, compareSkip, compareUnordered, comparePairs:
			line.mode = m
			text = strings.TrimSpace(text[1:])
		}
		args, ok := config.SplitArgs(text)
		if !ok {
			return nil, fmt.Errorf("%s:%d: unbalanced quotes: %s", name, num, line.text)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: no command after the prefix", name, num)
		}
		line.args = args
		cur.lines = append(cur.lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, num, err)
	}
	flush()
	return groups, nil
}

// corpusFiles lists the corpus files, one per command family.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(corpusGlob)
	require.NoError(t, err)
	require.NotEmpty(t, files, "no file matches %s", corpusGlob)
	return files
}

func loadCorpusFile(t testing.TB, path string) []corpusGroup {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	groups, err := parseCorpus(f, path)
	require.NoError(t, err)
	require.NotEmpty(t, groups, "%s has no commands", path)
	return groups
}

func loadCorpus(t testing.TB) []corpusGroup {
	t.Helper()
	var all []corpusGroup
	for _, path := range corpusFiles(t) {
		all = append(all, loadCorpusFile(t, path)...)
	}
	return all
}

// diffSide is one server's connection; a connection the server closed (or
// that timed out) is reopened for the next line, since the server state,
// not the connection, is what the rest of the group depends on.
type diffSide struct {
	name string
	addr string
	rc   *rawConn
}

func (s *diffSide) reset() {
	if s.rc != nil {
		s.rc.Close()
		s.rc = nil
	}
}

func (s *diffSide) do(args []string) string {
	if s.rc == nil {
		rc, err := dialRaw(s.addr)
		if err != nil {
			return "<cannot connect: " + err.Error() + ">"
		}
		s.rc = rc
	}
	if err := s.rc.Send(resp.AppendCommandString(nil, args...)); err != nil {
		s.reset()
		return describeIOError(err)
	}
	reply, err := s.rc.ReadTimeout(diffTimeout)
	if err != nil {
		s.reset()
		return describeIOError(err)
	}
	return reply
}

// describeIOError turns a failed exchange into a pseudo-reply, so that both
// servers closing the connection (QUIT) compares equal.
func describeIOError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "<connection closed>"
	case errors.As(err, &ne) && ne.Timeout():
		return "<no reply within " + diffTimeout.String() + ">"
	default:
		return "<error: " + err.Error() + ">"
	}
}

func repliesMatch(mode compareMode, a, b string) bool {
	switch mode {
	case compareSkip:
		return true
	case compareUnordered, comparePairs:
		return canonicalOrder(mode, a) == canonicalOrder(mode, b)
	case compareType:
		if a == "" || b == "" || a[0] == '<' || b[0] == '<' {
			return a == b
		}
		return a[0] == b[0]
	default:
		return a == b
	}
}

// canonicalOrder rewrites a top-level aggregate reply with its elements (or,
// for comparePairs and RESP3 maps, its pairs) sorted by their raw bytes.
// Anything else, or a reply that does not parse, is returned as it is.
func canonicalOrder(mode compareMode, reply string) string {
	eol := strings.Index(reply, "\r\n")
	if eol < 2 {
		return reply
	}
	kind := reply[0]
	if kind != '*' && kind != '~' && kind != '%' {
		return reply
	}
	n, err := strconv.Atoi(reply[1:eol])
	if err != nil || n <= 0 {
		return reply
	}
	group := 1
	if kind == '%' {
		n *= 2
		group = 2
	} else if mode == comparePairs {
		group = 2
	}
	if n%group != 0 {
		return reply
	}
	r := bufio.NewReader(strings.NewReader(reply[eol+2:]))
	elems := make([]string, 0, n/group)
	for i := 0; i < n; i += group {
		var el []byte
		for j := 0; j < group; j++ {
			b, err := resp.ReadReply(r)
			if err != nil {
				return reply
			}
			el = append(el, b...)
		}
		elems = append(elems, string(el))
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return reply
	}
	sort.Strings(elems)
	return reply[:eol+2] + strings.Join(elems, "")
}

func preview(s string) string {
	q := strconv.Quote(s)
	if len(q) > replyPreview {
		return q[:replyPreview] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return q
}

// TestDifferential sends the corpus to keel and to redis-server and compares
// every reply; each corpus file is a subtest (-run TestDifferential/corpus_list)
// and reports all its differences together.
func TestDifferential(t *testing.T) {
	files := corpusFiles(t)
	ref := startRedis(t)
	d := &differ{parent: t, keel: startKeel(t, "--shards", strconv.Itoa(diffShards))}
	d.k = &diffSide{name: "keel", addr: d.keel.Addr()}
	d.r = &diffSide{name: "redis", addr: ref.Addr()}
	defer d.k.reset()
	defer d.r.reset()
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) { d.runFile(t, path) })
	}
}

// differ holds the two servers the corpus files run against in turn.
type differ struct {
	parent *testing.T // owns the servers, which outlive each file's subtest
	keel   *proc
	k, r   *diffSide
	// flushBroken: keel failed FLUSHALL once, so every group gets a new server.
	flushBroken bool
}

func (d *differ) runFile(t *testing.T, path string) {
	groups := loadCorpusFile(t, path)
	var report strings.Builder
	total, failed := 0, 0
	for _, g := range groups {
		d.k.reset()
		d.r.reset()
		if got := d.r.do([]string{"FLUSHALL"}); got != "+OK\r\n" {
			t.Fatalf("FLUSHALL on redis-server: %s", preview(got))
		}
		if !d.flushBroken {
			if got := d.k.do([]string{"FLUSHALL"}); got != "+OK\r\n" {
				// Without FLUSHALL every group would inherit the previous
				// one's keys; a fresh server keeps the other lines meaningful.
				d.flushBroken = true
				failed++
				fmt.Fprintf(&report, "%s:%d: FLUSHALL failed on keel: %s (each group now runs on a new keel server)\n",
					path, g.lines[0].num, preview(got))
			}
		}
		if d.flushBroken {
			d.keel.quiet = true
			d.keel.Stop()
			d.keel = startKeel(d.parent, "--shards", strconv.Itoa(diffShards))
			d.k.reset()
			d.k.addr = d.keel.Addr()
		}
		for _, l := range g.lines {
			total++
			kr := d.k.do(l.args)
			rr := d.r.do(l.args)
			if repliesMatch(l.mode, kr, rr) {
				continue
			}
			failed++
			fmt.Fprintf(&report, "%s:%d: %s\n    keel:  %s\n    redis: %s\n", l.file, l.num, l.text, preview(kr), preview(rr))
		}
	}
	t.Logf("differential: %s: %d corpus lines in %d groups, %d differ", path, total, len(groups), failed)
	if failed > 0 {
		t.Errorf("%d of %d corpus lines differ from redis-server:\n%s", failed, total, report.String())
	}
}

// TestCorpusSpreadsShards keeps the corpus honest about its purpose: its
// first-argument keys must land on every shard of the differential server.
func TestCorpusSpreadsShards(t *testing.T) {
	seen := map[int]int{}
	for _, g := range loadCorpus(t) {
		for _, l := range g.lines {
			if len(l.args) > 1 {
				seen[shardcore.Slot([]byte(l.args[1]))*diffShards/shardcore.NumSlots]++
			}
		}
	}
	for i := 0; i < diffShards; i++ {
		require.Greater(t, seen[i], 50, "corpus keys on shard %d of %d", i, diffShards)
	}
}

func TestParseCorpus(t *testing.T) {
	in := "# comment\nSET a \"x y\"\n~TTL a\n\n\n!HELLO 3\nGET 'q z'\n"
	groups, err := parseCorpus(strings.NewReader(in), "in")
	require.NoError(t, err)
	require.Len(t, groups, 2)
	require.Equal(t, []corpusLine{
		{file: "in", num: 2, mode: compareExact, text: `SET a "x y"`, args: []string{"SET", "a", "x y"}},
		{file: "in", num: 3, mode: compareType, text: "~TTL a", args: []string{"TTL", "a"}},
	}, groups[0].lines)
	require.Equal(t, compareSkip, groups[1].lines[0].mode)
	require.Equal(t, []string{"GET", "q z"}, groups[1].lines[1].args)

	_, err = parseCorpus(strings.NewReader("GET \"a\n"), "bad")
	require.ErrorContains(t, err, "bad:1: unbalanced quotes")
	_, err = parseCorpus(strings.NewReader("~\n"), "bad")
	require.ErrorContains(t, err, "bad:1: no command")

	require.True(t, repliesMatch(compareType, ":10\r\n", ":9\r\n"))
	require.False(t, repliesMatch(compareType, ":10\r\n", "$2\r\n10\r\n"))
	require.False(t, repliesMatch(compareType, "<connection closed>", ":1\r\n"))
	require.True(t, repliesMatch(compareSkip, "+OK\r\n", "-ERR\r\n"))
	require.False(t, repliesMatch(compareExact, "+OK\r\n", "+ok\r\n"))

	in = "%SMEMBERS s\n&HGETALL h\n"
	groups, err = parseCorpus(strings.NewReader(in), "in")
	require.NoError(t, err)
	require.Equal(t, compareUnordered, groups[0].lines[0].mode)
	require.Equal(t, []string{"SMEMBERS", "s"}, groups[0].lines[0].args)
	require.Equal(t, comparePairs, groups[0].lines[1].mode)

	ab := "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
	ba := "*2\r\n$1\r\nb\r\n$1\r\na\r\n"
	require.True(t, repliesMatch(compareUnordered, ab, ba))
	require.False(t, repliesMatch(compareExact, ab, ba))
	require.True(t, repliesMatch(compareUnordered, "~2\r\n:1\r\n:2\r\n", "~2\r\n:2\r\n:1\r\n"))
	require.False(t, repliesMatch(compareUnordered, ab, "*2\r\n$1\r\na\r\n$1\r\nc\r\n"))
	require.False(t, repliesMatch(compareUnordered, ab, "~2\r\n$1\r\nb\r\n$1\r\na\r\n"), "the aggregate type still counts")
	require.True(t, repliesMatch(compareUnordered, "-ERR x\r\n", "-ERR x\r\n"))
	require.False(t, repliesMatch(compareUnordered, "*-1\r\n", "*0\r\n"))
	// Pairs move as a whole: swapping a field's value is a difference.
	f1v1f2v2 := "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n"
	f2v2f1v1 := "*4\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf1\r\n$2\r\nv1\r\n"
	f1v2f2v1 := "*4\r\n$2\r\nf1\r\n$2\r\nv2\r\n$2\r\nf2\r\n$2\r\nv1\r\n"
	require.True(t, repliesMatch(comparePairs, f1v1f2v2, f2v2f1v1))
	require.False(t, repliesMatch(comparePairs, f1v1f2v2, f1v2f2v1))
	require.True(t, repliesMatch(compareUnordered, "%1\r\n+a\r\n:1\r\n", "%1\r\n+a\r\n:1\r\n"))
	require.True(t, repliesMatch(compareUnordered, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n"))
	require.False(t, repliesMatch(compareUnordered, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+a\r\n:2\r\n+b\r\n:1\r\n"))
	// A truncated aggregate is compared as it is.
	require.Equal(t, "*2\r\n$1\r\na\r\n", canonicalOrder(compareUnordered, "*2\r\n$1\r\na\r\n"))
}

// statsCorpus runs commands over several shards (split, coordinated and
// all-shard ones, EXEC with and without errors, rejected calls) for
// TestDifferentialStats. Keys without tags spread over the shards.
var statsCorpus = [][]string{
	{"MSET", "a", "1", "b", "2", "c", "3", "d", "4"},
	{"MSET", "a", "1", "b"},
	{"MGET", "a", "b", "c", "d"},
	{"EXISTS", "a", "b", "zz"},
	{"DEL", "a", "b"},
	{"SADD", "s1", "x"},
	{"SADD", "s2", "y"},
	{"SUNIONSTORE", "s3", "s1", "s2"},
	{"SINTER", "s1", "c"},
	{"RENAME", "c", "e"},
	{"RENAME", "nokey", "e"},
	{"DBSIZE"},
	{"KEYS", "*"},
	{"GET"},
	{"FOO", "bar"},
	{"CONFIG", "FOO"},
	{"CONFIG", "GET"},
	{"LPUSH", "s1", "x"},
	{"SORT", "d", "BY", "w_*", "GET", "#", "GET", "o_*"},
	{"MULTI"},
	{"SET", "x", "1"},
	{"INCR", "s1"},
	{"GET"},
	{"MSET", "p", "1", "q", "2", "r", "3"},
	{"EXEC"},
	{"MULTI"},
	{"SET", "x", "1"},
	{"INCR", "s1"},
	{"MSET", "p", "1", "q", "2", "r", "3"},
	{"SUNIONSTORE", "s4", "s1", "s2", "x"},
	{"DBSIZE"},
	{"WATCH", "x"},
	{"EXEC"},
	{"EXEC"},
	{"WATCH", "a", "b", "c", "d", "e"},
	{"MULTI"},
	{"SET", "a", "2"},
	{"EXEC"},
	{"WATCH", "a", "e"},
	{"SET", "e", "changed"},
	{"MULTI"},
	{"GET", "a"},
	{"EXEC"},
	{"MULTI"},
	{"WATCH", "x"},
	{"SAVE"},
	{"DISCARD"},
	{"EXEC", "x"},
	{"FLUSHALL"},
}

// TestDifferentialStats runs statsCorpus against keel over several shards
// and redis-server and compares what INFO counts (calls, rejected and failed
// calls per command, error codes, total error replies) and the commands the
// slow log holds, in order, with their arguments. (A command run on another
// shard than its connection's is logged without the client's address.)
func TestDifferentialStats(t *testing.T) {
	ref := startRedis(t)
	k := startKeel(t, "--shards", strconv.Itoa(diffShards))
	type seen struct {
		cmdstats, errorstats, slowlog []string
		errorReplies                  string
	}
	run := func(side *diffSide) seen {
		defer side.reset()
		for _, args := range [][]string{
			{"CONFIG", "SET", "slowlog-log-slower-than", "0"},
			{"CONFIG", "SET", "slowlog-max-len", "1000"},
			{"CONFIG", "RESETSTAT"},
			{"SLOWLOG", "RESET"},
		} {
			require.Equal(t, "+OK\r\n", side.do(args), "%s: %v", side.name, args)
		}
		for _, args := range statsCorpus {
			side.do(args)
		}
		var out seen
		for _, l := range infoLines(t, side, "commandstats") {
			// Durations differ: keep the counts.
			name, fields, _ := strings.Cut(l, ":")
			var kept []string
			for _, f := range strings.Split(fields, ",") {
				if !strings.HasPrefix(f, "usec") {
					kept = append(kept, f)
				}
			}
			out.cmdstats = append(out.cmdstats, name+":"+strings.Join(kept, ","))
		}
		sort.Strings(out.cmdstats) // Redis lists them in hash order
		out.errorstats = infoLines(t, side, "errorstats")
		for _, l := range infoLines(t, side, "stats") {
			if strings.HasPrefix(l, "total_error_replies:") {
				out.errorReplies = l
			}
		}
		v, err := resp.ParseReply([]byte(side.do([]string{"SLOWLOG", "GET", "-1"})))
		require.NoError(t, err)
		for _, e := range v.Array {
			require.Len(t, e.Array, 6, "%s: slow log entry", side.name)
			var args []string
			for _, a := range e.Array[3].Array {
				args = append(args, a.Str)
			}
			out.slowlog = append(out.slowlog, strings.Join(args, " "))
		}
		return out
	}
	kr := run(&diffSide{name: "keel", addr: k.Addr()})
	rr := run(&diffSide{name: "redis", addr: ref.Addr()})
	require.Equal(t, rr.cmdstats, kr.cmdstats)
	require.Equal(t, rr.errorstats, kr.errorstats)
	require.Equal(t, rr.errorReplies, kr.errorReplies)
	require.NotEmpty(t, rr.slowlog)
	require.Equal(t, rr.slowlog, kr.slowlog)
}

// infoLines returns the field lines of one INFO section.
func infoLines(t *testing.T, side *diffSide, section string) []string {
	v, err := resp.ParseReply([]byte(side.do([]string{"INFO", section})))
	require.NoError(t, err, "%s: INFO %s", side.name, section)
	var out []string
	for _, l := range strings.Split(v.Str, "\r\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
