package shardcore

import (
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// monitorEvents returns the event names the latency monitor holds.
func monitorEvents(srv *Server) []string {
	var names []string
	for _, e := range srv.ext().latency.snapshot() {
		names = append(names, e.name)
	}
	return names
}

// A blocked client served by a later push is Redis's "command-unblocking"
// event; a call served at once is not. The value popped is large enough
// that building the reply alone takes milliseconds.
func TestLatencyCommandUnblocking(t *testing.T) {
	srv := testServer(t, 2, "--latency-monitor-threshold", "1")
	big := strings.Repeat("x", 48<<20)
	rc, pusher := testRaw(t, srv), testRaw(t, srv)

	require.Equal(t, ":1\r\n", pusher.do("LPUSH", "l", big))
	r := rc.do("BLPOP", "l", "0")
	require.Equal(t, len(big), len(r)-len("*2\r\n$1\r\nl\r\n$50331648\r\n\r\n"))
	assert.NotContains(t, monitorEvents(srv), "command-unblocking")

	rc.sendAll([]string{"BLPOP", "l", "0"})
	require.Eventually(t, func() bool { return strings.Contains(pusher.do("INFO", "clients"), "blocked_clients:1\r\n") }, 10*time.Second, time.Millisecond)
	require.Equal(t, ":1\r\n", pusher.do("LPUSH", "l", big))
	r = rc.read()
	require.True(t, strings.HasPrefix(r, "*2\r\n$1\r\nl\r\n$50331648\r\n"))
	assert.Contains(t, monitorEvents(srv), "command-unblocking")
}

// With the monitor off (the default), nothing is timed.
func TestLatencyStartOff(t *testing.T) {
	srv := testServer(t, 1)
	start := srv.latencyStart()
	assert.True(t, start.IsZero())
	srv.latencyEnd("command-unblocking", start)
	latencyProbe{srv}.End("aof-write", latencyProbe{srv}.Start())
	assert.Empty(t, monitorEvents(srv))
}

func TestLatencyDoctorFsyncAlways(t *testing.T) {
	events := []latencyEvent{{name: "aof-fsync-always", max: 20, samples: []latencySample{{99, 20}}}}
	advice := "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n"
	r := latencyReport(events, 1, 10000, 10, true, false, 100)
	assert.Contains(t, r, "1. aof-fsync-always: 1 latency spikes (average 20ms, mean deviation 0ms, period 1.00 sec). Worst all time event 20ms.\n")
	assert.Contains(t, r, "\nI have a few advices for you:\n\n"+advice)
	// Counted as an advice whatever the policy, printed only under always.
	r = latencyReport(events, 1, 10000, 10, false, false, 100)
	assert.NotContains(t, r, advice)
	assert.Contains(t, r, "I have a few advices for you:")
}

// BenchmarkLatencyProbeOff is what a log write pays for the latency
// monitor while it is off: the relay, the probe, one threshold check.
func BenchmarkLatencyProbeOff(b *testing.B) {
	srv := testServer(b, 1)
	var relay durability.LatencyRelay
	relay.Set(latencyProbe{srv})
	b.ReportAllocs()
	for b.Loop() {
		relay.End("aof-write", relay.Start())
	}
}

// A log write beside no fsync is sampled as aof-write-active-child while a
// checkpoint is being written (Redis's child process), aof-write-alone
// otherwise.
func TestLatencyLogWriteBesideCheckpoint(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "latency-monitor-threshold", "1"))
	probe := latencyProbe{srv}
	start := probe.Start().Add(-5 * time.Millisecond)
	probe.End("aof-write-alone", start)
	assert.Contains(t, monitorEvents(srv), "aof-write-alone")
	assert.NotContains(t, monitorEvents(srv), "aof-write-active-child")

	srv.ck.mu.Lock()
	srv.ck.running = &ckJob{}
	srv.ck.mu.Unlock()
	probe.End("aof-write-alone", start)
	srv.ck.mu.Lock()
	srv.ck.running = nil
	srv.ck.mu.Unlock()
	assert.Contains(t, monitorEvents(srv), "aof-write-active-child")
}

// DOCTOR gives Redis's disk advice for the log-write events, in Redis's
// order, each piece once (but not no-appendfsync-on-rewrite, which keel
// does not act on).
func TestLatencyDoctorLogWrites(t *testing.T) {
	ev := func(name string) latencyEvent {
		return latencyEvent{name: name, max: 20, samples: []latencySample{{99, 20}}}
	}
	r := latencyReport([]latencyEvent{ev("aof-write-alone"), ev("aof-write-pending-fsync"), ev("aof-write-active-child")}, 1, 10000, 10, false, false, 100)
	advice := "\nI have a few advices for you:\n\n" +
		"- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n" +
		"- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n" +
		"- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n" +
		"- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n"
	assert.True(t, strings.HasSuffix(r, advice), r)
	r = latencyReport([]latencyEvent{ev("aof-write")}, 1, 10000, 10, false, false, 100)
	assert.Contains(t, r, "I'm not able to suggest any easy fix", "aof-write alone has no advice")
}
