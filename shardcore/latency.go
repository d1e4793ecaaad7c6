package shardcore

import (
	"bytes"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) and
// the latency monitor (LATENCY LATEST, HISTORY, GRAPH, DOCTOR, RESET).
//
// A histogram has the layout of the HdrHistogram Redis keeps per command
// (values 1 ns to 1 s, 2 significant digits): 128 exact counters for 0..127,
// then one chunk of 128 counters for each power of two, each counter covering
// 2^(chunk-1) values. Reporting walks it as Redis's hdr_value_at_percentile
// and logarithmic iterator do, so the numbers keel prints are the ones Redis
// would print for the same durations. Chunks are allocated when first hit: a
// command's calls span a few powers of two, and every shard keeps its own.

const (
	histSubMag  = 7
	histSub     = 1 << histSubMag // counters per chunk
	histChunks  = 24              // enough for histMax
	histLen     = histChunks * histSub
	histMaxNano = int64(time.Second)
)

type latencyHist struct {
	total  int64
	chunks [histChunks]*[histSub]int64
}

// histIndex is the counter of value v, as HdrHistogram's counts_index_for
// with a 256-counter sub-bucket and a unit of 1.
func histIndex(v int64) int {
	b := bits.Len64(uint64(v)|(2*histSub-1)) - (histSubMag + 1)
	return b<<histSubMag + int(v>>b)
}

// histValue is the lowest value counter i holds (hdr_value_at_index).
func histValue(i int) int64 {
	b := i>>histSubMag - 1
	if b < 0 {
		return int64(i)
	}
	return int64(i&(histSub-1)+histSub) << b
}

// histHighest is the highest value counter i holds.
func histHighest(i int) int64 {
	b := max(i>>histSubMag-1, 0)
	return histValue(i) + 1<<b - 1
}

// add records a call that ran for d. As Redis, the duration is counted in
// whole microseconds (then nanoseconds), clamped to the histogram's range.
func (h *latencyHist) add(d time.Duration) {
	v := min(max(d.Microseconds()*1000, 1), histMaxNano)
	i := histIndex(v)
	c := h.chunks[i>>histSubMag]
	if c == nil {
		c = new([histSub]int64)
		h.chunks[i>>histSubMag] = c
	}
	c[i&(histSub-1)]++
	h.total++
}

func (h *latencyHist) count(i int) int64 {
	if c := h.chunks[i>>histSubMag]; c != nil {
		return c[i&(histSub-1)]
	}
	return 0
}

func (h *latencyHist) clone() *latencyHist {
	out := &latencyHist{total: h.total}
	for i, c := range h.chunks {
		if c != nil {
			cp := *c
			out.chunks[i] = &cp
		}
	}
	return out
}

// merge adds o's counts to h.
func (h *latencyHist) merge(o *latencyHist) {
	h.total += o.total
	for i, c := range o.chunks {
		if c == nil {
			continue
		}
		if h.chunks[i] == nil {
			h.chunks[i] = new([histSub]int64)
		}
		for j, n := range c {
			h.chunks[i][j] += n
		}
	}
}

// percentile is the value at percentile p, as hdr_value_at_percentile.
func (h *latencyHist) percentile(p float64) int64 {
	want := max(int64(min(p, 100)/100*float64(h.total)+0.5), 1)
	var cum int64
	for i := 0; i < histLen; i++ {
		if cum += h.count(i); cum >= want {
			if p == 0 {
				return histValue(i)
			}
			return histHighest(i)
		}
	}
	return 0
}

// cdf calls fn with the cumulative count at each power of two from 1024 ns,
// as Redis's LATENCY HISTOGRAM walks hdr_iter_log: the key is the highest
// value of the counter that starts the level, in microseconds, and levels
// that add nothing are left out.
func (h *latencyHist) cdf(fn func(usec, cum int64)) {
	var cum, prev int64
	i := -1
	for level := int64(1024); cum < h.total; level *= 2 {
		target := histIndex(level)
		if target >= histLen {
			// The iterator runs off the end, onto the last counter.
			fn(histHighest(histLen-1)/1000, h.total)
			return
		}
		for i < target {
			i++
			cum += h.count(i)
		}
		if cum > prev {
			fn(histHighest(target)/1000, cum)
		}
		prev = cum
	}
}

// latencyCopy copies this shard's histograms, on its loop, for INFO and
// LATENCY HISTOGRAM to merge elsewhere.
func (st *shardStats) latencyCopy() map[*Command]*latencyHist {
	out := map[*Command]*latencyHist{}
	for cmd, cs := range st.cmds {
		if cs.hist != nil {
			out[cmd] = cs.hist.clone()
		}
	}
	return out
}

func mergeLatency(parts []map[*Command]*latencyHist) map[*Command]*latencyHist {
	out := map[*Command]*latencyHist{}
	for _, p := range parts {
		for cmd, h := range p {
			if t := out[cmd]; t != nil {
				t.merge(h)
			} else {
				out[cmd] = h
			}
		}
	}
	return out
}

// latencyInfo is INFO's latencystats section: nothing while tracking is off,
// as Redis, though the histograms stay.
func latencyInfo(tracking bool, percentiles []float64, shards []shardInfo) infoFields {
	var f infoFields
	if !tracking {
		return f
	}
	parts := make([]map[*Command]*latencyHist, len(shards))
	for i, s := range shards {
		parts[i] = s.lat
	}
	all := mergeLatency(parts)
	labels := make([]string, len(percentiles))
	for i, p := range percentiles {
		labels[i] = "p" + trimFloat(strconv.FormatFloat(p, 'f', 6, 64))
	}
	for _, cmd := range sortedByFullName(all) {
		h := all[cmd]
		var v strings.Builder
		for i, p := range percentiles {
			if i > 0 {
				v.WriteByte(',')
			}
			v.WriteString(labels[i])
			v.WriteByte('=')
			v.WriteString(strconv.FormatFloat(float64(h.percentile(p))/1000, 'f', 3, 64))
		}
		f.add("latency_percentiles_usec_"+cmd.fullName(), v.String())
	}
	return f
}

// trimFloat drops trailing zeros of a decimal, and its point if they were
// all of the fraction (Redis's trimDoubleString).
func trimFloat(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

func sortedByFullName(m map[*Command]*latencyHist) []*Command {
	cmds := make([]*Command, 0, len(m))
	for cmd := range m {
		cmds = append(cmds, cmd)
	}
	slices.SortFunc(cmds, func(a, b *Command) int { return strings.Compare(a.fullName(), b.fullName()) })
	return cmds
}

// The latency monitor: per event, one sample per second (the highest
// latency seen in it), the last latencyTSLen of them, and the highest ever.
// Samples are rare (only latencies at the threshold or above), so one lock
// per server serves every shard and any other source.

const latencyTSLen = 160

type latencySample struct {
	at, ms int64 // unix seconds, milliseconds
}

type latencySeries struct {
	samples [latencyTSLen]latencySample
	idx     int // the next slot
	max     int64
}

type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencySeries
}

// add is Redis's latencyAddSample.
func (lm *latencyMonitor) add(event string, ms, now int64) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	ts := lm.events[event]
	if ts == nil {
		if lm.events == nil {
			lm.events = map[string]*latencySeries{}
		}
		ts = &latencySeries{}
		lm.events[event] = ts
	}
	ts.max = max(ts.max, ms)
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.at == now {
		prev.ms = max(prev.ms, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{at: now, ms: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// latencyEvent is one event's data as LATENCY reports it.
type latencyEvent struct {
	name    string
	samples []latencySample // oldest first
	max     int64
}

func (ts *latencySeries) ordered() []latencySample {
	var out []latencySample
	for j := 0; j < latencyTSLen; j++ {
		if s := ts.samples[(ts.idx+j)%latencyTSLen]; s.at != 0 {
			out = append(out, s)
		}
	}
	return out
}

// snapshot copies every event, by name.
func (lm *latencyMonitor) snapshot() []latencyEvent {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	out := make([]latencyEvent, 0, len(lm.events))
	for name, ts := range lm.events {
		out = append(out, latencyEvent{name: name, samples: ts.ordered(), max: ts.max})
	}
	slices.SortFunc(out, func(a, b latencyEvent) int { return strings.Compare(a.name, b.name) })
	return out
}

// event copies one event, named exactly.
func (lm *latencyMonitor) event(name string) (latencyEvent, bool) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	ts := lm.events[name]
	if ts == nil {
		return latencyEvent{}, false
	}
	return latencyEvent{name: name, samples: ts.ordered(), max: ts.max}, true
}

// reset drops the events named (case-insensitively), or all with no name,
// and returns how many it dropped.
func (lm *latencyMonitor) reset(names []string) int {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	n := 0
	for name := range lm.events {
		if names == nil || slices.ContainsFunc(names, func(x string) bool { return strings.EqualFold(x, name) }) {
			delete(lm.events, name)
			n++
		}
	}
	return n
}

// latencySample is Redis's latencyAddSampleIfNeeded: ms joins event's
// series when the monitor is on and ms reaches its threshold.
func (srv *Server) latencySample(event string, ms int64) {
	if th := srv.config().LatencyMonitorThreshold; th > 0 && ms >= th {
		srv.ext().latency.add(event, ms, time.Now().Unix())
	}
}

// latencySince samples event with the time since start; deferred, it times
// a whole function.
func (srv *Server) latencySince(event string, start time.Time) {
	srv.latencySample(event, time.Since(start).Milliseconds())
}

// latencyStart begins timing a latency event: the zero time while the
// monitor is off (latency-monitor-threshold 0), so that an idle monitor
// costs a branch and no clock reads.
func (srv *Server) latencyStart() time.Time {
	if srv.config().LatencyMonitorThreshold <= 0 {
		return time.Time{}
	}
	return time.Now()
}

// latencyEnd samples event with the time since a latencyStart that timed.
func (srv *Server) latencyEnd(event string, start time.Time) {
	if !start.IsZero() {
		srv.latencySince(event, start)
	}
}

// latencyProbe is the server's latency monitor as persistence times its
// disk operations with it (durability.LatencyProbe).
type latencyProbe struct{ srv *Server }

func (p latencyProbe) Start() time.Time { return p.srv.latencyStart() }

// End samples event; a log write that ran beside no fsync ran beside a
// checkpoint if one was being written (keel's counterpart of Redis's child
// process), which the log cannot know.
func (p latencyProbe) End(event string, start time.Time) {
	if event == "aof-write-alone" && p.srv.CheckpointRunning() {
		event = "aof-write-active-child"
	}
	p.srv.latencyEnd(event, start)
}

// commandEvent is the monitor's event for a call of cmd, by Redis's
// classification of commands.
func commandEvent(cmd *Command) string {
	if cmd.Flags&FlagFast != 0 {
		return "fast-command"
	}
	return "command"
}

// latencyStats is Redis's analyzeLatencyForEvent.
type latencyStats struct {
	samples, avg, mad, period int64
}

func analyzeLatency(e latencyEvent, now int64) latencyStats {
	var ls latencyStats
	if len(e.samples) == 0 {
		return ls
	}
	var sum int64
	oldest := e.samples[0].at
	for _, s := range e.samples {
		sum += s.ms
		oldest = min(oldest, s.at)
	}
	ls.samples = int64(len(e.samples))
	ls.avg = sum / ls.samples
	ls.period = now - oldest
	if ls.period == 0 {
		ls.period = 1
	}
	var dev int64
	for _, s := range e.samples {
		d := ls.avg - s.ms
		if d < 0 {
			d = -d
		}
		dev += d
	}
	ls.mad = dev / ls.samples
	return ls
}

// latencyReport is LATENCY DOCTOR's text, as Redis's createLatencyReport for
// the events keel samples.
func latencyReport(events []latencyEvent, threshold, slowerThan int64, hz int, fsyncAlways, thp bool, now int64) string {
	if len(events) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	var slowlogEnabled, slowlogTuning, slowlogInspect, scheduler, relaxFsync, moreHz, largeObjects bool
	var localDisk, ssd, dataWriteback, diskContention bool
	advices := 0
	for i, e := range events {
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		ls := analyzeLatency(e, now)
		b.WriteString(strconv.Itoa(i+1) + ". " + e.name + ": " + itoa(ls.samples) + " latency spikes (average " +
			itoa(ls.avg) + "ms, mean deviation " + itoa(ls.mad) + "ms, period " +
			strconv.FormatFloat(float64(ls.period)/float64(ls.samples), 'f', 2, 64) + " sec). Worst all time event " +
			itoa(e.max) + "ms.")
		switch e.name {
		case "command":
			if slowerThan < 0 {
				slowlogEnabled = true
				advices++
			} else if slowerThan/1000 > threshold {
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		case "aof-write-pending-fsync":
			localDisk, diskContention, ssd, dataWriteback = true, true, true, true
			advices += 4
		case "aof-write-active-child":
			// Redis also suggests no-appendfsync-on-rewrite here, which
			// keel accepts but does not act on: its fsyncs never pause.
			dataWriteback, ssd = true, true
			advices += 2
		case "aof-write-alone":
			localDisk, dataWriteback, ssd = true, true, true
			advices += 3
		case "aof-fsync-always":
			relaxFsync = true
			advices++
		case "expire-cycle":
			moreHz, largeObjects = true, true
			advices += 2
		}
		b.WriteByte('\n')
	}
	if thp {
		advices++
	}
	switch {
	case len(events) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case len(events) > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogEnabled {
			b.WriteString("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than " + itoa(threshold*1000) + "'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n")
		}
		if slowlogTuning {
			b.WriteString("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " + itoa(threshold*1000) + "'.\n")
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if localDisk {
			b.WriteString("- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n")
		}
		if ssd {
			b.WriteString("- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n")
		}
		if dataWriteback {
			b.WriteString("- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n")
		}
		if diskContention {
			b.WriteString("- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n")
		}
		if relaxFsync && fsyncAlways {
			b.WriteString("- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n")
		}
		if moreHz && hz < 100 {
			b.WriteString("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if thp {
			b.WriteString("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n")
		}
	}
	return b.String()
}

// anonHugePages reports whether the process has transparent huge pages
// (AnonHugePages in /proc/self/smaps_rollup), which DOCTOR warns about.
func anonHugePages() bool {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return false
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(l, []byte("AnonHugePages:")); ok {
			f := bytes.Fields(rest)
			return len(f) > 0 && string(f[0]) != "0"
		}
	}
	return false
}

// latencyGraph is LATENCY GRAPH's text: a header, then the samples as a
// sparkline four rows high, labelled with their age.
func latencyGraph(e latencyEvent, now int64) string {
	var lo, hi int64
	vals := make([]float64, len(e.samples))
	labels := make([]string, len(e.samples))
	for i, s := range e.samples {
		if i == 0 {
			lo, hi = s.ms, s.ms
		}
		lo, hi = min(lo, s.ms), max(hi, s.ms)
		vals[i] = float64(s.ms)
		switch age := now - s.at; {
		case age < 60:
			labels[i] = itoa(age) + "s"
		case age < 3600:
			labels[i] = itoa(age/60) + "m"
		case age < 86400:
			labels[i] = itoa(age/3600) + "h"
		default:
			labels[i] = itoa(age/86400) + "d"
		}
	}
	out := []byte(e.name + " - high " + itoa(hi) + " ms, low " + itoa(lo) + " ms (all time high " + itoa(e.max) + " ms)\n")
	out = append(out, strings.Repeat("-", latencyGraphCols)+"\n"...)
	return string(sparkline(out, vals, labels, latencyGraphCols, 4))
}

const latencyGraphCols = 80

// sparkline renders values as Redis's sparklineRender with SPARKLINE_FILL:
// rows of "_o#|" characters, blocks of at most columns values, each value's
// label written downwards beneath it.
func sparkline(out []byte, vals []float64, labels []string, columns, rows int) []byte {
	if len(vals) == 0 {
		return out
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	labelled := slices.ContainsFunc(labels, func(l string) bool { return l != "" })
	for j := 0; j < len(vals); j += columns {
		if j != 0 {
			out = append(out, '\n')
		}
		out = sparkRange(out, vals[j:j+min(columns, len(vals)-j)], labels[j:], lo, hi, rows, labelled)
	}
	return out
}

const sparkFill = "_o#"

func sparkRange(out []byte, vals []float64, labels []string, lo, hi float64, rows int, labelled bool) []byte {
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := len(sparkFill) * rows
	chars := make([]byte, len(vals))
	for row := 0; ; row++ {
		more := false
		for j := range chars {
			chars[j] = ' '
		}
		for j, v := range vals {
			// As the C: the scaled value is truncated before the division.
			step := int(float64(int((v-lo)*float64(steps))) / relmax)
			step = min(max(step, 0), steps-1)
			if row < rows {
				more = true
				switch idx := step - (rows-row-1)*len(sparkFill); {
				case idx >= len(sparkFill):
					chars[j] = '|'
				case idx >= 0:
					chars[j] = sparkFill[idx]
				}
				continue
			}
			if labelled && row-rows < 1 {
				more = true
				break // a blank line between the graph and its labels
			}
			if c := row - rows - 1; c < len(labels[j]) {
				more = true
				chars[j] = labels[j][c]
			}
		}
		if !more {
			return out
		}
		out = append(out, chars...)
		out = append(out, '\n')
	}
}
