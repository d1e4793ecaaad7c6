package durability

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// ErrorState is the server's disk-error state: while any source has an
// error set, writes are refused with -MISCONF and INFO shows
// aof_last_write_status:err. Reads of it are one atomic load, so every
// write command may check it.
//
// Several sources (each shard's writer, each background fsync) report into
// one state through Sub, so that one shard's successful write does not
// clear another shard's failure. The zero value is a usable root.
type ErrorState struct {
	root *ErrorState // nil on the root itself

	// Guarded by the root's mu.
	err error
	seq uint64 // when err was set, to report the most recent failure

	// Root only.
	mu           sync.Mutex
	subs         []*ErrorState
	nextSeq      uint64
	cur          atomic.Pointer[errBox]
	delayedFsync atomic.Uint64
}

type errBox struct{ err error }

// NewErrorState returns a root state with no error.
func NewErrorState() *ErrorState { return &ErrorState{} }

func (s *ErrorState) top() *ErrorState {
	if s.root != nil {
		return s.root
	}
	return s
}

// Sub returns a new source reporting into the same root: Err on any of
// them returns the root's aggregate, Set and Clear affect only that source.
func (s *ErrorState) Sub() *ErrorState {
	r := s.top()
	sub := &ErrorState{root: r}
	r.mu.Lock()
	r.subs = append(r.subs, sub)
	r.mu.Unlock()
	return sub
}

// Set records err as this source's failure; Set(nil) is Clear.
func (s *ErrorState) Set(err error) {
	r := s.top()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && s.err == nil {
		r.nextSeq++
		s.seq = r.nextSeq
	}
	s.err = err
	r.publishLocked()
}

// Clear removes this source's failure; the state clears when no source has
// one.
func (s *ErrorState) Clear() { s.Set(nil) }

// publishLocked stores the most recently set error of all sources.
func (r *ErrorState) publishLocked() {
	var best *ErrorState
	consider := func(n *ErrorState) {
		if n.err != nil && (best == nil || n.seq > best.seq) {
			best = n
		}
	}
	consider(r)
	for _, n := range r.subs {
		consider(n)
	}
	if best == nil {
		r.cur.Store(nil)
		return
	}
	r.cur.Store(&errBox{err: best.err})
}

// Err returns the most recent failure of any source, or nil.
func (s *ErrorState) Err() error {
	if b := s.top().cur.Load(); b != nil {
		return b.err
	}
	return nil
}

// LastWriteStatus is INFO's aof_last_write_status: "ok" or "err".
func (s *ErrorState) LastWriteStatus() string {
	if s.Err() != nil {
		return "err"
	}
	return "ok"
}

// MisconfMessage is the error reply (without the leading '-') for a write
// refused in the error state, or "" when there is no error. The reason is
// the errno text as strerror spells it, like Redis.
func (s *ErrorState) MisconfMessage() string {
	err := s.Err()
	if err == nil {
		return ""
	}
	return "MISCONF Errors writing to the AOF file: " + Reason(err)
}

// Reason renders err for a client: the errno text capitalised as strerror
// writes it ("No space left on device") when err wraps an errno, else the
// whole message.
func Reason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		r, size := utf8.DecodeRuneInString(msg)
		return string(unicode.ToUpper(r)) + msg[size:]
	}
	return err.Error()
}

// AddDelayedFsync counts a write that went ahead while an fsync had been
// running for over two seconds (INFO aof_delayed_fsync).
func (s *ErrorState) AddDelayedFsync() { s.top().delayedFsync.Add(1) }

// DelayedFsyncs is INFO's aof_delayed_fsync.
func (s *ErrorState) DelayedFsyncs() uint64 { return s.top().delayedFsync.Load() }
