package durability

import (
	"sync/atomic"
	"time"
)

// LatencyProbe times disk operations for the server's latency monitor
// (LATENCY LATEST and friends). Start returns the zero time when nothing is
// measured (the monitor is off), so that callers then read no clock; End
// samples event with the time since a non-zero start.
type LatencyProbe interface {
	Start() time.Time
	End(event string, start time.Time)
}

// LatencyRelay is a LatencyProbe forwarding to one set later (the server
// is built after its logs); until then it measures nothing. Safe for
// concurrent use; the zero value is ready.
type LatencyRelay struct {
	p atomic.Pointer[LatencyProbe]
}

// Set installs the probe the relay forwards to.
func (r *LatencyRelay) Set(p LatencyProbe) { r.p.Store(&p) }

// Start implements LatencyProbe.
func (r *LatencyRelay) Start() time.Time {
	if p := r.p.Load(); p != nil {
		return (*p).Start()
	}
	return time.Time{}
}

// End implements LatencyProbe.
func (r *LatencyRelay) End(event string, start time.Time) {
	if start.IsZero() {
		return
	}
	if p := r.p.Load(); p != nil {
		(*p).End(event, start)
	}
}
