// Package config holds keel-server's configuration: the redis.conf-style file
// and command-line options (parsed with redis-server's syntax and error
// messages), and the run-time CONFIG GET / SET / REWRITE operations.
package config

import (
	"errors"
	"runtime"
	"slices"
)

// ErrVersion and ErrHelp are returned by Parse for -v/--version and
// -h/--help, so that main prints the version or the usage and exits.
var (
	ErrVersion = errors.New("config: version requested")
	ErrHelp    = errors.New("config: help requested")
)

// Client classes of client-output-buffer-limit, in Redis's order.
const (
	ClientClassNormal = iota
	ClientClassReplica
	ClientClassPubSub
	numClientClasses
)

// ClientBufferLimit is one class of client-output-buffer-limit: a client is
// disconnected when its output buffer reaches HardBytes, or stays above
// SoftBytes for SoftSeconds. Zero disables a limit.
type ClientBufferLimit struct {
	HardBytes   uint64
	SoftBytes   uint64
	SoftSeconds int64
}

// SaveParam is one "save <seconds> <changes>" point: checkpoint when at least
// Changes writes happened and Seconds have passed since the last one.
type SaveParam struct {
	Seconds int64
	Changes int64
}

// Keyspace notification classes (notify-keyspace-events), with Redis's bit
// values.
const (
	NotifyKeyspace = 1 << 0  // K
	NotifyKeyevent = 1 << 1  // E
	NotifyGeneric  = 1 << 2  // g
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x
	NotifyEvicted  = 1 << 9  // e
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m (not part of A)
	NotifyModule   = 1 << 13 // d
	NotifyNew      = 1 << 14 // n (not part of A)
	NotifyAll      = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule // A
)

// Config is the whole server configuration. Field comments give the
// directive name; the option table in options.go holds defaults, bounds and
// whether CONFIG SET may change each one.
type Config struct {
	// Network.
	Port          int      // port
	Bind          []string // bind; a leading '-' marks an address that may be unavailable
	ProtectedMode bool     // protected-mode
	TCPBacklog    int      // tcp-backlog
	TCPKeepalive  int      // tcp-keepalive (seconds)
	Timeout       int      // timeout (idle seconds, 0 = never)
	MaxClients    int      // maxclients

	// General.
	Daemonize         bool   // daemonize (only "no" is accepted)
	Supervised        string // supervised: no|upstart|systemd|auto
	PidFile           string // pidfile
	LogLevel          string // loglevel: debug|verbose|notice|warning
	LogFile           string // logfile ("" = stdout)
	SyslogEnabled     bool   // syslog-enabled
	SyslogIdent       string // syslog-ident
	SyslogFacility    string // syslog-facility: user|local0..local7
	Databases         int    // databases
	Shards            int    // shards (keel; 0 = one per CPU, see ShardCount)
	AlwaysShowLogo    bool   // always-show-logo
	SetProcTitle      bool   // set-proc-title
	ProcTitleTemplate string // proc-title-template
	CrashLogEnabled   bool   // crash-log-enabled
	ShutdownTimeout   int    // shutdown-timeout (seconds)

	// Security.
	RequirePass            string // requirepass
	EnableProtectedConfigs string // enable-protected-configs: no|yes|local
	EnableDebugCommand     string // enable-debug-command: no|yes|local
	AcllogMaxLen           int64  // acllog-max-len

	// Memory and client limits.
	MaxMemory                 uint64 // maxmemory (bytes, 0 = none)
	MaxMemoryPolicy           string // maxmemory-policy
	MaxMemorySamples          int    // maxmemory-samples
	MaxMemoryEvictionTenacity int    // maxmemory-eviction-tenacity
	ProtoMaxBulkLen           int64  // proto-max-bulk-len
	ClientQueryBufferLimit    int64  // client-query-buffer-limit
	// client-output-buffer-limit, indexed by ClientClassNormal/Replica/PubSub.
	ClientOutputBufferLimit [numClientClasses]ClientBufferLimit

	// Lazy freeing.
	LazyfreeLazyEviction  bool // lazyfree-lazy-eviction
	LazyfreeLazyExpire    bool // lazyfree-lazy-expire
	LazyfreeLazyServerDel bool // lazyfree-lazy-server-del
	LazyfreeLazyUserDel   bool // lazyfree-lazy-user-del
	LazyfreeLazyUserFlush bool // lazyfree-lazy-user-flush

	// Threads and the kernel (accepted for redis.conf compatibility).
	IOThreads         int    // io-threads
	IOThreadsDoReads  bool   // io-threads-do-reads
	OOMScoreAdj       string // oom-score-adj: no|yes|relative|absolute
	OOMScoreAdjValues [3]int // oom-score-adj-values
	DisableTHP        bool   // disable-thp
	JemallocBgThread  bool   // jemalloc-bg-thread

	// Persistence.
	Dir                        string      // dir (data directory)
	Save                       []SaveParam // save; empty = no automatic checkpoints
	DBFilename                 string      // dbfilename
	RDBCompression             bool        // rdbcompression
	RDBChecksum                bool        // rdbchecksum
	RDBDelSyncFiles            bool        // rdb-del-sync-files
	RDBSaveIncrementalFsync    bool        // rdb-save-incremental-fsync
	StopWritesOnBgsaveError    bool        // stop-writes-on-bgsave-error
	AppendOnly                 bool        // appendonly (keel defaults to yes)
	AppendFilename             string      // appendfilename
	AppendDirname              string      // appenddirname
	AppendFsync                string      // appendfsync: always|everysec|no
	NoAppendfsyncOnRewrite     bool        // no-appendfsync-on-rewrite
	AutoAOFRewritePercentage   int         // auto-aof-rewrite-percentage
	AutoAOFRewriteMinSize      int64       // auto-aof-rewrite-min-size
	AOFLoadTruncated           bool        // aof-load-truncated
	AOFLoadCorruptTailMaxSize  int64       // aof-load-corrupt-tail-max-size (keel): bytes of a damaged log tail start-up may cut (0 = none)
	AOFUseRDBPreamble          bool        // aof-use-rdb-preamble
	AOFTimestampEnabled        bool        // aof-timestamp-enabled
	AOFRewriteIncrementalFsync bool        // aof-rewrite-incremental-fsync
	AOFSegmentSize             int64       // aof-segment-size (keel)
	CheckpointRetain           int         // checkpoint-retain (keel)
	ImportRDB                  string      // import-rdb (keel): RDB file loaded into the data directory at start-up
	ImportRDBReplace           bool        // import-rdb-replace (keel): import into a directory that holds data

	// Replication (accepted for redis.conf compatibility; keel has no replicas).
	ReplicaServeStaleData       bool   // replica-serve-stale-data
	ReplicaReadOnly             bool   // replica-read-only
	ReplicaLazyFlush            bool   // replica-lazy-flush
	ReplicaPriority             int    // replica-priority
	ReplDisklessSync            bool   // repl-diskless-sync
	ReplDisklessSyncDelay       int    // repl-diskless-sync-delay
	ReplDisklessSyncMaxReplicas int    // repl-diskless-sync-max-replicas
	ReplDisklessLoad            string // repl-diskless-load
	ReplDisableTCPNoDelay       bool   // repl-disable-tcp-nodelay

	// Slow log, latency, events.
	SlowlogLogSlowerThan           int64     // slowlog-log-slower-than (µs, -1 = off)
	SlowlogMaxLen                  int64     // slowlog-max-len
	LatencyMonitorThreshold        int64     // latency-monitor-threshold (ms)
	LatencyTracking                bool      // latency-tracking
	LatencyTrackingInfoPercentiles []float64 // latency-tracking-info-percentiles
	NotifyKeyspaceEvents           int       // notify-keyspace-events, Notify* bits

	// Advanced.
	HZ                     int   // hz, clamped to 1..500
	DynamicHZ              bool  // dynamic-hz
	ActiveRehashing        bool  // activerehashing
	ActiveExpireEffort     int   // active-expire-effort
	BusyReplyThreshold     int64 // busy-reply-threshold / lua-time-limit (ms)
	HashMaxListpackEntries int64 // hash-max-listpack-entries
	HashMaxListpackValue   int64 // hash-max-listpack-value
	ListMaxListpackSize    int   // list-max-listpack-size
	ListCompressDepth      int   // list-compress-depth
	SetMaxIntsetEntries    int64 // set-max-intset-entries
	SetMaxListpackEntries  int64 // set-max-listpack-entries
	SetMaxListpackValue    int64 // set-max-listpack-value
	ZsetMaxListpackEntries int64 // zset-max-listpack-entries
	ZsetMaxListpackValue   int64 // zset-max-listpack-value
	HLLSparseMaxBytes      int64 // hll-sparse-max-bytes
	StreamNodeMaxBytes     int64 // stream-node-max-bytes
	StreamNodeMaxEntries   int64 // stream-node-max-entries
	LFULogFactor           int   // lfu-log-factor
	LFUDecayTime           int   // lfu-decay-time

	// RenameCommands holds "rename-command <old> <new>" directives in file
	// order; an empty new name removes the command. The command table applies
	// and validates them.
	RenameCommands [][2]string

	// Source is the absolute path of the config file, "" when the server runs
	// without one (CONFIG REWRITE then fails as in Redis).
	Source string

	// OnChange, when set, is called by Set after new values are in place,
	// once per option whose value changed, with its canonical name. A non-nil
	// error undoes the whole CONFIG SET (OnChange is called again for the
	// options already applied, now with their old values) and its text is
	// reported as the reason.
	OnChange func(name string) error
}

// Default returns the configuration keel runs with when nothing is given.
func Default() *Config {
	return &Config{
		Port:          6379,
		Bind:          []string{"127.0.0.1"},
		ProtectedMode: true,
		TCPBacklog:    511,
		TCPKeepalive:  300,
		MaxClients:    10000,

		Supervised:        "no",
		LogLevel:          "notice",
		SyslogIdent:       "redis",
		SyslogFacility:    "local0",
		Databases:         16,
		SetProcTitle:      true,
		ProcTitleTemplate: "{title} {listen-addr} {server-mode}",
		CrashLogEnabled:   true,
		ShutdownTimeout:   10,

		EnableProtectedConfigs: "no",
		EnableDebugCommand:     "no",
		AcllogMaxLen:           128,

		MaxMemoryPolicy:           "noeviction",
		MaxMemorySamples:          5,
		MaxMemoryEvictionTenacity: 10,
		ProtoMaxBulkLen:           512 << 20,
		ClientQueryBufferLimit:    1 << 30,
		ClientOutputBufferLimit: [numClientClasses]ClientBufferLimit{
			ClientClassNormal:  {},
			ClientClassReplica: {HardBytes: 256 << 20, SoftBytes: 64 << 20, SoftSeconds: 60},
			ClientClassPubSub:  {HardBytes: 32 << 20, SoftBytes: 8 << 20, SoftSeconds: 60},
		},

		IOThreads:         1,
		OOMScoreAdj:       "no",
		OOMScoreAdjValues: [3]int{0, 200, 800},
		DisableTHP:        true,
		JemallocBgThread:  true,

		Dir:                        "./data",
		Save:                       []SaveParam{{3600, 1}, {300, 100}, {60, 10000}},
		DBFilename:                 "dump.rdb",
		RDBCompression:             true,
		RDBChecksum:                true,
		RDBSaveIncrementalFsync:    true,
		StopWritesOnBgsaveError:    true,
		AppendOnly:                 true,
		AppendFilename:             "appendonly.aof",
		AppendDirname:              "appendonlydir",
		AppendFsync:                "everysec",
		AutoAOFRewritePercentage:   100,
		AutoAOFRewriteMinSize:      64 << 20,
		AOFLoadTruncated:           true,
		AOFUseRDBPreamble:          true,
		AOFRewriteIncrementalFsync: true,
		AOFSegmentSize:             64 << 20,
		CheckpointRetain:           1,

		ReplicaServeStaleData: true,
		ReplicaReadOnly:       true,
		ReplicaPriority:       100,
		ReplDisklessSync:      true,
		ReplDisklessSyncDelay: 5,
		ReplDisklessLoad:      "disabled",

		SlowlogLogSlowerThan:           10000,
		SlowlogMaxLen:                  128,
		LatencyTracking:                true,
		LatencyTrackingInfoPercentiles: []float64{50, 99, 99.9},

		HZ:                     10,
		DynamicHZ:              true,
		ActiveRehashing:        true,
		ActiveExpireEffort:     1,
		BusyReplyThreshold:     5000,
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		ListMaxListpackSize:    -2,
		SetMaxIntsetEntries:    512,
		SetMaxListpackEntries:  128,
		SetMaxListpackValue:    64,
		ZsetMaxListpackEntries: 128,
		ZsetMaxListpackValue:   64,
		HLLSparseMaxBytes:      3000,
		StreamNodeMaxBytes:     4096,
		StreamNodeMaxEntries:   100,
		LFULogFactor:           10,
		LFUDecayTime:           1,
	}
}

// Clone returns a deep copy (slices included; OnChange is shared).
func (c *Config) Clone() *Config {
	n := *c
	n.Bind = slices.Clone(c.Bind)
	n.Save = slices.Clone(c.Save)
	n.LatencyTrackingInfoPercentiles = slices.Clone(c.LatencyTrackingInfoPercentiles)
	n.RenameCommands = slices.Clone(c.RenameCommands)
	return &n
}

// ShardCount is the number of shards to run: Shards, or one per CPU when 0.
func (c *Config) ShardCount() int {
	if c.Shards > 0 {
		return c.Shards
	}
	return runtime.NumCPU()
}

// Hard bounds of the HZ directive: out-of-range values are accepted and
// clamped, as Redis does.
const (
	minHZ = 1
	maxHZ = 500
)

func (c *Config) clampHZ() {
	c.HZ = min(max(c.HZ, minHZ), maxHZ)
}
