package durability

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Op is a set of filesystem operations a Fault applies to.
type Op uint16

// Operations FaultFS can fail. They combine as a bit set.
const (
	OpOpen     Op = 1 << iota // OpenFile, Create, Open
	OpWrite                   // File.Write
	OpSync                    // File.Sync (fsync)
	OpRename                  // Rename (matched against either path)
	OpRemove                  // Remove
	OpSyncDir                 // SyncDir
	OpTruncate                // File.Truncate
	OpMkdir                   // MkdirAll
)

var opNames = []struct {
	op   Op
	name string
}{
	{OpOpen, "open"}, {OpWrite, "write"}, {OpSync, "fsync"}, {OpRename, "rename"},
	{OpRemove, "remove"}, {OpSyncDir, "syncdir"}, {OpTruncate, "truncate"}, {OpMkdir, "mkdir"},
}

func (o Op) String() string {
	var parts []string
	for _, n := range opNames {
		if o&n.op != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Fault describes an injected failure.
type Fault struct {
	// Op selects the operations the fault applies to (a bit set).
	Op Op
	// Path is a glob over the path given to the FS: '*' matches any run of
	// characters including '/', '?' matches one character. Empty matches all.
	Path string
	// Nth makes the Nth matching operation (from 1, counted from injection)
	// the first that fails; 0 is the same as 1.
	Nth int
	// Sticky keeps failing every matching operation from the Nth on;
	// otherwise the fault fires once and then lets everything through.
	Sticky bool
	// AfterBytes, for OpWrite, lets this many bytes (summed over matching
	// files) through and fails the write that would cross it, writing the
	// part that still fits, as a full disk does. When set, Nth and any
	// other operation in Op are ignored.
	AfterBytes int64
	// Err is the error returned, wrapped in *fs.PathError. The default is
	// EIO, or ENOSPC when AfterBytes is set.
	Err error
	// Delay makes the fault a slow disk instead of a failing one: the
	// operations it fires on wait this long, then go through (Err is
	// ignored). Not with AfterBytes.
	Delay time.Duration
}

// FaultID names an injected fault so it can be cleared.
type FaultID int

type faultState struct {
	Fault
	seen    int   // matching operations so far
	written int64 // bytes let through, for AfterBytes
	fired   int   // operations failed
	done    bool  // one-shot fault that has fired
}

// FaultFS wraps an FS and fails chosen operations. Faults can be injected
// and cleared while the FS is in use; it is safe for concurrent use.
type FaultFS struct {
	inner FS

	mu     sync.Mutex
	faults map[FaultID]*faultState
	nextID FaultID
}

var _ FS = (*FaultFS)(nil)

// NewFaultFS returns a FaultFS over inner with no faults.
func NewFaultFS(inner FS) *FaultFS {
	return &FaultFS{inner: inner, faults: make(map[FaultID]*faultState)}
}

// Inject adds a fault and returns its id.
func (f *FaultFS) Inject(ft Fault) FaultID {
	if ft.Err == nil {
		if ft.AfterBytes > 0 {
			ft.Err = syscall.ENOSPC
		} else {
			ft.Err = syscall.EIO
		}
	}
	if ft.Nth < 1 {
		ft.Nth = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.faults[f.nextID] = &faultState{Fault: ft}
	return f.nextID
}

// Clear removes a fault; clearing an unknown id does nothing.
func (f *FaultFS) Clear(id FaultID) {
	f.mu.Lock()
	delete(f.faults, id)
	f.mu.Unlock()
}

// ClearAll removes every fault.
func (f *FaultFS) ClearAll() {
	f.mu.Lock()
	clear(f.faults)
	f.mu.Unlock()
}

// Fired reports how many operations a fault has failed so far.
func (f *FaultFS) Fired(id FaultID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.faults[id]; ok {
		return st.fired
	}
	return 0
}

// check counts op against every fault and returns the error of the first
// one that fires, or nil, after the longest delay of those that fire.
func (f *FaultFS) check(op Op, paths ...string) error {
	hit, delay := f.fire(op, paths)
	if delay > 0 {
		time.Sleep(delay)
	}
	return hit
}

// fire is check without the wait, which must not hold the lock.
func (f *FaultFS) fire(op Op, paths []string) (hit error, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return nil, 0
	}
	for _, id := range f.sortedIDs() {
		st := f.faults[id]
		if st.Op&op == 0 || st.done || st.AfterBytes > 0 || !st.matches(paths) {
			continue
		}
		st.seen++
		if st.seen < st.Nth || (!st.Sticky && st.seen > st.Nth) {
			continue
		}
		st.fired++
		if !st.Sticky {
			st.done = true
		}
		if st.Delay > 0 {
			delay = max(delay, st.Delay)
		} else if hit == nil {
			hit = st.Err
		}
	}
	return hit, delay
}

// writeBudget returns how many of n bytes written to path may go through,
// and the error to return after writing them (nil: all n may go).
func (f *FaultFS) writeBudget(path string, n int) (int, error) {
	allowed := n
	var hit error
	if err := f.check(OpWrite, path); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return n, nil
	}
	for _, id := range f.sortedIDs() {
		st := f.faults[id]
		if st.Op&OpWrite == 0 || st.done || st.AfterBytes <= 0 || !st.matches([]string{path}) {
			continue
		}
		room := max(st.AfterBytes-st.written, 0)
		if int64(n) <= room {
			st.written += int64(n)
			continue
		}
		st.written = st.AfterBytes
		st.fired++
		if !st.Sticky {
			st.done = true
		}
		if int(room) < allowed {
			allowed = int(room)
		}
		if hit == nil {
			hit = st.Err
		}
	}
	return allowed, hit
}

func (f *FaultFS) sortedIDs() []FaultID {
	ids := make([]FaultID, 0, len(f.faults))
	for id := range f.faults {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (st *faultState) matches(paths []string) bool {
	if st.Path == "" {
		return true
	}
	for _, p := range paths {
		if globMatch(st.Path, filepath.Clean(p)) {
			return true
		}
	}
	return false
}

// globMatch matches s against pattern where '*' spans any characters
// (including '/') and '?' matches exactly one.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func pathErr(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// OpenFile implements FS.
func (f *FaultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if err := f.check(OpOpen, name); err != nil {
		return nil, pathErr("open", name, err)
	}
	inner, err := f.inner.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: inner, fs: f, path: name}, nil
}

// Create implements FS.
func (f *FaultFS) Create(name string) (File, error) {
	if err := f.check(OpOpen, name); err != nil {
		return nil, pathErr("open", name, err)
	}
	inner, err := f.inner.Create(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: inner, fs: f, path: name}, nil
}

// Open implements FS.
func (f *FaultFS) Open(name string) (File, error) {
	if err := f.check(OpOpen, name); err != nil {
		return nil, pathErr("open", name, err)
	}
	inner, err := f.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: inner, fs: f, path: name}, nil
}

// Rename implements FS.
func (f *FaultFS) Rename(oldpath, newpath string) error {
	if err := f.check(OpRename, oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return f.inner.Rename(oldpath, newpath)
}

// Remove implements FS.
func (f *FaultFS) Remove(name string) error {
	if err := f.check(OpRemove, name); err != nil {
		return pathErr("remove", name, err)
	}
	return f.inner.Remove(name)
}

// MkdirAll implements FS.
func (f *FaultFS) MkdirAll(dir string, perm fs.FileMode) error {
	if err := f.check(OpMkdir, dir); err != nil {
		return pathErr("mkdir", dir, err)
	}
	return f.inner.MkdirAll(dir, perm)
}

// ReadDir implements FS.
func (f *FaultFS) ReadDir(dir string) ([]fs.DirEntry, error) { return f.inner.ReadDir(dir) }

// Stat implements FS.
func (f *FaultFS) Stat(name string) (fs.FileInfo, error) { return f.inner.Stat(name) }

// SyncDir implements FS.
func (f *FaultFS) SyncDir(dir string) error {
	if err := f.check(OpSyncDir, dir); err != nil {
		return pathErr("sync", dir, err)
	}
	return f.inner.SyncDir(dir)
}

type faultFile struct {
	File
	fs   *FaultFS
	path string
}

func (ff *faultFile) Write(p []byte) (int, error) {
	allowed, ferr := ff.fs.writeBudget(ff.path, len(p))
	if ferr == nil {
		return ff.File.Write(p)
	}
	n := 0
	if allowed > 0 {
		var err error
		n, err = ff.File.Write(p[:allowed])
		if err != nil {
			return n, err
		}
	}
	return n, pathErr("write", ff.path, ferr)
}

func (ff *faultFile) Sync() error {
	if err := ff.fs.check(OpSync, ff.path); err != nil {
		return pathErr("sync", ff.path, err)
	}
	return ff.File.Sync()
}

func (ff *faultFile) Truncate(size int64) error {
	if err := ff.fs.check(OpTruncate, ff.path); err != nil {
		return pathErr("truncate", ff.path, err)
	}
	return ff.File.Truncate(size)
}

// errnoNames are the errors a fault spec may name.
var errnoNames = map[string]syscall.Errno{
	"EIO": syscall.EIO, "ENOSPC": syscall.ENOSPC, "EDQUOT": syscall.EDQUOT,
	"EROFS": syscall.EROFS, "EACCES": syscall.EACCES, "EPERM": syscall.EPERM,
	"ENOENT": syscall.ENOENT, "EBADF": syscall.EBADF, "EINTR": syscall.EINTR,
}

// ParseFault parses a fault from space-separated key=value words, the form
// a debug command or a drill script can carry:
//
//	op=fsync path=*/aof/* nth=3 err=EIO
//	op=write after=1048576 err=ENOSPC sticky
//	op=fsync delay=50ms sticky
//
// op is one or more of open, write, fsync, rename, remove, syncdir,
// truncate, mkdir joined by '|'; err is an errno name (EIO, ENOSPC,
// EDQUOT, EROFS, EACCES, EPERM, ENOENT, EBADF, EINTR); delay is a Go
// duration.
func ParseFault(spec string) (Fault, error) {
	var ft Fault
	for _, word := range strings.Fields(spec) {
		key, val, hasVal := strings.Cut(word, "=")
		switch strings.ToLower(key) {
		case "op":
			for _, name := range strings.Split(val, "|") {
				found := false
				for _, n := range opNames {
					if strings.EqualFold(name, n.name) {
						ft.Op |= n.op
						found = true
					}
				}
				if !found {
					return Fault{}, fmt.Errorf("fault spec %q: unknown op %q", spec, name)
				}
			}
		case "path":
			ft.Path = val
		case "nth":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return Fault{}, fmt.Errorf("fault spec %q: nth must be a positive integer, got %q", spec, val)
			}
			ft.Nth = n
		case "after":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 1 {
				return Fault{}, fmt.Errorf("fault spec %q: after must be a positive byte count, got %q", spec, val)
			}
			ft.AfterBytes = n
		case "sticky":
			if hasVal {
				b, err := strconv.ParseBool(val)
				if err != nil {
					return Fault{}, fmt.Errorf("fault spec %q: sticky: %w", spec, err)
				}
				ft.Sticky = b
			} else {
				ft.Sticky = true
			}
		case "delay":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return Fault{}, fmt.Errorf("fault spec %q: delay must be a positive duration, got %q", spec, val)
			}
			ft.Delay = d
		case "err":
			e, ok := errnoNames[strings.ToUpper(val)]
			if !ok {
				return Fault{}, fmt.Errorf("fault spec %q: unknown error %q", spec, val)
			}
			ft.Err = e
		default:
			return Fault{}, fmt.Errorf("fault spec %q: unknown key %q", spec, key)
		}
	}
	if ft.Op == 0 {
		return Fault{}, errors.New("fault spec " + strconv.Quote(spec) + ": missing op=")
	}
	if ft.AfterBytes > 0 && ft.Op != OpWrite {
		return Fault{}, fmt.Errorf("fault spec %q: after= applies to op=write only", spec)
	}
	if ft.AfterBytes > 0 && ft.Delay > 0 {
		return Fault{}, fmt.Errorf("fault spec %q: delay= does not combine with after=", spec)
	}
	return ft, nil
}
