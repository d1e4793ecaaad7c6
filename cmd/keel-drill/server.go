package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// serverSpec says how to start the server under test. The flags are
// redis-server's, so the drill runs against keel-server and redis-server.
type serverSpec struct {
	bin     string
	dir     string // data directory, the same across restarts
	fsync   string
	extra   []string
	logPath string // both servers' output, appended across restarts
	timeout time.Duration
}

// server is one running server process.
type server struct {
	cmd     *exec.Cmd
	port    int
	done    chan struct{}
	waitErr error // valid once done is closed
	log     *os.File
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start starts the server and waits until it answers PING with PONG;
// it returns the time from the process start to that PONG. A port taken
// in between is retried on another one.
func (sp serverSpec) start() (*server, time.Duration, error) {
	var lastErr error
	for range 3 {
		s, d, err := sp.startOnce()
		if err == nil {
			return s, d, nil
		}
		lastErr = err
	}
	return nil, 0, lastErr
}

func (sp serverSpec) startOnce() (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, fmt.Errorf("picking a port: %w", err)
	}
	lf, err := os.OpenFile(sp.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("server log: %w", err)
	}
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", sp.dir,
		"--appendonly", "yes", "--appendfsync", sp.fsync, "--save", ""}, sp.extra...)
	s := &server{cmd: exec.Command(sp.bin, args...), port: port, done: make(chan struct{}), log: lf}
	s.cmd.Dir = sp.dir
	s.cmd.Stdout, s.cmd.Stderr = lf, lf
	fmt.Fprintf(lf, "=== keel-drill: %s %s\n", sp.bin, strings.Join(args, " "))
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		lf.Close()
		return nil, 0, fmt.Errorf("starting %s: %w", sp.bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitPong(sp.timeout); err != nil {
		s.kill()
		return nil, 0, fmt.Errorf("%s on port %d: %w (log: %s)", sp.bin, port, err, sp.logPath)
	}
	return s, time.Since(start), nil
}

// waitPong polls with PING until +PONG: -LOADING means not yet.
func (s *server) waitPong(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := "no connection"
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("exited during start-up: %v", s.waitErr)
		default:
		}
		nc, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err == nil {
			_ = nc.SetDeadline(time.Now().Add(2 * time.Second))
			if _, err = nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err == nil {
				var line string
				line, err = bufio.NewReader(nc).ReadString('\n')
				if err == nil && line == "+PONG\r\n" {
					nc.Close()
					return nil
				}
				last = strings.TrimSpace(line)
			}
			nc.Close()
		}
		if err != nil {
			last = err.Error()
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("no PONG within %v (last: %s)", timeout, last)
}

// kill ends the server with SIGKILL, as a crash would, and reaps it.
func (s *server) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
}

// stop asks the server to exit (SIGTERM) and waits for it.
func (s *server) stop(timeout time.Duration) error {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("did not exit within %v of SIGINT", timeout)
	}
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) {
		return fmt.Errorf("exited with %v", ee)
	}
	return s.waitErr
}

// logTail is the end of the server log, for error messages.
func logTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
