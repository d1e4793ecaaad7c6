package durability

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// LockName and PidName are the files LockDir keeps in a data directory.
const (
	LockName = "LOCK"
	PidName  = "keel.pid"
)

// DirLock is an exclusive hold on a data directory: one keel-server or one
// keel-aof at a time, so that nothing reads a directory while another
// process writes it.
type DirLock struct {
	dir string
	f   *os.File
	pid string
}

// LockDir takes an exclusive flock on dir/LOCK without waiting and writes
// this process's pid to dir/keel.pid. The lock dies with the process, so a
// crash never leaves the directory locked. If another process holds it, the
// error names that process's pid and the pid file.
func LockDir(dir string) (*DirLock, error) {
	lockPath := filepath.Join(dir, LockName)
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("durability: lock data directory %s: %w", dir, err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("durability: lock %s: %w", lockPath, err)
		}
		pidPath := filepath.Join(dir, PidName)
		data, rerr := os.ReadFile(pidPath)
		pid := string(bytes.TrimSpace(data))
		if rerr != nil || pid == "" {
			return nil, fmt.Errorf("durability: data directory %s is in use by another process (it holds %s; %s names no pid)", dir, lockPath, pidPath)
		}
		return nil, fmt.Errorf("durability: data directory %s is in use by pid %s (see %s)", dir, pid, pidPath)
	}
	l := &DirLock{dir: dir, f: f, pid: strconv.Itoa(os.Getpid())}
	if err := writePid(filepath.Join(dir, PidName), l.pid); err != nil {
		f.Close()
		return nil, fmt.Errorf("durability: lock data directory %s: %w", dir, err)
	}
	return l, nil
}

// flock takes the lock, retrying when a signal interrupts the call.
func flock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// writePid replaces the pid file through a rename, so a concurrent reader
// sees the old pid or the new one, never an empty file.
func writePid(path, pid string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(pid+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Dir returns the locked directory.
func (l *DirLock) Dir() string { return l.dir }

// Close removes the pid file (when it still names this process) and
// releases the lock. The LOCK file stays: removing it could let two
// processes lock different files of the same name.
func (l *DirLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	var errs []error
	pidPath := filepath.Join(l.dir, PidName)
	if data, err := os.ReadFile(pidPath); err == nil && string(bytes.TrimSpace(data)) == l.pid {
		if err := os.Remove(pidPath); err != nil {
			errs = append(errs, err)
		}
	}
	if err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN); err != nil {
		errs = append(errs, fmt.Errorf("durability: unlock %s: %w", l.f.Name(), err))
	}
	if err := l.f.Close(); err != nil {
		errs = append(errs, err)
	}
	l.f = nil
	return errors.Join(errs...)
}
