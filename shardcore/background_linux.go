package shardcore

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// backgroundThread gives the calling goroutine an OS thread of its own at
// the lowest CPU priority for the rest of its life. Checkpoint writing runs
// there: when the machine is busy the kernel gives the shard loops the CPU
// first and the checkpoint what they leave idle, rather than a share that
// queues clients' commands behind it. SCHED_IDLE rather than nice 19: a
// waking shard thread preempts an idle-class thread at once, where a nice 19
// one may finish its slice first (milliseconds of a client's latency). The
// thread is never unlocked, so it ends with the goroutine and its priority
// reaches no other goroutine (the runtime starts new threads from a
// template thread, not from a locked one). Where priorities cannot be set,
// nothing changes.
func backgroundThread() {
	runtime.LockOSThread()
	attr := unix.SchedAttr{Size: uint32(unsafe.Sizeof(unix.SchedAttr{})), Policy: unix.SCHED_IDLE}
	if unix.SchedSetAttr(0, &attr, 0) != nil {
		_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
	}
}
