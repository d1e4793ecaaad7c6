// Package integration runs end-to-end tests against the real keel-server
// binary, with a real redis-server as the reference where one is installed.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	redisServerPath = "/usr/bin/redis-server"
	startTimeout    = 15 * time.Second
	stopTimeout     = 15 * time.Second
	replyTimeout    = 10 * time.Second
)

// keelBin is the keel-server binary built once by TestMain.
var keelBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "keel-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	keelBin = filepath.Join(tmp, "keel-server")
	build := exec.Command("go", "build", "-o", keelBin, "./cmd/keel-server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: building keel-server: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot walks up from the test's directory to the one holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a server process started for one test: keel-server or redis-server.
type proc struct {
	t    testing.TB
	name string
	Port int
	Dir  string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // the result of Wait, valid once done is closed
	// quiet drops the log from failure output (a replaced server).
	quiet bool
}

// startKeel starts keel-server on a free port with a temp data directory.
// args are extra options ("--shards", "3", "--requirepass", "x", ...); the
// shard count defaults to 3 so that tests exercise cross-shard paths.
func startKeel(t testing.TB, args ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	return startKeelDir(t, dir, args...)
}

// startKeelDir is startKeel on a given data directory (for restarts).
func startKeelDir(t testing.TB, dir string, args ...string) *proc {
	t.Helper()
	hasShards := false
	for _, a := range args {
		if a == "--shards" {
			hasShards = true
		}
	}
	if !hasShards {
		args = append([]string{"--shards", "3"}, args...)
	}
	return startProc(t, "keel", keelBin, dir, func(port int) []string {
		return append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir}, args...)
	})
}

// startRedis starts the reference redis-server, or skips the test when it
// is not installed (CI installs it).
func startRedis(t testing.TB, args ...string) *proc {
	t.Helper()
	requireRedisServer(t)
	dir := t.TempDir()
	return startProc(t, "redis", redisServerPath, dir, func(port int) []string {
		return append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, args...)
	})
}

func requireRedisServer(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		t.Skipf("redis-server not installed: %s is needed as the reference server (apt-get install redis-server): %v", redisServerPath, err)
	}
}

// requireTool skips the test when a redis-tools program is missing.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install redis-tools): %v", name, err)
	}
	return p
}

// startProc starts a server, retrying on another port if the one picked was
// taken in between, and waits until it answers PING.
func startProc(t testing.TB, name, bin, dir string, argv func(port int) []string) *proc {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		p := &proc{t: t, name: name, Port: port, Dir: dir, out: &syncBuffer{}, done: make(chan struct{})}
		p.cmd = exec.Command(bin, argv(port)...)
		p.cmd.Dir = dir
		p.cmd.Stdout = p.out
		p.cmd.Stderr = p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		go func() {
			p.err = p.cmd.Wait()
			close(p.done)
		}()
		if lastErr = p.waitReady(); lastErr == nil {
			t.Cleanup(p.cleanup)
			return p
		}
		p.Kill()
		t.Logf("%s did not start on port %d: %v\n%s", name, port, lastErr, p.out.String())
	}
	t.Fatalf("%s did not start: %v", name, lastErr)
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls with PING until the server answers (+PONG, or -NOAUTH
// when a password is set and the server has finished loading).
func (p *proc) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("exited during start-up: %v", p.err)
		default:
		}
		nc, err := net.DialTimeout("tcp", p.Addr(), time.Second)
		if err == nil {
			_ = nc.SetDeadline(time.Now().Add(2 * time.Second))
			_, err = nc.Write([]byte("*1\r\n$4\r\nPING\r\n"))
			if err == nil {
				var line string
				line, err = bufio.NewReader(nc).ReadString('\n')
				// Behind a password, PING cannot tell whether keel is
				// still loading (-LOADING): its log says when it is done.
				noauthReady := strings.HasPrefix(line, "-NOAUTH") &&
					(p.name != "keel" || strings.Contains(p.Log(), "ready to accept connections"))
				if err == nil && (line == "+PONG\r\n" || noauthReady) {
					nc.Close()
					return nil
				}
			}
			nc.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("no answer to PING")
}

// Addr is host:port.
func (p *proc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// Log is what the process printed so far.
func (p *proc) Log() string { return p.out.String() }

// Exited reports whether the process has ended.
func (p *proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for the process to end by itself and returns its exit code.
func (p *proc) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%s did not exit within %v", p.name, timeout)
	}
	return p.exitCode()
}

func (p *proc) exitCode() int {
	if p.err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode() // -1 when killed by a signal
	}
	return -1
}

// Stop sends SIGTERM and returns the exit code once the process ended.
func (p *proc) Stop() int {
	p.t.Helper()
	if p.Exited() {
		return p.exitCode()
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.Kill()
		p.t.Fatalf("%s did not exit within %v of SIGTERM", p.name, stopTimeout)
	}
	return p.exitCode()
}

// Kill ends the process with SIGKILL, as a crash would.
func (p *proc) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) cleanup() {
	p.Kill()
	if p.t.Failed() && !p.quiet {
		p.t.Logf("--- %s log (port %d) ---\n%s", p.name, p.Port, p.out.String())
	}
}

// Client is a go-redis client speaking the given protocol (2 or 3).
func (p *proc) Client(t testing.TB, protocol int, opts ...func(*redis.Options)) *redis.Client {
	t.Helper()
	o := &redis.Options{Addr: p.Addr(), Protocol: protocol, DisableIdentity: true,
		ReadTimeout: replyTimeout, WriteTimeout: replyTimeout, MaxRetries: -1}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn speaks RESP directly, for exact reply bytes.
type rawConn struct {
	nc net.Conn
	r  *bufio.Reader
}

// Raw opens a raw connection; it is closed at the end of the test.
func (p *proc) Raw(t testing.TB) *rawConn {
	t.Helper()
	rc, err := dialRaw(p.Addr())
	require.NoError(t, err)
	t.Cleanup(rc.Close)
	return rc
}

func dialRaw(addr string) (*rawConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}, nil
}

func (rc *rawConn) Close() { rc.nc.Close() }

// Do sends one command and returns its raw reply.
func (rc *rawConn) Do(args ...string) (string, error) {
	if err := rc.Send(resp.AppendCommandString(nil, args...)); err != nil {
		return "", err
	}
	return rc.Read()
}

// MustDo is Do failing the test on an I/O error.
func (rc *rawConn) MustDo(t testing.TB, args ...string) string {
	t.Helper()
	s, err := rc.Do(args...)
	require.NoError(t, err, "%q", args)
	return s
}

// Send writes bytes as they are.
func (rc *rawConn) Send(b []byte) error {
	_ = rc.nc.SetWriteDeadline(time.Now().Add(replyTimeout))
	_, err := rc.nc.Write(b)
	return err
}

// Read reads one complete reply.
func (rc *rawConn) Read() (string, error) {
	return rc.ReadTimeout(replyTimeout)
}

func (rc *rawConn) ReadTimeout(d time.Duration) (string, error) {
	_ = rc.nc.SetReadDeadline(time.Now().Add(d))
	b, err := resp.ReadReply(rc.r)
	return string(b), err
}

// Closed reports whether the server closed the connection (EOF or reset)
// within d, with nothing more to read.
func (rc *rawConn) Closed(d time.Duration) (bool, string) {
	_ = rc.nc.SetReadDeadline(time.Now().Add(d))
	var extra []byte
	buf := make([]byte, 4096)
	for {
		n, err := rc.r.Read(buf)
		extra = append(extra, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return false, string(extra)
			}
			return true, string(extra)
		}
	}
}

// cli runs redis-cli against the server and returns its standard output.
func (p *proc) cli(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	bin := requireTool(t, "redis-cli")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.Port)}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("redis-cli %q: %w: %s", args, err, stderr.String())
	}
	return stdout.String(), err
}

func ctxb() context.Context { return context.Background() }

// onBoth runs fn against keel and, as a second subtest, against
// redis-server with the same extra options, so that every expectation
// written for keel is also checked on the reference.
func onBoth(t *testing.T, args []string, fn func(t *testing.T, p *proc)) {
	t.Run("keel", func(t *testing.T) { fn(t, startKeel(t, args...)) })
	t.Run("redis", func(t *testing.T) { fn(t, startRedis(t, args...)) })
}
