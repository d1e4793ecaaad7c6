package integration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
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
	corpusPath   = "testdata/corpus.txt"
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
)

type corpusLine struct {
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
// quoting, '#' comments, blank lines between groups, '~' and '!' prefixes.
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
		line := corpusLine{num: num, mode: compareExact, text: text}
		if m := compareMode(text[0]); m == compareType || m == compareSkip {
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

func loadCorpus(t testing.TB) []corpusGroup {
	t.Helper()
	f, err := os.Open(corpusPath)
	require.NoError(t, err)
	defer f.Close()
	groups, err := parseCorpus(f, corpusPath)
	require.NoError(t, err)
	require.NotEmpty(t, groups)
	return groups
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
	case compareType:
		if a == "" || b == "" || a[0] == '<' || b[0] == '<' {
			return a == b
		}
		return a[0] == b[0]
	default:
		return a == b
	}
}

func preview(s string) string {
	q := strconv.Quote(s)
	if len(q) > replyPreview {
		return q[:replyPreview] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return q
}

// TestDifferential sends the corpus to keel and to redis-server and compares
// every reply; all differences are reported together.
func TestDifferential(t *testing.T) {
	groups := loadCorpus(t)
	ref := startRedis(t)
	keel := startKeel(t, "--shards", strconv.Itoa(diffShards))

	k := &diffSide{name: "keel", addr: keel.Addr()}
	r := &diffSide{name: "redis", addr: ref.Addr()}
	defer k.reset()
	defer r.reset()

	var report strings.Builder
	total, failed := 0, 0
	flushBroken := false
	for _, g := range groups {
		k.reset()
		r.reset()
		if got := r.do([]string{"FLUSHALL"}); got != "+OK\r\n" {
			t.Fatalf("FLUSHALL on redis-server: %s", preview(got))
		}
		if !flushBroken {
			if got := k.do([]string{"FLUSHALL"}); got != "+OK\r\n" {
				// Without FLUSHALL every group would inherit the previous
				// one's keys; a fresh server keeps the other lines meaningful.
				flushBroken = true
				failed++
				fmt.Fprintf(&report, "%s:%d: FLUSHALL failed on keel: %s (each group now runs on a new keel server)\n",
					corpusPath, g.lines[0].num, preview(got))
			}
		}
		if flushBroken {
			keel.quiet = true
			keel.Stop()
			keel = startKeel(t, "--shards", strconv.Itoa(diffShards))
			k.reset()
			k.addr = keel.Addr()
		}
		for _, l := range g.lines {
			total++
			kr := k.do(l.args)
			rr := r.do(l.args)
			if repliesMatch(l.mode, kr, rr) {
				continue
			}
			failed++
			fmt.Fprintf(&report, "%s:%d: %s\n    keel:  %s\n    redis: %s\n", corpusPath, l.num, l.text, preview(kr), preview(rr))
		}
	}
	t.Logf("differential: %d corpus lines in %d groups, %d differ", total, len(groups), failed)
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
		{num: 2, mode: compareExact, text: `SET a "x y"`, args: []string{"SET", "a", "x y"}},
		{num: 3, mode: compareType, text: "~TTL a", args: []string{"TTL", "a"}},
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
}
