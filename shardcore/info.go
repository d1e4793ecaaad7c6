package shardcore

import (
	"bytes"
	"hash/fnv"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// INFO. Per-shard numbers are collected on each shard's loop (INFO runs over
// every shard); server-wide ones come from atomics and the runtime.

// AddInfo adds fields to an INFO section: one of server, clients, memory,
// persistence, stats, replication, cpu, cluster, keyspace, or any other name
// for a section of its own, shown by default. A field INFO already prints is
// replaced in place; others are appended. fn runs on INFO's coordinator
// goroutine while every shard is held: it must be safe for concurrent use and
// must not wait for the shards.
func (srv *Server) AddInfo(section string, fn func() [][2]string) {
	e := srv.ext()
	e.infoMu.Lock()
	e.infoExtra = append(e.infoExtra, infoExtra{strings.ToLower(section), fn})
	e.infoMu.Unlock()
}

type infoExtra struct {
	section string
	fn      func() [][2]string
}

// infoSection names a built-in section; inDefault marks those of a bare INFO.
type infoSectionDef struct {
	name, title string
	inDefault   bool
}

// infoSections are the built-in sections, in Redis's order.
var infoSections = []infoSectionDef{
	{"server", "Server", true},
	{"clients", "Clients", true},
	{"memory", "Memory", true},
	{"persistence", "Persistence", true},
	{"stats", "Stats", true},
	{"replication", "Replication", true},
	{"cpu", "CPU", true},
	{"modules", "Modules", true},
	{"commandstats", "Commandstats", false},
	{"errorstats", "Errorstats", true},
	{"latencystats", "Latencystats", false},
	{"cluster", "Cluster", true},
	{"keyspace", "Keyspace", true},
}

// infoSelection is what INFO's arguments ask for (genInfoSectionDict).
type infoSelection struct {
	all   bool
	names map[string]bool
}

func parseInfoArgs(args [][]byte) infoSelection {
	sel := infoSelection{names: map[string]bool{}}
	if len(args) == 0 {
		sel.names["default"] = true
	}
	for _, a := range args {
		switch n := lower(a); n {
		case "all", "everything":
			sel.all = true
		case "module_list":
			sel.names["modules"] = true
		default:
			sel.names[n] = true
		}
	}
	return sel
}

func (sel infoSelection) wants(name string, inDefault bool) bool {
	return sel.all || sel.names[name] || (inDefault && sel.names["default"])
}

// shardInfo is one shard's share of INFO, gathered on its loop.
type shardInfo struct {
	keys, expires []int64
	dataMem       int64
	cmds          map[*Command]cmdStat
	errs          map[string]int64
	errTotal      int64
	hits, misses  int64
	expired       int64
	maxIn, maxOut int64
	clientMem     int64
	utime, stime  time.Duration
	blocked       int64 // clients parked in a blocking command
	inTimeout     int64 // those of them with a timeout
	lat           map[*Command]*latencyHist
}

func collectShardInfo(s *Shard) shardInfo {
	si := shardInfo{
		keys:      make([]int64, len(s.dbs)),
		expires:   make([]int64, len(s.dbs)),
		cmds:      make(map[*Command]cmdStat, len(s.stats.cmds)),
		errs:      maps.Clone(s.stats.errs),
		errTotal:  s.stats.errTotal,
		hits:      s.stats.hits,
		misses:    s.stats.misses,
		expired:   s.stats.expiredKeys,
		blocked:   int64(s.blk.blocked + s.pausedClients() + s.waitingAOF),
		inTimeout: int64(s.blk.inTimeout),
	}
	for i, db := range s.dbs {
		si.keys[i] = int64(db.Len())
		si.expires[i] = int64(db.ExpiresLen())
		si.dataMem += db.MemoryUsage()
	}
	for cmd, st := range s.stats.cmds {
		si.cmds[cmd] = *st
	}
	for _, c := range s.conns {
		in, out := int64(cap(c.rbuf)), int64(cap(c.wbuf))
		si.maxIn = max(si.maxIn, in)
		si.maxOut = max(si.maxOut, int64(len(c.wbuf)))
		si.clientMem += in + out
	}
	// The shard loop owns its OS thread, so this is the shard's CPU time.
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) == nil {
		si.utime, si.stime = tvDuration(ru.Utime), tvDuration(ru.Stime)
	}
	return si
}

func tvDuration(tv unix.Timeval) time.Duration {
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
}

// shardCalls is the number of commands a shard executed.
func shardCalls(st *shardStats) int64 {
	var n int64
	for _, cs := range st.cmds {
		n += cs.calls
	}
	return n
}

func cmdInfo(m *Multi) {
	sel := parseInfoArgs(m.Args[1:])
	e := m.srv.ext()
	e.startSampler()
	var shards []shardInfo
	lat := sel.wants("latencystats", false)
	for _, v := range m.Each(func(c *Ctx) any {
		si := collectShardInfo(c.S)
		if lat {
			si.lat = c.S.stats.latencyCopy()
		}
		return si
	}) {
		shards = append(shards, v.(shardInfo))
	}
	m.W.Verbatim("txt", e.renderInfo(sel, shards))
}

// infoFields is one section under construction.
type infoFields [][2]string

func (f *infoFields) add(k string, v any) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case bool:
		s = "0"
		if v {
			s = "1"
		}
	case float64:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	*f = append(*f, [2]string{k, s})
}

// merge applies AddInfo fields: same name replaces, new names append.
func (f *infoFields) merge(extra [][2]string) {
	for _, kv := range extra {
		i := slices.IndexFunc(*f, func(x [2]string) bool { return x[0] == kv[0] })
		if i >= 0 {
			(*f)[i][1] = kv[1]
		} else {
			*f = append(*f, kv)
		}
	}
}

func (e *serverExt) renderInfo(sel infoSelection, shards []shardInfo) []byte {
	e.infoMu.Lock()
	extras := slices.Clone(e.infoExtra)
	e.infoMu.Unlock()
	var b bytes.Buffer
	section := func(title string, fields infoFields) {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + title + "\r\n")
		for _, kv := range fields {
			b.WriteString(kv[0])
			b.WriteByte(':')
			b.WriteString(kv[1])
			b.WriteString("\r\n")
		}
	}
	extraFor := func(name string) [][2]string {
		var out [][2]string
		for _, x := range extras {
			if x.section == name {
				out = append(out, x.fn()...)
			}
		}
		return out
	}
	for _, s := range infoSections {
		if !sel.wants(s.name, s.inDefault) {
			continue
		}
		fields := e.infoSection(s.name, shards)
		fields.merge(extraFor(s.name))
		section(s.title, fields)
	}
	var own []string
	for _, x := range extras {
		known := slices.ContainsFunc(infoSections, func(s infoSectionDef) bool { return s.name == x.section })
		if !known && !slices.Contains(own, x.section) && sel.wants(x.section, true) {
			own = append(own, x.section)
		}
	}
	for _, name := range own {
		var fields infoFields
		fields.merge(extraFor(name))
		section(strings.ToUpper(name[:1])+name[1:], fields)
	}
	return b.Bytes()
}

func (e *serverExt) infoSection(name string, shards []shardInfo) infoFields {
	srv := e.srv
	cfg := srv.config()
	var f infoFields
	switch name {
	case "server":
		now := time.Now()
		uptime := int64(now.Sub(srv.start).Seconds())
		exe, _ := os.Executable()
		f.add("redis_version", Version)
		f.add("redis_git_sha1", buildSHA)
		f.add("redis_git_dirty", buildDirty)
		f.add("redis_build_id", buildID)
		f.add("redis_mode", "standalone")
		f.add("os", osName())
		f.add("arch_bits", strconv.Itoa(strconv.IntSize))
		f.add("monotonic_clock", "POSIX clock_gettime")
		f.add("multiplexing_api", "epoll")
		f.add("atomicvar_api", "c11-builtin")
		f.add("gcc_version", "0.0.0")
		f.add("go_version", runtime.Version())
		f.add("process_id", os.Getpid())
		f.add("process_supervised", cfg.Supervised)
		f.add("run_id", srv.runID)
		f.add("tcp_port", srv.port)
		f.add("server_time_usec", now.UnixMicro())
		f.add("uptime_in_seconds", uptime)
		f.add("uptime_in_days", uptime/86400)
		f.add("hz", cfg.HZ)
		f.add("configured_hz", cfg.HZ)
		f.add("lru_clock", now.Unix()&(1<<24-1))
		f.add("executable", exe)
		f.add("config_file", cfg.Source)
		f.add("io_threads_active", 0)
		f.add("shards", srv.n)
	case "clients":
		var maxIn, maxOut, blocked, inTimeout int64
		for _, s := range shards {
			maxIn, maxOut = max(maxIn, s.maxIn), max(maxOut, s.maxOut)
			blocked += s.blocked
			inTimeout += s.inTimeout
		}
		f.add("connected_clients", srv.clients.Load())
		f.add("cluster_connections", 0)
		f.add("maxclients", cfg.MaxClients)
		f.add("client_recent_max_input_buffer", maxIn)
		f.add("client_recent_max_output_buffer", maxOut)
		f.add("blocked_clients", blocked)
		f.add("tracking_clients", 0)
		f.add("clients_in_timeout_table", inTimeout)
	case "memory":
		e.memorySection(&f, cfg.MaxMemory, cfg.MaxMemoryPolicy, shards)
	case "persistence":
		status := "ok"
		if srv.persist.WriteError() != "" {
			status = "err"
		}
		f.add("loading", srv.loading.Load())
		f.add("async_loading", 0)
		f.add("current_cow_peak", 0)
		f.add("current_cow_size", 0)
		f.add("current_cow_size_age", 0)
		f.add("current_fork_perc", 0.0)
		f.add("current_save_keys_processed", 0)
		f.add("current_save_keys_total", 0)
		ck := srv.ckInfo()
		f.add("rdb_changes_since_last_save", srv.dirty.Load()-ck.dirtySaved)
		f.add("rdb_bgsave_in_progress", ck.running && !ck.rewrite)
		f.add("rdb_last_save_time", srv.lastSave.Load())
		f.add("rdb_last_bgsave_status", okErr(ck.lastFailed))
		f.add("rdb_last_bgsave_time_sec", ck.lastSec)
		f.add("rdb_current_bgsave_time_sec", ck.currentSec(!ck.rewrite))
		f.add("rdb_saves", ck.saves)
		f.add("rdb_last_cow_size", 0)
		f.add("rdb_last_load_keys_expired", 0)
		f.add("rdb_last_load_keys_loaded", 0)
		f.add("aof_enabled", cfg.AppendOnly)
		f.add("aof_rewrite_in_progress", ck.running && ck.rewrite)
		f.add("aof_rewrite_scheduled", ck.rewriteScheduled)
		f.add("aof_last_rewrite_time_sec", ck.rewriteSec)
		f.add("aof_current_rewrite_time_sec", ck.currentSec(ck.rewrite))
		f.add("aof_last_bgrewrite_status", okErr(ck.rewriteFailed))
		f.add("aof_rewrites", ck.rewrites)
		f.add("aof_rewrites_consecutive_failures", ck.rewriteFailures)
		f.add("aof_last_write_status", status)
		f.add("aof_last_cow_size", 0)
		f.add("module_fork_in_progress", 0)
		f.add("module_fork_last_cow_size", 0)
		// The log reports its own fields (aof_enabled, sizes, fsync state).
		var own [][2]string
		for _, l := range srv.persist.Info(nil) {
			if k, v, ok := strings.Cut(l, ":"); ok {
				own = append(own, [2]string{k, v})
			}
		}
		f.merge(own)
		f.add("checkpoint_in_progress", ck.running)
		f.add("checkpoint_last_id", ck.lastID)
		f.add("checkpoint_last_keys", ck.lastKeys)
		f.add("checkpoint_last_bytes", ck.lastBytes)
		f.add("checkpoint_last_cow_keys", ck.lastCow)
		f.add("checkpoint_last_duration_ms", ck.lastMs)
		f.add("checkpoint_saves", ck.saves)
	case "stats":
		var calls, errs, hits, misses, expired int64
		for _, s := range shards {
			for _, cs := range s.cmds {
				calls += cs.calls
			}
			errs += s.errTotal
			hits += s.hits
			misses += s.misses
			expired += s.expired
		}
		ops, in, out := e.metrics.values()
		st := &srv.stats
		f.add("total_connections_received", st.totalConns.Load())
		f.add("total_commands_processed", calls)
		f.add("instantaneous_ops_per_sec", ops)
		netIn, netOut, reads, writes := srv.netTotals()
		f.add("total_net_input_bytes", netIn)
		f.add("total_net_output_bytes", netOut)
		f.add("total_net_repl_input_bytes", 0)
		f.add("total_net_repl_output_bytes", 0)
		f.add("instantaneous_input_kbps", float64(in)/1024)
		f.add("instantaneous_output_kbps", float64(out)/1024)
		f.add("instantaneous_input_repl_kbps", 0.0)
		f.add("instantaneous_output_repl_kbps", 0.0)
		f.add("rejected_connections", st.rejectedConns.Load())
		f.add("sync_full", 0)
		f.add("sync_partial_ok", 0)
		f.add("sync_partial_err", 0)
		f.add("expired_keys", expired)
		f.add("expired_stale_perc", 0.0)
		f.add("expired_time_cap_reached_count", 0)
		f.add("expire_cycle_cpu_milliseconds", 0)
		f.add("evicted_keys", 0)
		f.add("evicted_clients", 0)
		f.add("total_eviction_exceeded_time", 0)
		f.add("current_eviction_exceeded_time", 0)
		f.add("keyspace_hits", hits)
		f.add("keyspace_misses", misses)
		chans, pats, shardChans := srv.pubsub().sizes()
		f.add("pubsub_channels", chans)
		f.add("pubsub_patterns", pats)
		f.add("pubsubshard_channels", shardChans)
		f.add("latest_fork_usec", 0)
		f.add("total_forks", 0)
		f.add("migrate_cached_sockets", 0)
		f.add("slave_expires_tracked_keys", 0)
		f.add("active_defrag_hits", 0)
		f.add("active_defrag_misses", 0)
		f.add("active_defrag_key_hits", 0)
		f.add("active_defrag_key_misses", 0)
		f.add("total_active_defrag_time", 0)
		f.add("current_active_defrag_time", 0)
		f.add("tracking_total_keys", 0)
		f.add("tracking_total_items", 0)
		f.add("tracking_total_prefixes", 0)
		f.add("unexpected_error_replies", 0)
		f.add("total_error_replies", errs)
		f.add("dump_payload_sanitizations", 0)
		f.add("total_reads_processed", reads)
		f.add("total_writes_processed", writes)
		f.add("io_threaded_reads_processed", 0)
		f.add("io_threaded_writes_processed", 0)
	case "replication":
		f.add("role", "master")
		f.add("connected_slaves", 0)
		f.add("master_failover_state", "no-failover")
		f.add("master_replid", srv.runID)
		f.add("master_replid2", strings.Repeat("0", 40))
		f.add("master_repl_offset", 0)
		f.add("second_repl_offset", -1)
		f.add("repl_backlog_active", 0)
		f.add("repl_backlog_size", 1048576)
		f.add("repl_backlog_first_byte_offset", 0)
		f.add("repl_backlog_histlen", 0)
	case "cpu":
		var self, children unix.Rusage
		_ = unix.Getrusage(unix.RUSAGE_SELF, &self)
		_ = unix.Getrusage(unix.RUSAGE_CHILDREN, &children)
		var ut, st time.Duration
		for _, s := range shards {
			ut += s.utime
			st += s.stime
		}
		f.add("used_cpu_sys", cpuSeconds(tvDuration(self.Stime)))
		f.add("used_cpu_user", cpuSeconds(tvDuration(self.Utime)))
		f.add("used_cpu_sys_children", cpuSeconds(tvDuration(children.Stime)))
		f.add("used_cpu_user_children", cpuSeconds(tvDuration(children.Utime)))
		f.add("used_cpu_sys_main_thread", cpuSeconds(st))
		f.add("used_cpu_user_main_thread", cpuSeconds(ut))
	case "commandstats":
		total := map[*Command]cmdStat{}
		for _, s := range shards {
			for cmd, cs := range s.cmds {
				t := total[cmd]
				t.calls += cs.calls
				t.usec += cs.usec
				t.rejected += cs.rejected
				t.failed += cs.failed
				total[cmd] = t
			}
		}
		type row struct {
			name string
			st   cmdStat
		}
		rows := make([]row, 0, len(total))
		for cmd, st := range total {
			rows = append(rows, row{cmd.fullName(), st})
		}
		slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.name, b.name) })
		for _, r := range rows {
			per := 0.0
			if r.st.calls > 0 {
				per = float64(r.st.usec) / float64(r.st.calls)
			}
			f.add("cmdstat_"+r.name, "calls="+itoa(r.st.calls)+",usec="+itoa(r.st.usec)+
				",usec_per_call="+strconv.FormatFloat(per, 'f', 2, 64)+",rejected_calls="+itoa(r.st.rejected)+
				",failed_calls="+itoa(r.st.failed))
		}
	case "errorstats":
		// Each shard caps its own codes; the merged section keeps Redis's cap.
		total := map[string]int64{}
		for _, s := range shards {
			for code, n := range s.errs {
				total[code] += n
			}
		}
		codes := slices.Sorted(maps.Keys(total))
		for _, code := range codes[:min(len(codes), errCodesMax)] {
			f.add("errorstat_"+code, "count="+itoa(total[code]))
		}
	case "latencystats":
		f = latencyInfo(cfg.LatencyTracking, cfg.LatencyTrackingInfoPercentiles, shards)
	case "cluster":
		f.add("cluster_enabled", 0)
	case "keyspace":
		if len(shards) == 0 {
			break
		}
		for db := range shards[0].keys {
			var keys, expires int64
			for _, s := range shards {
				keys += s.keys[db]
				expires += s.expires[db]
			}
			if keys > 0 {
				f.add("db"+strconv.Itoa(db), "keys="+itoa(keys)+",expires="+itoa(expires)+",avg_ttl=0")
			}
		}
	}
	return f
}

func cpuSeconds(d time.Duration) string {
	us := d.Microseconds()
	frac := strconv.FormatInt(us%1e6, 10)
	return strconv.FormatInt(us/1e6, 10) + "." + strings.Repeat("0", 6-len(frac)) + frac
}

// memorySection reports the Go heap as the allocator: used_memory is the
// bytes of live heap objects (keys, values and everything else keel
// allocates), used_memory_dataset the share the keyspaces account for.
func (e *serverExt) memorySection(f *infoFields, maxMem uint64, policy string, shards []shardInfo) {
	ms := readMemory()
	used := ms.objects
	peak := e.notePeak(used)
	var dataset, clients int64
	for _, s := range shards {
		dataset += s.dataMem
		clients += s.clientMem
	}
	dataset = min(dataset, used)
	rss := residentBytes()
	var sys unix.Sysinfo_t
	var totalSys int64
	if unix.Sysinfo(&sys) == nil {
		totalSys = int64(sys.Totalram) * int64(sys.Unit)
	}
	f.add("used_memory", used)
	f.add("used_memory_human", bytesToHuman(used))
	f.add("used_memory_rss", rss)
	f.add("used_memory_rss_human", bytesToHuman(rss))
	f.add("used_memory_peak", peak)
	f.add("used_memory_peak_human", bytesToHuman(peak))
	f.add("used_memory_peak_perc", strconv.FormatFloat(ratio(used*100, peak), 'f', 2, 64)+"%")
	f.add("used_memory_overhead", used-dataset)
	f.add("used_memory_startup", startupHeap)
	f.add("used_memory_dataset", dataset)
	f.add("used_memory_dataset_perc", strconv.FormatFloat(ratio(dataset*100, used), 'f', 2, 64)+"%")
	f.add("allocator_allocated", used)
	f.add("allocator_active", ms.active)
	f.add("allocator_resident", ms.resident)
	f.add("total_system_memory", totalSys)
	f.add("total_system_memory_human", bytesToHuman(totalSys))
	f.add("maxmemory", int64(maxMem))
	f.add("maxmemory_human", bytesToHuman(int64(maxMem)))
	f.add("maxmemory_policy", policy)
	f.add("allocator_frag_ratio", ratio(ms.active, used))
	f.add("allocator_frag_bytes", ms.active-used)
	f.add("allocator_rss_ratio", ratio(ms.resident, ms.active))
	f.add("allocator_rss_bytes", ms.resident-ms.active)
	f.add("rss_overhead_ratio", ratio(rss, ms.resident))
	f.add("rss_overhead_bytes", rss-ms.resident)
	f.add("mem_fragmentation_ratio", ratio(rss, used))
	f.add("mem_fragmentation_bytes", rss-used)
	f.add("mem_not_counted_for_evict", 0)
	f.add("mem_replication_backlog", 0)
	f.add("mem_total_replication_buffers", 0)
	f.add("mem_clients_slaves", 0)
	f.add("mem_clients_normal", clients)
	f.add("mem_cluster_links", 0)
	f.add("mem_aof_buffer", 0)
	f.add("mem_allocator", runtime.Version())
	f.add("active_defrag_running", 0)
	f.add("lazyfree_pending_objects", 0)
	f.add("lazyfreed_objects", 0)
}

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (e *serverExt) notePeak(used int64) int64 {
	for {
		p := e.peakMem.Load()
		if used <= p {
			return p
		}
		if e.peakMem.CompareAndSwap(p, used) {
			return used
		}
	}
}

type memoryStats struct {
	objects, active, resident int64
}

var memMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

// readMemory reads the runtime's memory classes; unlike ReadMemStats it
// does not stop the world.
func readMemory() memoryStats {
	samples := make([]metrics.Sample, len(memMetrics))
	for i, name := range memMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	v := func(i int) int64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(samples[i].Value.Uint64())
	}
	objects := v(0)
	return memoryStats{objects: objects, active: objects + v(1), resident: v(2) - v(3)}
}

func heapInUse() int64 { return readMemory().objects }

// startupHeap is the heap once the program is initialised, before any
// server holds data: INFO's used_memory_startup.
var startupHeap = heapInUse()

// residentBytes is the process RSS, from /proc/self/statm (pages).
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// bytesToHuman formats as Redis's bytesToHuman.
func bytesToHuman(n int64) string {
	d := float64(n)
	const k = 1024.0
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return strconv.FormatFloat(d/k, 'f', 2, 64) + "K"
	case n < 1024*1024*1024:
		return strconv.FormatFloat(d/(k*k), 'f', 2, 64) + "M"
	case n < 1024*1024*1024*1024:
		return strconv.FormatFloat(d/(k*k*k), 'f', 2, 64) + "G"
	case n < 1024*1024*1024*1024*1024:
		return strconv.FormatFloat(d/(k*k*k*k), 'f', 2, 64) + "T"
	case n < 1024*1024*1024*1024*1024*1024:
		return strconv.FormatFloat(d/(k*k*k*k*k), 'f', 2, 64) + "P"
	}
	return strconv.FormatInt(n, 10) + "B"
}

func osName() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOOS
	}
	str := func(b []byte) string {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	return str(u.Sysname[:]) + " " + str(u.Release[:]) + " " + str(u.Machine[:])
}

// Build identity for the server section, from the binary's VCS stamp.
var buildSHA, buildDirty, buildID = func() (string, string, string) {
	sha, dirty := "00000000", "0"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 8:
				sha = s.Value[:8]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "1"
			}
		}
	}
	h := fnv.New64a()
	h.Write([]byte(Version + runtime.Version() + sha + dirty))
	return sha, dirty, strconv.FormatUint(h.Sum64(), 16)
}()

// Instantaneous metrics, as Redis's trackInstantaneousMetric: a sample of
// the rate every 100ms, reported as the mean of the last 16.
const (
	metricSamples  = 16
	metricInterval = 100 * time.Millisecond
)

type instMetric struct {
	lastAt    time.Time
	lastCount int64
	samples   [metricSamples]int64
	idx       int
}

func (m *instMetric) track(now time.Time, count int64) {
	if !m.lastAt.IsZero() {
		if ms := now.Sub(m.lastAt).Milliseconds(); ms > 0 {
			m.samples[m.idx] = max(count-m.lastCount, 0) * 1000 / ms
			m.idx = (m.idx + 1) % metricSamples
		}
	}
	m.lastAt, m.lastCount = now, count
}

func (m *instMetric) value() int64 {
	var sum int64
	for _, s := range m.samples {
		sum += s
	}
	return sum / metricSamples
}

type instMetrics struct {
	mu                 sync.Mutex
	ops, netIn, netOut instMetric
}

func (im *instMetrics) track(now time.Time, ops, in, out int64) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.ops.track(now, ops)
	im.netIn.track(now, in)
	im.netOut.track(now, out)
}

func (im *instMetrics) values() (ops, in, out int64) {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.ops.value(), im.netIn.value(), im.netOut.value()
}

func (im *instMetrics) reset() {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.ops, im.netIn, im.netOut = instMetric{}, instMetric{}, instMetric{}
}

// startSampler begins sampling on the first INFO: a goroutine reads each
// shard's command count on its loop every 100ms until the server stops.
func (e *serverExt) startSampler() {
	e.sampling.Do(func() { go e.sample() })
}

func (e *serverExt) sample() {
	t := time.NewTicker(metricInterval)
	defer t.Stop()
	for {
		select {
		case <-e.srv.stopped:
			return
		case <-t.C:
		}
		counts, ok := e.srv.gather(func(s *Shard) any { return shardCalls(&s.stats) })
		if !ok {
			return
		}
		var ops int64
		for _, n := range counts {
			ops += n.(int64)
		}
		in, out, _, _ := e.srv.netTotals()
		e.metrics.track(time.Now(), ops, in, out)
		e.notePeak(heapInUse())
	}
}
