package shardcore

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
)

// Commands over the whole keyspace: they fan out to every shard (FlagAllShard)
// and combine on the coordinator, except SCAN, whose cursor names the one
// shard each call reads. MEMORY's server-wide reports live here too.

func init() {
	all := func(name string, arity int, flags Flags, group, since, summary string, multi func(*Multi)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags | FlagAllShard, Group: group, Since: since, Summary: summary, Multi: multi}
	}
	local := func(c *Command, fn func(*Ctx)) *Command {
		c.Local = fn
		return c
	}
	register(
		all("keys", 2, FlagReadonly, "generic", "1.0.0", "Find all keys matching the given pattern", multiKeys),
		&Command{Name: "scan", Arity: -2, Flags: FlagReadonly, Group: "generic", Since: "2.8.0", Summary: "Incrementally iterate the keys space", Fn: cmdScan, Route: scanRoute},
		all("randomkey", 1, FlagReadonly, "generic", "1.0.0", "Return a random key from the keyspace", multiRandomKey),
		all("dbsize", 1, FlagReadonly|FlagFast, "server", "1.0.0", "Return the number of keys in the selected database", multiDBSize),
		local(all("flushdb", -1, FlagWrite, "server", "1.0.0", "Remove all keys from the current database", multiLocal(checkFlush)), localFlush),
		local(all("flushall", -1, FlagWrite, "server", "1.0.0", "Remove all keys from all databases", multiLocal(checkFlush)), localFlush),
		local(all("swapdb", 3, FlagWrite|FlagFast, "server", "4.0.0", "Swaps two Redis databases", multiLocal(checkSwapDB)), localSwapDB),
	)
}

// keyCopy is a key copied out of table memory.
func keyCopy(k []byte) []byte { return append([]byte(nil), k...) }

func multiKeys(m *Multi) {
	pattern := m.Args[1]
	allKeys := len(pattern) == 1 && pattern[0] == '*'
	parts := m.Each(func(c *Ctx) any {
		var out [][]byte
		var cur uint64
		for {
			cur = c.DB.Scan(cur, func(k []byte, e store.Entry) {
				if e.ExpireAt != 0 && e.ExpireAt <= c.Now {
					return
				}
				if allKeys || config.GlobMatch(pattern, k, false) {
					out = append(out, keyCopy(k))
				}
			})
			if cur == 0 {
				return out
			}
		}
	})
	n := 0
	for _, p := range parts {
		n += len(p.([][]byte))
	}
	m.W.Array(n)
	for _, p := range parts {
		for _, k := range p.([][]byte) {
			m.W.Bulk(k)
		}
	}
}

// SCAN's cursor names a shard and a position in that shard's table: the
// table's reverse-binary cursor shifted left by shardBits, the shard index in
// the low bits. With one shard it is exactly Redis's cursor. The shard count
// is fixed for the life of the process, which is all a cursor must survive.
func shardBits(n int) uint { return uint(bits.Len(uint(n - 1))) }

type scanOpts struct {
	count   int64
	pattern []byte // nil: every key
	typ     string // "": every type
}

func parseScanOpts(args [][]byte) (scanOpts, string) {
	o := scanOpts{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, errSyntax
		}
		switch lower(args[i]) {
		case "count":
			n, ok := ParseInt(args[i+1])
			if !ok {
				return o, errNotInt
			}
			if n < 1 {
				return o, errSyntax
			}
			o.count = n
		case "match":
			o.pattern = args[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		case "type":
			o.typ = string(args[i+1])
		default:
			return o, errSyntax
		}
	}
	return o, ""
}

// scanShard walks c's table from cursor as Redis's scanGenericCommand does:
// until COUNT keys are collected, COUNT*10 steps are taken or the table
// ends; then filters by pattern, expiry (expired keys are deleted) and type.
// It returns the table's next cursor and the keys kept.
func scanShard(c *Ctx, cursor uint64, o *scanOpts) (uint64, [][]byte) {
	type cand struct {
		key []byte
		typ store.Type
		exp int64
	}
	budget := int64(math.MaxInt64)
	if o.count <= math.MaxInt64/10 {
		budget = o.count * 10
	}
	var cands []cand
	for steps := int64(1); ; steps++ {
		cursor = c.DB.Scan(cursor, func(k []byte, e store.Entry) {
			cands = append(cands, cand{keyCopy(k), e.Type, e.ExpireAt})
		})
		if cursor == 0 || steps >= budget || int64(len(cands)) >= o.count {
			break
		}
	}
	var keys [][]byte
	for _, k := range cands {
		if o.pattern != nil && !config.GlobMatch(o.pattern, k.key, false) {
			continue
		}
		if o.typ != "" && !strings.EqualFold(o.typ, k.typ.String()) {
			continue
		}
		if k.exp != 0 && k.exp <= c.Now {
			c.S.deleteExpired(c.DBi, k.key)
			continue
		}
		keys = append(keys, k.key)
	}
	return cursor, keys
}

// scanRoute is SCAN's Command.Route: the shard its cursor names, so that a
// call holds only that shard. A cursor that is no number or names no shard
// gets its reply (an error, or an empty last page) on the caller's shard.
func scanRoute(srv *Server, args [][]byte) *Shard {
	cursor, ok := parseScanCursor(args[1])
	if !ok {
		return nil
	}
	si := cursor & (1<<shardBits(len(srv.shards)) - 1)
	if si >= uint64(len(srv.shards)) {
		return nil
	}
	return srv.shards[si]
}

// cmdScan serves one SCAN call on the shard its cursor names (scanRoute).
// When that shard's table ends, the reply's cursor names the next shard at
// its start, and 0 after the last shard.
func cmdScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[1])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	o, errMsg := parseScanOpts(c.Args[2:])
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	n := len(c.S.srv.shards)
	sb := shardBits(n)
	var keys [][]byte
	if cursor&(1<<sb-1) >= uint64(n) {
		cursor = 0 // not a cursor this server handed out
	} else {
		var next uint64
		next, keys = scanShard(c, cursor>>sb, &o)
		switch {
		case next != 0:
			cursor = next<<sb | uint64(c.S.id)
		case c.S.id+1 < n:
			cursor = uint64(c.S.id + 1)
		default:
			cursor = 0
		}
	}
	c.W.Array(2)
	c.W.Bulk(strconv.AppendUint(nil, cursor, 10))
	c.W.Array(len(keys))
	for _, k := range keys {
		c.W.Bulk(k)
	}
}

// multiRandomKey picks a shard with probability proportional to its key
// count, then a key there (Ctx.randomKey). Expired keys met on the way are
// deleted and the draw repeats, as Redis's dbRandomKey does, so it ends with
// a live key or an empty database (during a pause, see randomKey).
func multiRandomKey(m *Multi) {
	shards := m.Shards() // in the order of Each's results
	for {
		shares := m.Each(func(c *Ctx) any { return c.randomKeyShare() })
		total, volatile := 0, 0
		for _, sh := range shares {
			total += sh.(randomKeyShare).keys
			volatile += sh.(randomKeyShare).volatile
		}
		if total == 0 {
			m.W.Null()
			return
		}
		r := rand.IntN(total)
		si := 0
		for ; r >= shares[si].(randomKeyShare).keys; si++ {
			r -= shares[si].(randomKeyShare).keys
		}
		k := m.On(shards[si], func(c *Ctx) any { return c.randomKey(total == volatile) }).([]byte)
		if k != nil {
			m.W.Bulk(k)
			return
		}
	}
}

func multiDBSize(m *Multi) {
	var n int64
	for _, v := range m.Each(func(c *Ctx) any { return int64(c.DB.Len()) }) {
		n += v.(int64)
	}
	m.W.Int(n)
}

// multiLocal serves a FlagAllShard write: the call is checked once, then
// every shard runs the command's Local part (what it logs and replays).
func multiLocal(check func(args [][]byte, ndb int) string) func(m *Multi) {
	return func(m *Multi) {
		if errMsg := check(m.Args, len(m.srv.shards[0].dbs)); errMsg != "" {
			m.W.Error(errMsg)
			return
		}
		m.Each(func(c *Ctx) any {
			c.Args = m.Args
			m.Cmd.Local(c)
			return nil
		})
		m.W.Simple("OK")
	}
}

// checkFlush accepts FLUSHDB and FLUSHALL with at most ASYNC or SYNC.
// Dropping a table hands its memory to the collector, so both modes return
// at once.
func checkFlush(args [][]byte, _ int) string {
	if len(args) > 2 || (len(args) == 2 && lower(args[1]) != "async" && lower(args[1]) != "sync") {
		return errSyntax
	}
	return ""
}

var (
	keyEffFlushall = []byte("FLUSHALL")
	keyEffFlushdb  = []byte("FLUSHDB")
)

// localFlush is one shard's FLUSHALL or FLUSHDB. It logs the flush even of
// nothing, as Redis always propagates it.
func localFlush(c *Ctx) {
	n := 0
	if lower(c.Args[0]) == "flushall" {
		for i, db := range c.S.dbs {
			c.S.touchWatchedIn(i, -1)
			n += db.Len()
			c.S.flushTable(i)
		}
		c.DB = c.S.dbs[c.DBi]
		if c.S.id == 0 {
			n++ // Redis counts FLUSHALL itself as a change
		}
		c.Effect(keyEffFlushall)
	} else {
		c.S.touchWatchedIn(c.DBi, -1)
		n = c.DB.Len()
		c.S.flushTable(c.DBi)
		c.DB = c.S.dbs[c.DBi]
		c.Effect(keyEffFlushdb)
	}
	c.Dirty(n)
	c.OK()
}

// parseSwapDB reads SWAPDB's two database numbers.
func parseSwapDB(args [][]byte, ndb int) (a, b int, errMsg string) {
	na, ok := ParseInt(args[1])
	if !ok || na < math.MinInt32 || na > math.MaxInt32 {
		return 0, 0, "ERR invalid first DB index"
	}
	nb, ok := ParseInt(args[2])
	if !ok || nb < math.MinInt32 || nb > math.MaxInt32 {
		return 0, 0, "ERR invalid second DB index"
	}
	if na < 0 || na >= int64(ndb) || nb < 0 || nb >= int64(ndb) {
		return 0, 0, errDBIndex
	}
	return int(na), int(nb), ""
}

func checkSwapDB(args [][]byte, ndb int) string {
	_, _, errMsg := parseSwapDB(args, ndb)
	return errMsg
}

// localSwapDB is one shard's SWAPDB; every shard swaps while all are held,
// so no client sees one shard swapped and another not.
func localSwapDB(c *Ctx) {
	a, b, errMsg := parseSwapDB(c.Args, len(c.S.dbs))
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	c.S.touchWatchedIn(a, b)
	c.S.touchWatchedIn(b, a)
	c.S.dbs[a], c.S.dbs[b] = c.S.dbs[b], c.S.dbs[a]
	c.S.ckReplaced(a)
	c.S.ckReplaced(b)
	c.S.blockSignalDB(a)
	c.S.blockSignalDB(b)
	c.DB = c.S.dbs[c.DBi]
	c.Dirty(1)
	c.Effect(c.Args...)
	c.OK()
}

// touchWatchedIn fails the transactions watching a key of database db that
// exists there or in database other (-1: none), as Redis's
// touchAllWatchedKeysInDb: a flush or swap changes only keys that exist.
func (s *Shard) touchWatchedIn(db, other int) {
	for k, ids := range s.watchers {
		if k.db != db {
			continue
		}
		_, in := s.dbs[db].Get([]byte(k.key))
		if !in && other >= 0 {
			_, in = s.dbs[other].Get([]byte(k.key))
		}
		if in {
			for id := range ids {
				s.casDirty[id] = true
			}
		}
	}
}

// Memory reporting, on the same figures as INFO memory (info.go): the Go
// heap as the allocator, the tables' memory as the dataset (keys and values
// live inside the tables), the connections' buffers as client memory.

// dbMemory is one database's share of a memory report.
type dbMemory struct {
	keys          int64
	main, expires int64 // table memory besides the TTL index; the TTL index
}

// ttlIndexBytes is what one key's TTL costs in a table's TTL index.
const ttlIndexBytes = 12

// shardMemory is one shard's contribution to a memory report.
type shardMemory struct {
	dbs     []dbMemory
	clients int64
}

func collectShardMemory(c *Ctx) any {
	sm := shardMemory{dbs: make([]dbMemory, len(c.S.dbs)), clients: collectShardInfo(c.S).clientMem}
	for i, db := range c.S.dbs {
		exp := int64(db.ExpiresLen()) * ttlIndexBytes
		sm.dbs[i] = dbMemory{keys: int64(db.Len()), main: db.MemoryUsage() - exp, expires: exp}
	}
	return sm
}

// memoryReport is the data behind MEMORY STATS and MEMORY DOCTOR.
type memoryReport struct {
	peak, total, startup, clients int64
	dbs                           []dbMemory // summed over shards, indexed by db
	overhead, keys, dataset       int64
	heap                          memoryStats
	rss                           int64
}

func buildMemoryReport(srv *Server, parts []any) memoryReport {
	r := memoryReport{heap: readMemory(), rss: residentBytes(), startup: startupHeap}
	r.total = r.heap.objects
	r.peak = srv.ext().notePeak(r.total)
	for _, p := range parts {
		sm := p.(shardMemory)
		r.clients += sm.clients
		if r.dbs == nil {
			r.dbs = make([]dbMemory, len(sm.dbs))
		}
		for i, d := range sm.dbs {
			r.dbs[i].keys += d.keys
			r.dbs[i].main += d.main
			r.dbs[i].expires += d.expires
		}
	}
	for _, d := range r.dbs {
		r.keys += d.keys
		r.dataset += d.main + d.expires
	}
	r.dataset = min(r.dataset, r.total)
	r.overhead = r.total - r.dataset
	return r
}

func multiMemoryStats(m *Multi) {
	r := buildMemoryReport(m.srv, m.Each(collectShardMemory))
	w := &m.W
	used := 0
	for _, d := range r.dbs {
		if d.keys > 0 {
			used++
		}
	}
	net := r.total - r.startup
	w.Map(27 + used)
	ints := func(pairs ...any) {
		for i := 0; i < len(pairs); i += 2 {
			w.BulkString(pairs[i].(string))
			w.Int(pairs[i+1].(int64))
		}
	}
	doubles := func(name string, v float64) {
		w.BulkString(name)
		w.Double(v)
	}
	ints("peak.allocated", r.peak, "total.allocated", r.total, "startup.allocated", r.startup,
		"replication.backlog", int64(0), "clients.slaves", int64(0), "clients.normal", r.clients,
		"cluster.links", int64(0), "aof.buffer", int64(0), "lua.caches", int64(0), "functions.caches", int64(0))
	for i, d := range r.dbs {
		if d.keys == 0 {
			continue
		}
		w.BulkString("db." + strconv.Itoa(i))
		w.Map(3)
		ints("overhead.hashtable.main", d.main, "overhead.hashtable.expires", d.expires, "overhead.hashtable.slot-to-keys", int64(0))
	}
	perKey := int64(0)
	if r.keys > 0 {
		perKey = net / r.keys
	}
	ints("overhead.total", r.overhead, "keys.count", r.keys, "keys.bytes-per-key", perKey, "dataset.bytes", r.dataset)
	doubles("dataset.percentage", 100*ratio(r.dataset, net))
	doubles("peak.percentage", 100*ratio(r.total, r.peak))
	h := r.heap
	ints("allocator.allocated", h.objects, "allocator.active", h.active, "allocator.resident", h.resident)
	doubles("allocator-fragmentation.ratio", ratio(h.active, h.objects))
	ints("allocator-fragmentation.bytes", h.active-h.objects)
	doubles("allocator-rss.ratio", ratio(h.resident, h.active))
	ints("allocator-rss.bytes", h.resident-h.active)
	doubles("rss-overhead.ratio", ratio(r.rss, h.resident))
	ints("rss-overhead.bytes", r.rss-h.resident)
	doubles("fragmentation", ratio(r.rss, r.total))
	ints("fragmentation.bytes", r.rss-r.total)
}

// Redis's MEMORY DOCTOR texts. Of its checks, keel makes the two that mean
// the same with Go's collector: too little data to judge, and a past peak.
// (Go's heap normally runs up to twice the live data, so jemalloc's
// fragmentation thresholds would misfire.)
const (
	doctorEmpty   = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	doctorNoIssue = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	doctorPeak    = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
		" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n" +
		"I'm here to keep you safe, Sam. I want to help you.\n"
)

func multiMemoryDoctor(m *Multi) {
	r := buildMemoryReport(m.srv, m.Each(collectShardMemory))
	text := doctorNoIssue
	switch {
	case r.total < 5<<20:
		text = doctorEmpty
	case ratio(r.peak, r.total) > 1.5:
		text = doctorPeak
	}
	m.W.Verbatim("txt", []byte(text))
}

// mallocStats is MEMORY MALLOC-STATS: the Go runtime's memory classes.
func mallocStats() string {
	var sb strings.Builder
	sb.WriteString("___ Begin Go runtime memory statistics ___\n")
	for _, d := range metrics.All() {
		if !strings.HasPrefix(d.Name, "/memory/") && !strings.HasPrefix(d.Name, "/gc/heap/") {
			continue
		}
		s := []metrics.Sample{{Name: d.Name}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			continue
		}
		sb.WriteString(d.Name)
		sb.WriteString(": ")
		sb.WriteString(strconv.FormatUint(s[0].Value.Uint64(), 10))
		sb.WriteByte('\n')
	}
	sb.WriteString("--- End Go runtime memory statistics ---\n")
	return sb.String()
}

// cmdMemoryPurge returns freed heap pages to the operating system; it runs
// on the caller's shard, which it holds for one collection.
func cmdMemoryPurge(c *Ctx) {
	debug.FreeOSMemory()
	c.OK()
}
