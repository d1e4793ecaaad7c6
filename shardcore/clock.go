package shardcore

import _ "unsafe" // for go:linkname

// nanotime is the runtime's monotonic clock: one vDSO call, where time.Now
// makes two (wall and monotonic). Every command is timed for commandstats
// and the slow log, so the difference shows in profiles.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
