package shardcore

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// backgroundThread gives the calling goroutine an OS thread of its own at
// the lowest CPU priority (nice 19) for the rest of its life. Checkpoint
// writing runs there: when the machine is busy the kernel gives the shard
// loops the CPU first and the checkpoint what they leave idle, rather than
// an even share that queues clients' commands behind it. The thread is
// never unlocked, so it ends with the goroutine and its priority reaches no
// other goroutine (the runtime starts new threads from a template thread,
// not from a locked one). Where priorities cannot be set, nothing changes.
func backgroundThread() {
	runtime.LockOSThread()
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
}
