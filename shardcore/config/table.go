package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// buildOptions is the option table. Names, aliases, bounds, enum orders and
// mutability follow Redis 7.0 unless a comment says otherwise.
func buildOptions() []*option {
	return []*option{
		// Network. keel binds its listeners once per shard at start-up, so
		// port and bind cannot change at run time (Redis allows it).
		numOpt("port", "", immutable, signedInt, 0, 65535, func(c *Config) *int { return &c.Port }),
		bindOption(),
		boolOpt("protected-mode", "", 0, func(c *Config) *bool { return &c.ProtectedMode }),
		numOpt("tcp-backlog", "", immutable, signedInt, 0, intMax, func(c *Config) *int { return &c.TCPBacklog }),
		numOpt("tcp-keepalive", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.TCPKeepalive }),
		numOpt("timeout", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.Timeout }),
		numOpt("maxclients", "", 0, unsignedInt, 1, uintMax, func(c *Config) *int { return &c.MaxClients }),

		// General.
		boolOptValid("daemonize", "", immutable, func(c *Config) *bool { return &c.Daemonize }, func(v bool) error {
			if v {
				return errors.New("keel does not daemonize: run it in the foreground under a supervisor (systemd, Docker, ...)")
			}
			return nil
		}),
		enumOpt("supervised", "", immutable, []string{"upstart", "systemd", "auto", "no"}, nil, func(c *Config) *string { return &c.Supervised }),
		stringOpt("pidfile", "", immutable, true, func(c *Config) *string { return &c.PidFile }, nil),
		enumOpt("loglevel", "", 0, []string{"debug", "verbose", "notice", "warning"}, nil, func(c *Config) *string { return &c.LogLevel }),
		stringOpt("logfile", "", immutable, false, func(c *Config) *string { return &c.LogFile }, nil),
		boolOpt("syslog-enabled", "", immutable, func(c *Config) *bool { return &c.SyslogEnabled }),
		stringOpt("syslog-ident", "", immutable, false, func(c *Config) *string { return &c.SyslogIdent }, nil),
		enumOpt("syslog-facility", "", immutable,
			[]string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, nil,
			func(c *Config) *string { return &c.SyslogFacility }),
		numOpt("databases", "", immutable, signedInt, 1, intMax, func(c *Config) *int { return &c.Databases }),
		numOpt("shards", "", immutable, signedInt, 0, 1024, func(c *Config) *int { return &c.Shards }),
		boolOpt("always-show-logo", "", immutable, func(c *Config) *bool { return &c.AlwaysShowLogo }),
		boolOpt("set-proc-title", "", immutable, func(c *Config) *bool { return &c.SetProcTitle }),
		stringOpt("proc-title-template", "", 0, false, func(c *Config) *string { return &c.ProcTitleTemplate }, validProcTitleTemplate),
		boolOpt("crash-log-enabled", "", 0, func(c *Config) *bool { return &c.CrashLogEnabled }),
		numOpt("shutdown-timeout", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.ShutdownTimeout }),

		// Security.
		stringOpt("requirepass", "", sensitive, true, func(c *Config) *string { return &c.RequirePass }, nil),
		enumOpt("enable-protected-configs", "", immutable, []string{"no", "yes", "local"}, nil, func(c *Config) *string { return &c.EnableProtectedConfigs }),
		enumOpt("enable-debug-command", "", immutable, []string{"no", "yes", "local"}, nil, func(c *Config) *string { return &c.EnableDebugCommand }),
		numOpt("acllog-max-len", "", 0, signedInt, 0, longMax, func(c *Config) *int64 { return &c.AcllogMaxLen }),

		// Memory and client limits.
		numOpt("maxmemory", "", 0, memoryUnsigned, 0, ullongMax, func(c *Config) *uint64 { return &c.MaxMemory }),
		enumOpt("maxmemory-policy", "", 0,
			[]string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, nil,
			func(c *Config) *string { return &c.MaxMemoryPolicy }),
		numOpt("maxmemory-samples", "", 0, signedInt, 1, intMax, func(c *Config) *int { return &c.MaxMemorySamples }),
		numOpt("maxmemory-eviction-tenacity", "", 0, signedInt, 0, 100, func(c *Config) *int { return &c.MaxMemoryEvictionTenacity }),
		numOpt("proto-max-bulk-len", "", 0, memorySigned, 1<<20, longMax, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		numOpt("client-query-buffer-limit", "", 0, memoryUnsigned, 1<<20, longMax, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		clientOutputBufferLimitOption(),

		boolOpt("lazyfree-lazy-eviction", "", 0, func(c *Config) *bool { return &c.LazyfreeLazyEviction }),
		boolOpt("lazyfree-lazy-expire", "", 0, func(c *Config) *bool { return &c.LazyfreeLazyExpire }),
		boolOpt("lazyfree-lazy-server-del", "", 0, func(c *Config) *bool { return &c.LazyfreeLazyServerDel }),
		boolOpt("lazyfree-lazy-user-del", "", 0, func(c *Config) *bool { return &c.LazyfreeLazyUserDel }),
		boolOpt("lazyfree-lazy-user-flush", "", 0, func(c *Config) *bool { return &c.LazyfreeLazyUserFlush }),

		numOpt("io-threads", "", immutable, signedInt, 1, 128, func(c *Config) *int { return &c.IOThreads }),
		boolOpt("io-threads-do-reads", "", immutable, func(c *Config) *bool { return &c.IOThreadsDoReads }),
		enumOpt("oom-score-adj", "", 0, []string{"no", "yes", "relative", "absolute"}, map[string]string{"relative": "yes"},
			func(c *Config) *string { return &c.OOMScoreAdj }),
		oomScoreAdjValuesOption(),
		boolOpt("disable-thp", "", immutable, func(c *Config) *bool { return &c.DisableTHP }),
		boolOpt("jemalloc-bg-thread", "", 0, func(c *Config) *bool { return &c.JemallocBgThread }),

		// Persistence. The data directory holds open logs and checkpoints,
		// so keel cannot move it at run time (Redis chdir()s).
		dirOption(),
		saveOption(),
		stringOpt("dbfilename", "", protected, false, func(c *Config) *string { return &c.DBFilename }, func(v string) error {
			if !isBaseName(v) {
				return errors.New("dbfilename can't be a path, just a filename")
			}
			return nil
		}),
		boolOpt("rdbcompression", "", 0, func(c *Config) *bool { return &c.RDBCompression }),
		boolOpt("rdbchecksum", "", immutable, func(c *Config) *bool { return &c.RDBChecksum }),
		boolOpt("rdb-del-sync-files", "", 0, func(c *Config) *bool { return &c.RDBDelSyncFiles }),
		boolOpt("rdb-save-incremental-fsync", "", 0, func(c *Config) *bool { return &c.RDBSaveIncrementalFsync }),
		boolOpt("stop-writes-on-bgsave-error", "", 0, func(c *Config) *bool { return &c.StopWritesOnBgsaveError }),
		boolOpt("appendonly", "", 0, func(c *Config) *bool { return &c.AppendOnly }),
		stringOpt("appendfilename", "", immutable, false, func(c *Config) *string { return &c.AppendFilename }, func(v string) error {
			if v == "" {
				return errors.New("appendfilename can't be empty")
			}
			if !isBaseName(v) {
				return errors.New("appendfilename can't be a path, just a filename")
			}
			return nil
		}),
		stringOpt("appenddirname", "", immutable, false, func(c *Config) *string { return &c.AppendDirname }, func(v string) error {
			if v == "" {
				return errors.New("appenddirname can't be empty")
			}
			if !isBaseName(v) {
				return errors.New("appenddirname can't be a path, just a dirname")
			}
			return nil
		}),
		enumOpt("appendfsync", "", 0, []string{"everysec", "always", "no"}, nil, func(c *Config) *string { return &c.AppendFsync }),
		boolOpt("no-appendfsync-on-rewrite", "", 0, func(c *Config) *bool { return &c.NoAppendfsyncOnRewrite }),
		numOpt("auto-aof-rewrite-percentage", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.AutoAOFRewritePercentage }),
		numOpt("auto-aof-rewrite-min-size", "", 0, memorySigned, 0, llongMax, func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize }),
		boolOpt("aof-load-truncated", "", 0, func(c *Config) *bool { return &c.AOFLoadTruncated }),
		numOpt("aof-load-corrupt-tail-max-size", "", 0, memorySigned, 0, llongMax, func(c *Config) *int64 { return &c.AOFLoadCorruptTailMaxSize }),
		boolOpt("aof-use-rdb-preamble", "", 0, func(c *Config) *bool { return &c.AOFUseRDBPreamble }),
		boolOpt("aof-timestamp-enabled", "", 0, func(c *Config) *bool { return &c.AOFTimestampEnabled }),
		boolOpt("aof-rewrite-incremental-fsync", "", 0, func(c *Config) *bool { return &c.AOFRewriteIncrementalFsync }),
		// keel's own: the size at which an AOF segment is closed, and how
		// many checkpoints to keep.
		numOpt("aof-segment-size", "", 0, memorySigned, 1<<20, llongMax, func(c *Config) *int64 { return &c.AOFSegmentSize }),
		numOpt("checkpoint-retain", "", 0, signedInt, 1, intMax, func(c *Config) *int { return &c.CheckpointRetain }),
		// keel's own: an RDB file (a Redis dump) loaded at start-up into the
		// data directory, which must hold no data unless import-rdb-replace
		// is yes (then the file's keys replace those of the same name).
		stringOpt("import-rdb", "", immutable, false, func(c *Config) *string { return &c.ImportRDB }, nil),
		boolOpt("import-rdb-replace", "", immutable, func(c *Config) *bool { return &c.ImportRDBReplace }),

		// Replication, accepted so that a stock redis.conf loads.
		boolOpt("replica-serve-stale-data", "slave-serve-stale-data", 0, func(c *Config) *bool { return &c.ReplicaServeStaleData }),
		boolOpt("replica-read-only", "slave-read-only", 0, func(c *Config) *bool { return &c.ReplicaReadOnly }),
		boolOpt("replica-lazy-flush", "slave-lazy-flush", 0, func(c *Config) *bool { return &c.ReplicaLazyFlush }),
		numOpt("replica-priority", "slave-priority", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.ReplicaPriority }),
		boolOpt("repl-diskless-sync", "", 0, func(c *Config) *bool { return &c.ReplDisklessSync }),
		numOpt("repl-diskless-sync-delay", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.ReplDisklessSyncDelay }),
		numOpt("repl-diskless-sync-max-replicas", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.ReplDisklessSyncMaxReplicas }),
		enumOpt("repl-diskless-load", "", 0, []string{"disabled", "on-empty-db", "swapdb"}, nil, func(c *Config) *string { return &c.ReplDisklessLoad }),
		boolOpt("repl-disable-tcp-nodelay", "", 0, func(c *Config) *bool { return &c.ReplDisableTCPNoDelay }),

		// Slow log, latency, events.
		numOpt("slowlog-log-slower-than", "", 0, signedInt, -1, llongMax, func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }),
		numOpt("slowlog-max-len", "", 0, signedInt, 0, longMax, func(c *Config) *int64 { return &c.SlowlogMaxLen }),
		numOpt("latency-monitor-threshold", "", 0, signedInt, 0, llongMax, func(c *Config) *int64 { return &c.LatencyMonitorThreshold }),
		boolOpt("latency-tracking", "", 0, func(c *Config) *bool { return &c.LatencyTracking }),
		latencyPercentilesOption(),
		notifyKeyspaceEventsOption(),

		// Advanced.
		hzOption(),
		boolOpt("dynamic-hz", "", 0, func(c *Config) *bool { return &c.DynamicHZ }),
		boolOpt("activerehashing", "", 0, func(c *Config) *bool { return &c.ActiveRehashing }),
		numOpt("active-expire-effort", "", 0, signedInt, 1, 10, func(c *Config) *int { return &c.ActiveExpireEffort }),
		numOpt("busy-reply-threshold", "lua-time-limit", 0, signedInt, 0, longMax, func(c *Config) *int64 { return &c.BusyReplyThreshold }),
		numOpt("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, unsignedInt, 0, longMax, func(c *Config) *int64 { return &c.HashMaxListpackEntries }),
		numOpt("hash-max-listpack-value", "hash-max-ziplist-value", 0, memoryUnsigned, 0, longMax, func(c *Config) *int64 { return &c.HashMaxListpackValue }),
		numOpt("list-max-listpack-size", "list-max-ziplist-size", 0, signedInt, intMin, intMax, func(c *Config) *int { return &c.ListMaxListpackSize }),
		numOpt("list-compress-depth", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.ListCompressDepth }),
		numOpt("set-max-intset-entries", "", 0, unsignedInt, 0, longMax, func(c *Config) *int64 { return &c.SetMaxIntsetEntries }),
		// set-max-listpack-* arrived in Redis 7.2; keel accepts them already.
		numOpt("set-max-listpack-entries", "", 0, unsignedInt, 0, longMax, func(c *Config) *int64 { return &c.SetMaxListpackEntries }),
		numOpt("set-max-listpack-value", "", 0, memoryUnsigned, 0, longMax, func(c *Config) *int64 { return &c.SetMaxListpackValue }),
		numOpt("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, unsignedInt, 0, longMax, func(c *Config) *int64 { return &c.ZsetMaxListpackEntries }),
		numOpt("zset-max-listpack-value", "zset-max-ziplist-value", 0, memoryUnsigned, 0, longMax, func(c *Config) *int64 { return &c.ZsetMaxListpackValue }),
		numOpt("hll-sparse-max-bytes", "", 0, memoryUnsigned, 0, longMax, func(c *Config) *int64 { return &c.HLLSparseMaxBytes }),
		numOpt("stream-node-max-bytes", "", 0, memoryUnsigned, 0, longMax, func(c *Config) *int64 { return &c.StreamNodeMaxBytes }),
		numOpt("stream-node-max-entries", "", 0, signedInt, 0, llongMax, func(c *Config) *int64 { return &c.StreamNodeMaxEntries }),
		numOpt("lfu-log-factor", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.LFULogFactor }),
		numOpt("lfu-decay-time", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.LFUDecayTime }),
	}
}

// isBaseName is Redis's pathIsBaseName: no '/' (nor '\' on Windows).
func isBaseName(p string) bool {
	return !strings.ContainsAny(p, `/\`)
}

func bindOption() *option {
	get := func(c *Config) string { return strings.Join(c.Bind, " ") }
	return &option{
		name: "bind", flags: immutable | multiArg,
		set: func(c *Config, args []string, _ *loader) error {
			const maxBindAddrs = 16
			if len(args) > maxBindAddrs {
				return errors.New("Too many bind addresses specified.")
			}
			if len(args) == 1 && args[0] == "" {
				args = nil
			}
			c.Bind = slices.Clone(args)
			return nil
		},
		get: get,
		rewrite: func(c *Config, st *rewriteState) {
			v := get(c)
			if len(c.Bind) == 0 {
				v = `""`
			}
			st.rewriteLine("bind", "bind "+v, !slices.Equal(c.Bind, defaultConfig.Bind))
		},
	}
}

func dirOption() *option {
	get := func(c *Config) string {
		if abs, err := filepath.Abs(c.Dir); err == nil {
			return abs
		}
		return c.Dir
	}
	return &option{
		name: "dir", flags: immutable | protected,
		set: func(c *Config, args []string, _ *loader) error {
			if args[0] == "" {
				return errors.New("No such file or directory")
			}
			c.Dir = args[0]
			return nil
		},
		get: get,
		// Always written, as an absolute path, like Redis.
		rewrite: func(c *Config, st *rewriteState) {
			st.rewriteLine("dir", "dir "+Repr(get(c)), true)
		},
	}
}

var errInvalidSave = errors.New("Invalid save parameters")

func saveOption() *option {
	return &option{
		name: "save", flags: multiArg,
		set: func(c *Config, args []string, ld *loader) error {
			// `save ""` clears the list, even after earlier save lines.
			if len(args) == 1 && args[0] == "" {
				c.Save = nil
				args = nil
			}
			if len(args)%2 != 0 {
				return errInvalidSave
			}
			params := make([]SaveParam, 0, len(args)/2)
			for j := 0; j < len(args); j += 2 {
				secs, ok1 := strtoll(args[j])
				changes, ok2 := strtoll(args[j+1])
				if !ok1 || !ok2 || secs < 1 || changes < 0 {
					return errInvalidSave
				}
				params = append(params, SaveParam{Seconds: secs, Changes: changes})
			}
			// In a file, "save" lines accumulate, replacing the defaults
			// only at the first one; CONFIG SET replaces the whole list.
			if ld == nil || !ld.saveLoaded {
				c.Save = nil
				if ld != nil {
					ld.saveLoaded = true
				}
			}
			c.Save = append(c.Save, params...)
			return nil
		},
		get: func(c *Config) string {
			parts := make([]string, 0, 2*len(c.Save))
			for _, p := range c.Save {
				parts = append(parts, strconv.FormatInt(p.Seconds, 10), strconv.FormatInt(p.Changes, 10))
			}
			return strings.Join(parts, " ")
		},
		// Always written so that the defaults do not come back on restart.
		rewrite: func(c *Config, st *rewriteState) {
			if len(c.Save) == 0 {
				st.rewriteLine("save", `save ""`, true)
			}
			for _, p := range c.Save {
				st.rewriteLine("save", fmt.Sprintf("save %d %d", p.Seconds, p.Changes), true)
			}
			st.markProcessed("save")
		},
	}
}

var clientClassNames = [numClientClasses]string{"normal", "slave", "pubsub"}

func clientClassByName(name string) (int, bool) {
	switch strings.ToLower(name) {
	case "normal":
		return ClientClassNormal, true
	case "slave", "replica":
		return ClientClassReplica, true
	case "pubsub":
		return ClientClassPubSub, true
	}
	return 0, false
}

func clientOutputBufferLimitOption() *option {
	const name = "client-output-buffer-limit"
	return &option{
		name: name, flags: multiArg,
		set: func(c *Config, args []string, _ *loader) error {
			if len(args)%4 != 0 {
				return errors.New("Wrong number of arguments in buffer limit configuration.")
			}
			// Validate every class before changing any.
			limits := c.ClientOutputBufferLimit
			for j := 0; j < len(args); j += 4 {
				class, ok := clientClassByName(args[j])
				if !ok {
					return errors.New("Invalid client class specified in buffer limit configuration.")
				}
				hard, herr := memToUint64(args[j+1])
				soft, serr := memToUint64(args[j+2])
				secs, sok := strtoll(args[j+3])
				if herr != nil || serr != nil || !sok || secs < 0 {
					return errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
				}
				limits[class] = ClientBufferLimit{HardBytes: hard, SoftBytes: soft, SoftSeconds: secs}
			}
			c.ClientOutputBufferLimit = limits
			return nil
		},
		get: func(c *Config) string {
			parts := make([]string, 0, numClientClasses)
			for i, l := range c.ClientOutputBufferLimit {
				parts = append(parts, fmt.Sprintf("%s %d %d %d", clientClassNames[i], l.HardBytes, l.SoftBytes, l.SoftSeconds))
			}
			return strings.Join(parts, " ")
		},
		// All three classes are written once any differs from its default:
		// old lines are reused in order whatever class they named, so
		// writing only the changed ones (as Redis does) could assign a
		// class's line to another on the next rewrite.
		rewrite: func(c *Config, st *rewriteState) {
			force := c.ClientOutputBufferLimit != defaultConfig.ClientOutputBufferLimit
			for i, l := range c.ClientOutputBufferLimit {
				class := clientClassNames[i]
				if class == "slave" {
					class = "replica"
				}
				line := fmt.Sprintf("%s %s %s %s %d", name, class, formatMemory(l.HardBytes), formatMemory(l.SoftBytes), l.SoftSeconds)
				st.rewriteLine(name, line, force)
			}
		},
	}
}

func oomScoreAdjValuesOption() *option {
	const name = "oom-score-adj-values"
	get := func(c *Config) string {
		v := c.OOMScoreAdjValues
		return fmt.Sprintf("%d %d %d", v[0], v[1], v[2])
	}
	return &option{
		name: name, flags: multiArg,
		set: func(c *Config, args []string, _ *loader) error {
			if len(args) != len(c.OOMScoreAdjValues) {
				return errors.New("wrong number of arguments")
			}
			var vals [3]int
			for i, a := range args {
				v, ok := strtoll(a)
				if !ok || v < -2000 || v > 2000 {
					return errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
				}
				vals[i] = int(v)
			}
			c.OOMScoreAdjValues = vals
			return nil
		},
		get:     get,
		rewrite: simpleRewrite(name, get),
	}
}

func latencyPercentilesOption() *option {
	const name = "latency-tracking-info-percentiles"
	get := func(c *Config) string {
		parts := make([]string, len(c.LatencyTrackingInfoPercentiles))
		for i, p := range c.LatencyTrackingInfoPercentiles {
			parts[i] = formatPercentile(p)
		}
		return strings.Join(parts, " ")
	}
	return &option{
		name: name, flags: multiArg,
		set: func(c *Config, args []string, _ *loader) error {
			if len(args) == 1 && args[0] == "" {
				args = nil
			}
			ps := make([]float64, 0, len(args))
			for _, a := range args {
				p, ok := string2d(a)
				if !ok {
					return errors.New("Invalid latency-tracking-info-percentiles parameters")
				}
				if p > 100 || p < 0 {
					return errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
				}
				ps = append(ps, p)
			}
			c.LatencyTrackingInfoPercentiles = ps
			return nil
		},
		get: get,
		rewrite: func(c *Config, st *rewriteState) {
			v := get(c)
			if v == "" {
				v = `""`
			}
			st.rewriteLine(name, name+" "+v, true)
		},
	}
}

// string2d accepts what Redis's string2d does: a full strtod parse with no
// leading space, not NaN.
func string2d(s string) (float64, bool) {
	if s == "" || isCSpace(s[0]) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f {
		return 0, false
	}
	return f, true
}

const notifyClasses = "Ag$lshzxeKEtmdn"

// KeyspaceEventsFlags parses a notify-keyspace-events class string.
func KeyspaceEventsFlags(classes string) (int, bool) {
	flags := 0
	for i := 0; i < len(classes); i++ {
		switch classes[i] {
		case 'A':
			flags |= NotifyAll
		case 'g':
			flags |= NotifyGeneric
		case '$':
			flags |= NotifyString
		case 'l':
			flags |= NotifyList
		case 's':
			flags |= NotifySet
		case 'h':
			flags |= NotifyHash
		case 'z':
			flags |= NotifyZset
		case 'x':
			flags |= NotifyExpired
		case 'e':
			flags |= NotifyEvicted
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 't':
			flags |= NotifyStream
		case 'm':
			flags |= NotifyKeyMiss
		case 'd':
			flags |= NotifyModule
		case 'n':
			flags |= NotifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

// KeyspaceEventsString renders flags as CONFIG GET notify-keyspace-events
// shows them.
func KeyspaceEventsString(flags int) string {
	var b strings.Builder
	if flags&NotifyAll == NotifyAll {
		b.WriteByte('A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{
			{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
		} {
			if flags&f.bit != 0 {
				b.WriteByte(f.c)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b.WriteByte('K')
	}
	if flags&NotifyKeyevent != 0 {
		b.WriteByte('E')
	}
	if flags&NotifyKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

func notifyKeyspaceEventsOption() *option {
	const name = "notify-keyspace-events"
	return &option{
		name: name,
		set: func(c *Config, args []string, _ *loader) error {
			flags, ok := KeyspaceEventsFlags(args[0])
			if !ok {
				return fmt.Errorf("Invalid event class character. Use '%s'.", notifyClasses)
			}
			c.NotifyKeyspaceEvents = flags
			return nil
		},
		get: func(c *Config) string { return KeyspaceEventsString(c.NotifyKeyspaceEvents) },
		rewrite: func(c *Config, st *rewriteState) {
			st.rewriteLine(name, name+" "+Repr(KeyspaceEventsString(c.NotifyKeyspaceEvents)), c.NotifyKeyspaceEvents != 0)
		},
	}
}

// hzOption clamps out-of-range values into 1..500 instead of failing, as
// Redis treats hz as a hint.
func hzOption() *option {
	o := numOpt("hz", "", 0, signedInt, 0, intMax, func(c *Config) *int { return &c.HZ })
	set := o.set
	o.set = func(c *Config, args []string, ld *loader) error {
		if err := set(c, args, ld); err != nil {
			return err
		}
		c.clampHZ()
		return nil
	}
	return o
}

// validProcTitleTemplate accepts what Redis's validateProcTitleTemplate
// does: {variable} references to known variables, "{{" and "}}" escapes,
// and a result that cannot expand to blanks only.
func validProcTitleTemplate(t string) error {
	errInvalid := errors.New("template format is invalid or contains unknown variables")
	nonBlank := false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; c {
		case '{':
			if i+1 < len(t) && t[i+1] == '{' {
				nonBlank = true
				i++
				continue
			}
			end := strings.IndexByte(t[i+1:], '}')
			if end < 0 {
				return errInvalid
			}
			switch t[i+1 : i+1+end] {
			case "listen-addr", "port", "tls-port":
				nonBlank = true
			case "title", "server-mode", "unixsocket", "config-file":
			default:
				return errInvalid
			}
			i += end + 1
		case '}':
			if i+1 < len(t) && t[i+1] == '}' {
				nonBlank = true
				i++
				continue
			}
			return errInvalid
		default:
			if c != ' ' {
				nonBlank = true
			}
		}
	}
	if !nonBlank {
		return errInvalid
	}
	return nil
}
