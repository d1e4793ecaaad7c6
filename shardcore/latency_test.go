package shardcore

import (
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func histOf(durations ...time.Duration) *latencyHist {
	h := new(latencyHist)
	for _, d := range durations {
		h.add(d)
	}
	return h
}

type cdfRow struct{ usec, cum int64 }

func cdfRows(h *latencyHist) []cdfRow {
	var rows []cdfRow
	h.cdf(func(usec, cum int64) { rows = append(rows, cdfRow{usec, cum}) })
	return rows
}

// The layout is HdrHistogram's for 1 ns to 1 s at 2 significant digits:
// every value lies within its counter's range, and ranges tile the line.
func TestHistLayout(t *testing.T) {
	next := int64(0)
	for i := 0; i < histLen; i++ {
		require.Equal(t, next, histValue(i), "counter %d", i)
		require.Equal(t, i, histIndex(histValue(i)))
		require.Equal(t, i, histIndex(histHighest(i)))
		next = histHighest(i) + 1
	}
	require.Equal(t, int64(1<<30), next)
	require.Less(t, histIndex(histMaxNano), histLen)
	// Two significant digits: a counter spans under 1% of its values.
	for _, v := range []int64{1000, 9000, 123456, 3129000, 999999999} {
		i := histIndex(v)
		assert.Less(t, float64(histHighest(i)-histValue(i)), float64(v)/100)
	}
}

// The numbers redis-server 7.0.15 printed for the same durations.
func TestHistMatchesRedis(t *testing.T) {
	h := histOf(3129*time.Microsecond, 20185*time.Microsecond)
	assert.Equal(t, []cdfRow{{4227, 1}, {33816, 2}}, cdfRows(h))
	assert.Equal(t, int64(3112960), h.percentile(0))
	assert.Equal(t, int64(3129343), h.percentile(50))
	assert.Equal(t, int64(20185087), h.percentile(99))

	h = histOf(9*time.Microsecond, 9*time.Microsecond, 10*time.Microsecond, 12*time.Microsecond, 13*time.Microsecond)
	assert.Equal(t, []cdfRow{{16, 5}}, cdfRows(h))
	assert.Equal(t, int64(8960), h.percentile(0))
	assert.Equal(t, int64(9023), h.percentile(1))
	assert.Equal(t, int64(13055), h.percentile(100))

	// Past the last power of two the walk ends on the last counter; a
	// second or more is counted as 1 s.
	h = histOf(600*time.Millisecond, 1100*time.Millisecond)
	assert.Equal(t, []cdfRow{{1073741, 2}}, cdfRows(h))
	assert.Equal(t, int64(599785472), h.percentile(0))
	assert.Equal(t, int64(603979775), h.percentile(50))
	assert.Equal(t, int64(1002438655), h.percentile(100))
	assert.Equal(t, int64(1002438655), h.percentile(99.99))
	assert.Equal(t, int64(603979775), h.percentile(12.5))
}

func TestHistCDF(t *testing.T) {
	// Calls under a microsecond count as 1 ns, in the first level.
	h := histOf(0, 500*time.Nanosecond, 3*time.Microsecond, 3*time.Microsecond, 70*time.Microsecond)
	assert.Equal(t, []cdfRow{{1, 2}, {4, 4}, {132, 5}}, cdfRows(h))
	assert.Equal(t, int64(5), h.total)
	assert.Equal(t, int64(1), h.percentile(0))
	assert.Empty(t, cdfRows(new(latencyHist)))
	assert.Equal(t, int64(0), new(latencyHist).percentile(50))

	merged := histOf(3 * time.Microsecond)
	merged.merge(histOf(70*time.Microsecond, 3*time.Microsecond))
	assert.Equal(t, []cdfRow{{4, 2}, {132, 3}}, cdfRows(merged))
	c := merged.clone()
	c.add(time.Second)
	assert.Equal(t, int64(3), merged.total, "a clone shares no counters")
	assert.Equal(t, []cdfRow{{4, 2}, {132, 3}}, cdfRows(merged))
}

// Recording a call allocates nothing once its counters exist.
func TestHistAddAllocs(t *testing.T) {
	h := histOf(5 * time.Microsecond)
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.add(5 * time.Microsecond) }))
}

func BenchmarkHistAdd(b *testing.B) {
	h := new(latencyHist)
	d := []time.Duration{800 * time.Nanosecond, 3 * time.Microsecond, 17 * time.Microsecond, 250 * time.Microsecond}
	for i := 0; b.Loop(); i++ {
		h.add(d[i&3])
	}
}

func TestTrimFloat(t *testing.T) {
	for in, want := range map[string]string{"50.000000": "50", "99.900000": "99.9", "0.000000": "0", "12.500000": "12.5", "100": "100"} {
		assert.Equal(t, want, trimFloat(in))
	}
}

func TestLatencyMonitorSeries(t *testing.T) {
	var lm latencyMonitor
	lm.add("command", 5, 100)
	lm.add("command", 3, 100) // same second: the highest stays
	lm.add("command", 9, 100)
	lm.add("fast-command", 2, 101)
	lm.add("command", 4, 102)
	e, ok := lm.event("command")
	require.True(t, ok)
	assert.Equal(t, []latencySample{{100, 9}, {102, 4}}, e.samples)
	assert.Equal(t, int64(9), e.max)
	_, ok = lm.event("Command")
	assert.False(t, ok, "events are named exactly")
	names := []string{}
	for _, e := range lm.snapshot() {
		names = append(names, e.name)
	}
	assert.Equal(t, []string{"command", "fast-command"}, names)

	// The newest latencyTSLen seconds are kept, oldest first.
	for s := int64(0); s < latencyTSLen+10; s++ {
		lm.add("expire-cycle", s+1, 1000+s)
	}
	e, _ = lm.event("expire-cycle")
	require.Len(t, e.samples, latencyTSLen)
	assert.Equal(t, latencySample{1010, 11}, e.samples[0])
	assert.Equal(t, latencySample{1000 + latencyTSLen + 9, latencyTSLen + 10}, e.samples[latencyTSLen-1])

	assert.Equal(t, 1, lm.reset([]string{"COMMAND", "nosuch", "command"}))
	assert.Equal(t, 2, lm.reset(nil))
	assert.Empty(t, lm.snapshot())
}

// The graph redis-server 7.0.15 drew for the same samples.
func TestLatencyGraph(t *testing.T) {
	now := int64(1000)
	e := latencyEvent{name: "command", max: 100, samples: []latencySample{
		{now - 7, 5}, {now - 6, 40}, {now - 5, 21}, {now - 3, 100}, {now - 2, 3}, {now - 1, 60},
	}}
	want := "command - high 100 ms, low 3 ms (all time high 100 ms)\n" +
		strings.Repeat("-", 80) + "\n" +
		"   #  \n" +
		"   | o\n" +
		" o | |\n" +
		"_|#|_|\n" +
		"      \n" +
		"765321\n" +
		"ssssss\n"
	assert.Equal(t, want, latencyGraph(e, now))

	one := latencyEvent{name: "x", max: 12, samples: []latencySample{{now - 4000, 12}}}
	assert.Equal(t, "x - high 12 ms, low 12 ms (all time high 12 ms)\n"+strings.Repeat("-", 80)+"\n \n \n \n_\n \n1\nh\n", latencyGraph(one, now))

	// More samples than columns wrap into blocks, a blank line apart.
	var many latencyEvent
	for i := range 81 {
		many.samples = append(many.samples, latencySample{now - 30, int64(i)})
	}
	g := latencyGraph(many, now)
	assert.True(t, strings.HasSuffix(g, "s\n\n#\n|\n|\n|\n \n3\n0\ns\n"), g)
}

func TestLatencyReport(t *testing.T) {
	assert.Contains(t, latencyReport(nil, 0, 10000, 10, false, false, 0), "Latency monitoring is disabled")
	assert.Equal(t, "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n",
		latencyReport(nil, 5, 10000, 10, false, false, 0))
	assert.Contains(t, latencyReport(nil, 5, 10000, 10, false, true, 0), "- I detected a non zero amount of anonymous huge pages")

	events := []latencyEvent{
		{name: "command", max: 30, samples: []latencySample{{90, 10}, {95, 30}}},
		{name: "expire-cycle", max: 2, samples: []latencySample{{99, 2}}},
		{name: "fast-command", max: 1, samples: []latencySample{{100, 1}}},
	}
	r := latencyReport(events, 1, 10000, 10, false, false, 100)
	assert.True(t, strings.HasPrefix(r, "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"+
		"1. command: 2 latency spikes (average 20ms, mean deviation 10ms, period 5.00 sec). Worst all time event 30ms.\n"+
		"2. expire-cycle: 1 latency spikes (average 2ms, mean deviation 0ms, period 1.00 sec). Worst all time event 2ms.\n"+
		"3. fast-command: 1 latency spikes (average 1ms, mean deviation 0ms, period 1.00 sec). Worst all time event 1ms.\n"+
		"\nI have a few advices for you:\n\n"+
		"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n"), r)
	assert.Contains(t, r, "- The system is slow to execute Redis code paths")
	assert.Contains(t, r, "try to set the 'hz' configuration parameter to 100")
	assert.NotContains(t, latencyReport(events, 1, 10000, 100, false, false, 100), "'hz'")
	assert.Contains(t, latencyReport(events, 1, -1, 10, false, false, 100), "Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 1000'")
}

func latencyReply(t *testing.T, rc *rawConn, args ...string) resp.Value {
	t.Helper()
	v, err := resp.ParseReply([]byte(rc.do(args...)))
	require.NoError(t, err)
	return v
}

// histogramCalls reads LATENCY HISTOGRAM's reply (RESP2) as command ->
// calls, checking each histogram ends at its call count.
func histogramCalls(t *testing.T, rc *rawConn, args ...string) map[string]int64 {
	t.Helper()
	v := latencyReply(t, rc, append([]string{"LATENCY", "HISTOGRAM"}, args...)...)
	require.Equal(t, byte('*'), v.Kind)
	out := map[string]int64{}
	for i := 0; i+1 < len(v.Array); i += 2 {
		h := v.Array[i+1].Array
		require.Len(t, h, 4)
		require.Equal(t, "calls", h[0].Str)
		require.Equal(t, "histogram_usec", h[2].Str)
		buckets := h[3].Array
		require.NotEmpty(t, buckets)
		assert.Equal(t, h[1].Int, buckets[len(buckets)-1].Int, "%s: the last bucket holds every call", v.Array[i].Str)
		out[v.Array[i].Str] = h[1].Int
	}
	return out
}

// Calls are counted on every shard, on coordinators (multi-shard commands,
// EXEC) and merged: the histograms count exactly the calls INFO counts.
func TestLatencyHistogramCountsCalls(t *testing.T) {
	srv := testServer(t, 3)
	rc := testRaw(t, srv)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		rc.do("SET", k, "1")
		rc.do("GET", k)
	}
	rc.do("MSET", "a", "1", "b", "2", "c", "3")
	rc.do("MULTI")
	rc.do("INCR", "a")
	rc.do("INCR", "b")
	rc.do("EXEC")
	rc.do("EXEC") // no MULTI: a call of EXEC all the same
	rc.do("CONFIG", "GET", "hz")
	got := histogramCalls(t, rc)
	assert.Equal(t, map[string]int64{"set": 5, "get": 5, "mset": 1, "multi": 1, "incr": 2, "exec": 2, "config|get": 1}, got)
	assert.Equal(t, map[string]int64{"set": 5, "mset": 1}, histogramCalls(t, rc, "set", "nosuch", "get|x", "MSET"))
	assert.Equal(t, map[string]int64{"config|get": 1}, histogramCalls(t, rc, "config"))
	assert.Equal(t, map[string]int64{"config|get": 1}, histogramCalls(t, rc, "CONFIG|GET"))
	assert.Equal(t, "*0\r\n", rc.do("LATENCY", "HISTOGRAM", "nosuch"))
	assert.True(t, strings.HasPrefix(rc.do("LATENCY", "HISTOGRAM", "set", "set"), "*4\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:5\r\n"), "a command named twice is listed twice")

	info := rc.do("INFO", "latencystats")
	assert.Contains(t, info, "# Latencystats\r\n")
	assert.Regexp(t, `\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n`, info)
	assert.Contains(t, info, "\r\nlatency_percentiles_usec_config|get:p50=")
	assert.NotContains(t, rc.do("INFO"), "Latencystats", "not a default section")
	assert.Contains(t, rc.do("INFO", "everything"), "# Latencystats\r\nlatency_percentiles_usec_")

	rc.do("CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.5 100")
	assert.Regexp(t, `\r\nlatency_percentiles_usec_get:p0=\d+\.\d{3},p12\.5=\d+\.\d{3},p100=\d+\.\d{3}\r\n`, rc.do("INFO", "latencystats"))

	// Off, nothing is recorded nor shown; the histograms stay.
	rc.do("CONFIG", "SET", "latency-tracking", "no")
	rc.do("SET", "a", "2")
	assert.Contains(t, rc.do("INFO", "latencystats"), "# Latencystats\r\n\r\n")
	assert.Equal(t, int64(5), histogramCalls(t, rc, "set")["set"])
	rc.do("CONFIG", "SET", "latency-tracking", "yes")
	rc.do("SET", "a", "3")
	assert.Equal(t, int64(6), histogramCalls(t, rc, "set")["set"])

	// RESETSTAT clears them; it counts itself, once done.
	rc.do("CONFIG", "RESETSTAT")
	assert.Equal(t, map[string]int64{"config|resetstat": 1}, histogramCalls(t, rc))
}

func TestLatencyMonitorCommands(t *testing.T) {
	srv := testServer(t, 2, "--enable-debug-command", "yes")
	rc := testRaw(t, srv)
	assert.Equal(t, "*0\r\n", rc.do("LATENCY", "LATEST"))
	rc.do("DEBUG", "SLEEP", "0.01")
	assert.Equal(t, "*0\r\n", rc.do("LATENCY", "LATEST"), "the monitor is off at threshold 0")

	// A threshold far above what the other commands take.
	rc.do("CONFIG", "SET", "latency-monitor-threshold", "100")
	rc.do("DEBUG", "SLEEP", "0.15")
	latest := latencyReply(t, rc, "LATENCY", "LATEST")
	require.Len(t, latest.Array, 1)
	e := latest.Array[0].Array
	require.Len(t, e, 4)
	assert.Equal(t, "command", e[0].Str)
	assert.InDelta(t, time.Now().Unix(), e[1].Int, 60)
	assert.GreaterOrEqual(t, e[2].Int, int64(150))
	assert.Equal(t, e[2].Int, e[3].Int)

	hist := latencyReply(t, rc, "LATENCY", "HISTORY", "command")
	require.NotEmpty(t, hist.Array)
	assert.Equal(t, []resp.Value{{Kind: ':', Int: e[1].Int}, {Kind: ':', Int: e[2].Int}}, hist.Array[len(hist.Array)-1].Array)
	assert.Equal(t, "*0\r\n", rc.do("LATENCY", "HISTORY", "fast-command"))
	assert.True(t, strings.HasPrefix(latencyReply(t, rc, "LATENCY", "GRAPH", "command").Str, "command - high "))
	assert.Equal(t, "-ERR No samples available for event 'nosuch'\r\n", rc.do("LATENCY", "GRAPH", "nosuch"))
	assert.Contains(t, latencyReply(t, rc, "LATENCY", "DOCTOR").Str, "1. command: 1 latency spikes")

	// EXEC and the commands it runs are sampled too (neither is fast).
	rc.do("LATENCY", "RESET")
	rc.do("MULTI")
	rc.do("DEBUG", "SLEEP", "0.15")
	rc.do("EXEC")
	latest = latencyReply(t, rc, "LATENCY", "LATEST")
	require.Len(t, latest.Array, 1)
	assert.Equal(t, "command", latest.Array[0].Array[0].Str)
	assert.Equal(t, ":1\r\n", rc.do("LATENCY", "RESET", "COMMAND", "other", "command"))
	assert.Equal(t, "*0\r\n", rc.do("LATENCY", "LATEST"))

	rc.do("DEBUG", "SLEEP", "0.15")
	rc.do("CONFIG", "RESETSTAT")
	assert.Len(t, latencyReply(t, rc, "LATENCY", "LATEST").Array, 1, "RESETSTAT keeps the events")

	srv.latencySample("fast-command", 700)
	srv.latencySample("fast-command", 400)
	srv.latencySample("fast-command", 99) // under the threshold
	fast, ok := srv.ext().latency.event("fast-command")
	require.True(t, ok)
	assert.Equal(t, int64(700), fast.max)
	srv.latencySince("expire-cycle", time.Now().Add(-2*time.Second))
	cycle, ok := srv.ext().latency.event("expire-cycle")
	require.True(t, ok)
	assert.GreaterOrEqual(t, cycle.max, int64(2000))
	assert.Equal(t, ":3\r\n", rc.do("LATENCY", "RESET"))
}

func TestLatencyRESP3(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	rc.do("HELLO", "3")
	rc.do("SET", "a", "1")
	assert.Regexp(t, `^%1\r\n\$3\r\nset\r\n%2\r\n\$5\r\ncalls\r\n:1\r\n\$14\r\nhistogram_usec\r\n%1\r\n:\d+\r\n:1\r\n$`, rc.do("LATENCY", "HISTOGRAM", "set"))
	assert.Equal(t, "%0\r\n", rc.do("LATENCY", "HISTOGRAM", "nosuch"))
	assert.True(t, strings.HasPrefix(rc.do("LATENCY", "DOCTOR"), "=")) // verbatim
}

// Histograms are read while other connections record into them: INFO and
// LATENCY HISTOGRAM copy them on each shard's own loop.
func TestLatencyHistogramConcurrent(t *testing.T) {
	srv := testServer(t, 3)
	const writers, calls = 3, 200
	done := make(chan error)
	for w := range writers {
		c := testClient(t, srv)
		go func() {
			var err error
			for i := 0; i < calls && err == nil; i++ {
				err = c.Set(ctxb(), "k"+string(rune('a'+w))+string(rune('a'+i%26)), "v", 0).Err()
			}
			done <- err
		}()
	}
	reader := testRaw(t, srv)
	for range 20 {
		assert.Contains(t, reader.do("INFO", "latencystats"), "# Latencystats")
		histogramCalls(t, reader)
	}
	for range writers {
		require.NoError(t, <-done)
	}
	assert.Equal(t, int64(writers*calls), histogramCalls(t, reader, "set")["set"])
}
