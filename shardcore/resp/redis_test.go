package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startRedis runs a throwaway redis-server on a free local port and returns
// its address; the test is skipped when no redis-server is installed.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("oracle tests need redis-server; skipped in -short mode")
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir()}, extra...)
	cmd := exec.Command(path, args...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return addr
		}
	}
	t.Fatalf("redis-server did not start on %s", addr)
	return ""
}

// exchange sends in on a new connection and returns everything the server
// writes until it closes the connection or stays silent.
func exchange(t *testing.T, addr string, in []byte) (out []byte, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(in)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(2*time.Second)))
	out, err = io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return out, false
	}
	require.NoError(t, err)
	return out, true
}

func TestProtocolErrorsMatchRedis(t *testing.T) {
	open := startRedis(t)
	locked := startRedis(t, "--requirepass", "secret")
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			addr := open
			if !tc.authed {
				addr = locked
			}
			out, closed := exchange(t, addr, []byte(tc.in))
			assert.Equal(t, "-"+tc.msg+"\r\n", string(out))
			assert.True(t, closed, "redis kept the connection open")
		})
	}
}

func TestInlineMatchesRedis(t *testing.T) {
	addr := startRedis(t)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	for i, tc := range inlineCases {
		if tc.args == nil {
			out, closed := exchange(t, addr, []byte("RPUSH l "+tc.line+"\r\n"))
			assert.Equal(t, "-"+errUnbalancedQuotes.Msg+"\r\n", string(out), "%q", tc.line)
			assert.True(t, closed)
			continue
		}
		key := fmt.Sprintf("inline:%d", i)
		_, err := fmt.Fprintf(c, "RPUSH %s %s\r\nLRANGE %s 0 -1\r\n", key, tc.line, key)
		require.NoError(t, err)
		n, err := ReadReply(r)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf(":%d\r\n", len(tc.args)), string(n), "%q", tc.line)
		raw, err := ReadReply(r)
		require.NoError(t, err)
		v, err := ParseReply(raw)
		require.NoError(t, err)
		var got []string
		for _, e := range v.Array {
			got = append(got, e.Str)
		}
		assert.Equal(t, tc.args, got, "%q", tc.line)
	}
}

// TestDoubleMatchesRedis compares Writer.Double with ZSCORE replies in RESP2
// and RESP3.
func TestDoubleMatchesRedis(t *testing.T) {
	addr := startRedis(t)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)

	rng := rand.New(rand.NewPCG(7, 9))
	scores := []float64{0.1, 1.5, 3, 1e20, 1e17, 1e16, 1e-5, 123456789012345678, math.Inf(1), math.Inf(-1), 2.5e-300}
	for range 300 {
		f := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		if rng.IntN(5) == 0 {
			f = math.Round(f)
		}
		if f == 0 {
			f = 0 // ZADD stores -0 as 0; the -0 format is pinned in TestDoubleFormat
		}
		scores = append(scores, f)
	}
	var req []byte
	for i, f := range scores {
		req = AppendCommand(req, []byte("ZADD"), []byte("z"), AppendDouble(nil, f), fmt.Appendf(nil, "m%d", i))
	}
	for proto := 2; proto <= 3; proto++ {
		req = AppendCommandString(req, "HELLO", strconv.Itoa(proto))
		for i := range scores {
			req = AppendCommandString(req, "ZSCORE", "z", fmt.Sprintf("m%d", i))
		}
	}
	_, err = c.Write(req)
	require.NoError(t, err)
	for range scores {
		_, err := ReadReply(r)
		require.NoError(t, err)
	}
	for proto := 2; proto <= 3; proto++ {
		_, err := ReadReply(r) // HELLO
		require.NoError(t, err)
		for _, f := range scores {
			got, err := ReadReply(r)
			require.NoError(t, err)
			w := Writer{Proto: proto}
			w.Double(f)
			require.Equal(t, string(got), string(w.Bytes()), "score %v in RESP%d", f, proto)
		}
	}
}
