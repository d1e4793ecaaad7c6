package config

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getOne(t *testing.T, c *Config, name string) string {
	t.Helper()
	kv := c.Get(name)
	require.Len(t, kv, 1, name)
	return kv[0][1]
}

func TestGet(t *testing.T) {
	c := Default()
	assert.Equal(t, [][2]string{{"port", "6379"}}, c.Get("port"))
	assert.Equal(t, [][2]string{{"PORT", "6379"}}, c.Get("PORT"))
	assert.Equal(t, [][2]string{{"Hash-Max-Ziplist-Entries", "512"}}, c.Get("Hash-Max-Ziplist-Entries"))
	// Duplicates are reported once; patterns are case-insensitive globs.
	assert.Equal(t, [][2]string{{"PORT", "6379"}, {"bind", "127.0.0.1"}},
		c.Get("PORT", "port", "Port", "p?rt", "bin[a-d]"))
	assert.Equal(t, [][2]string{
		{"hash-max-listpack-entries", "512"},
		{"hash-max-ziplist-entries", "512"},
		{"hash-max-listpack-value", "64"},
		{"hash-max-ziplist-value", "64"},
	}, c.Get("HASH-max-*"))
	assert.Empty(t, c.Get("nope"))
	assert.Empty(t, c.Get("nope*"))
	assert.Empty(t, c.Get())

	all := c.Get("*")
	assert.Len(t, all, len(entries))
	names := map[string]bool{}
	for _, kv := range all {
		names[kv[0]] = true
	}
	for _, n := range []string{"port", "bind", "dir", "shards", "aof-segment-size", "checkpoint-retain", "lua-time-limit", "slave-read-only"} {
		assert.True(t, names[n], n)
	}

	assert.Equal(t, "3600 1 300 100 60 10000", getOne(t, c, "save"))
	assert.Equal(t, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", getOne(t, c, "client-output-buffer-limit"))
	assert.Equal(t, "536870912", getOne(t, c, "proto-max-bulk-len"))
	assert.Equal(t, "yes", getOne(t, c, "appendonly"))
	assert.Equal(t, "", getOne(t, c, "notify-keyspace-events"))
	abs, err := filepath.Abs("./data")
	require.NoError(t, err)
	assert.Equal(t, abs, getOne(t, c, "dir"))
}

func TestSetValues(t *testing.T) {
	cases := []struct {
		name, value, get string
	}{
		{"maxmemory", "5GB", "5368709120"},
		{"maxmemory", "1k", "1000"},
		{"maxmemory", "1kb", "1024"},
		{"maxmemory", "1K", "1000"},
		{"maxmemory", "b", "0"},
		{"maxmemory", "", "0"},
		{"maxmemory", "99999999999999999999", "18446744073709551615"},
		{"notify-keyspace-events", "KEA", "AKE"},
		{"notify-keyspace-events", "Kx", "xK"},
		{"notify-keyspace-events", "Ag", "A"},
		{"notify-keyspace-events", "Em$n", "$nEm"},
		{"notify-keyspace-events", "", ""},
		{"maxmemory-policy", "Allkeys-LRU", "allkeys-lru"},
		{"loglevel", "WARNING", "warning"},
		{"appendonly", "NO", "no"},
		{"appendfsync", "always", "always"},
		{"hz", "1000", "500"},
		{"hz", "0", "1"},
		{"save", "", ""},
		{"save", "5 5 6 6", "5 5 6 6"},
		{"save", "1 +1", "1 1"},
		{"client-output-buffer-limit", "Replica 1mb 1k 5 normal 10 10 10", "normal 10 10 10 slave 1048576 1000 5 pubsub 33554432 8388608 60"},
		{"client-output-buffer-limit", "", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"requirepass", "", ""},
		{"requirepass", "p w", "p w"},
		{"latency-tracking-info-percentiles", "1.5 99.999 0", "1.5 99.999 0"},
		{"latency-tracking-info-percentiles", "", ""},
		{"hash-max-ziplist-entries", "300", "300"},
		{"list-max-listpack-size", "-5", "-5"},
		{"slowlog-log-slower-than", "-1", "-1"},
		{"oom-score-adj", "relative", "yes"},
		{"oom-score-adj-values", "0 100 1000", "0 100 1000"},
		{"aof-segment-size", "128mb", "134217728"},
		{"checkpoint-retain", "3", "3"},
		{"proc-title-template", "{title} {port}", "{title} {port}"},
	}
	for _, tc := range cases {
		c := Default()
		require.NoError(t, c.Set(tc.name, tc.value), "%s %q", tc.name, tc.value)
		assert.Equal(t, tc.get, getOne(t, c, tc.name), "%s %q", tc.name, tc.value)
	}
}

// Error replies are those of redis-server 7.0.15 for the same commands.
func TestSetErrors(t *testing.T) {
	cases := []struct {
		pairs [][2]string
		err   string
	}{
		{[][2]string{{"timeout", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"TIMEOUT", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"timeout", " 5"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"timeout", "0x10"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"databases", "3"}}, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{[][2]string{{"Databases", "3"}}, "ERR CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable config"},
		{[][2]string{{"port", "7000"}}, "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"},
		{[][2]string{{"bind", "0.0.0.0"}}, "ERR CONFIG SET failed (possibly related to argument 'bind') - can't set immutable config"},
		{[][2]string{{"dir", "/tmp"}}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set immutable config"},
		{[][2]string{{"shards", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'shards') - can't set immutable config"},
		{[][2]string{{"dbfilename", "x.rdb"}}, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"},
		{[][2]string{{"foo", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - ''"},
		{[][2]string{{"maxmemory", "1x"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"maxmemory", "1tb"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"maxmemory", "1.5mb"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"save", "1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", "100  1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", " 100 1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", "1 -1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", "1 0x1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"loglevel", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[][2]string{{"maxmemory-policy", ""}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{[][2]string{{"appendfsync", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no"},
		{[][2]string{{"appendonly", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"},
		{[][2]string{{"hash-max-ziplist-entries", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be parsed into an integer"},
		{[][2]string{{"client-output-buffer-limit", "normal 1"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."},
		{[][2]string{{"client-output-buffer-limit", "master 1 1 1"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."},
		{[][2]string{{"client-output-buffer-limit", "normal 1 1 -1"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{[][2]string{{"latency-tracking-info-percentiles", "101"}}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{[][2]string{{"latency-tracking-info-percentiles", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters"},
		{[][2]string{{"hz", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive"},
		{[][2]string{{"slowlog-max-len", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument must be between 0 and 9223372036854775807 inclusive"},
		{[][2]string{{"list-max-listpack-size", "99999999999"}}, "ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument must be between -2147483648 and 2147483647 inclusive"},
		{[][2]string{{"maxclients", "0"}}, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"},
		{[][2]string{{"notify-keyspace-events", "Q"}}, "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		// Several pairs: names are all checked before any value.
		{[][2]string{{"maxmemory", "1"}, {"timeout", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"timeout", "1"}, {"foo", "2"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"databases", "1"}, {"foo", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{[][2]string{{"foo", "2"}, {"databases", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"timeout", "abc"}, {"databases", "1"}}, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{[][2]string{{"maxmemory", "1"}, {"maxmemory", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"},
		{[][2]string{{"hash-max-listpack-entries", "1"}, {"HASH-MAX-ZIPLIST-ENTRIES", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'HASH-MAX-ZIPLIST-ENTRIES') - duplicate parameter"},
	}
	for _, tc := range cases {
		c := Default()
		before := c.Get("*")
		err := c.SetMulti(tc.pairs, false)
		require.Error(t, err, "%q", tc.pairs)
		assert.Equal(t, tc.err, err.Error(), "%q", tc.pairs)
		assert.Equal(t, before, c.Get("*"), "%q: nothing may change", tc.pairs)
	}
}

func TestSetMultiAtomic(t *testing.T) {
	c := Default()
	require.NoError(t, c.SetMulti([][2]string{{"maxmemory", "1mb"}, {"timeout", "30"}, {"save", ""}}, false))
	assert.Equal(t, uint64(1<<20), c.MaxMemory)
	assert.Equal(t, 30, c.Timeout)
	assert.Empty(t, c.Save)

	err := c.SetMulti([][2]string{{"maxmemory", "2mb"}, {"save", "10 1"}, {"timeout", "x"}}, false)
	require.Error(t, err)
	assert.Equal(t, uint64(1<<20), c.MaxMemory)
	assert.Equal(t, 30, c.Timeout)
	assert.Empty(t, c.Save)
}

func TestSetProtected(t *testing.T) {
	c := Default()
	c.EnableProtectedConfigs = "local"
	assert.Error(t, c.Set("dbfilename", "x.rdb"))
	require.NoError(t, c.SetMulti([][2]string{{"dbfilename", "x.rdb"}}, true))
	assert.Equal(t, "x.rdb", c.DBFilename)

	c.EnableProtectedConfigs = "yes"
	require.NoError(t, c.Set("dbfilename", "y.rdb"))
	assert.Equal(t, "y.rdb", c.DBFilename)
	assert.EqualError(t, c.Set("dbfilename", "a/b"), "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
}

func TestOnChange(t *testing.T) {
	c := Default()
	var calls []string
	c.OnChange = func(name string) error {
		calls = append(calls, name+"="+getOne(t, c, name))
		return nil
	}
	require.NoError(t, c.SetMulti([][2]string{{"appendfsync", "always"}, {"hz", "10"}, {"hash-max-ziplist-entries", "5"}}, false))
	// hz did not change; the alias is reported under the primary name.
	assert.Equal(t, []string{"appendfsync=always", "hash-max-listpack-entries=5"}, calls)

	calls = nil
	c.OnChange = func(name string) error {
		calls = append(calls, name+"="+getOne(t, c, name))
		if name == "maxclients" && c.MaxClients > 100 {
			return errors.New("The operating system is not able to handle the specified number of clients, try with 100")
		}
		return nil
	}
	err := c.SetMulti([][2]string{{"appendfsync", "no"}, {"maxclients", "500"}}, false)
	assert.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 100")
	assert.Equal(t, "always", c.AppendFsync)
	assert.Equal(t, 10000, c.MaxClients)
	// Applied, failed, then both told again with the old values.
	assert.Equal(t, []string{"appendfsync=no", "maxclients=500", "appendfsync=always", "maxclients=10000"}, calls)
}

func TestOptionInfo(t *testing.T) {
	info, ok := Lookup("APPENDFSYNC")
	require.True(t, ok)
	assert.Equal(t, OptionInfo{Name: "appendfsync", Mutable: true}, info)
	info, ok = Lookup("slave-read-only")
	require.True(t, ok)
	assert.Equal(t, "replica-read-only", info.Name)
	assert.Equal(t, "slave-read-only", info.Alias)
	info, _ = Lookup("requirepass")
	assert.True(t, info.Sensitive)
	info, _ = Lookup("databases")
	assert.False(t, info.Mutable)
	info, _ = Lookup("dbfilename")
	assert.True(t, info.Protected)
	_, ok = Lookup("nope")
	assert.False(t, ok)
	assert.Len(t, Options(), len(optionTable))
}

func TestClone(t *testing.T) {
	c := Default()
	d := c.Clone()
	assert.Equal(t, c, d)
	d.Bind[0] = "0.0.0.0"
	d.Save[0].Seconds = 1
	d.LatencyTrackingInfoPercentiles[0] = 1
	assert.Equal(t, "127.0.0.1", c.Bind[0])
	assert.Equal(t, int64(3600), c.Save[0].Seconds)
	assert.Equal(t, 50.0, c.LatencyTrackingInfoPercentiles[0])
}

func TestKeyspaceEvents(t *testing.T) {
	f, ok := KeyspaceEventsFlags("KEA")
	require.True(t, ok)
	assert.Equal(t, NotifyKeyspace|NotifyKeyevent|NotifyAll, f)
	assert.Equal(t, "AKE", KeyspaceEventsString(f))
	f, ok = KeyspaceEventsFlags("g$lshzxetd")
	require.True(t, ok)
	assert.Equal(t, NotifyAll, f)
	_, ok = KeyspaceEventsFlags("KQ")
	assert.False(t, ok)
}

func TestProcTitleTemplate(t *testing.T) {
	for _, ok := range []string{"{title} {listen-addr} {server-mode}", "keel", "{port}", "{tls-port}", "{{literal}}", "{title} x"} {
		assert.NoError(t, validProcTitleTemplate(ok), ok)
	}
	for _, bad := range []string{"", "  ", "{server-mode}", "{title} {unixsocket} {config-file}", "{title", "}", "a}b", "{nope}"} {
		assert.Error(t, validProcTitleTemplate(bad), bad)
	}
}

func TestShardCount(t *testing.T) {
	c := Default()
	assert.Equal(t, 0, c.Shards)
	assert.GreaterOrEqual(t, c.ShardCount(), 1)
	c.Shards = 3
	assert.Equal(t, 3, c.ShardCount())
}
