package shardcore

import (
	"bufio"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bulkBody strips the "$n\r\n" header and the final CRLF of a bulk reply.
func bulkBody(t *testing.T, raw string) string {
	t.Helper()
	v, err := resp.ParseReply([]byte(raw))
	require.NoError(t, err, raw)
	require.Equal(t, byte('$'), v.Kind, raw)
	return v.Str
}

// parseInfo maps INFO's fields; section headers are skipped.
func parseInfo(t *testing.T, raw string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(bulkBody(t, raw), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}

func infoInt(t *testing.T, info map[string]string, key string) int64 {
	t.Helper()
	v, ok := info[key]
	require.True(t, ok, "INFO lacks %s", key)
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "%s=%q", key, v)
	return n
}

// connShard returns the shard owning the connection with this client id.
func connShard(t *testing.T, srv *Server, id int64) int {
	t.Helper()
	res, ok := srv.gather(func(s *Shard) any {
		for _, c := range s.conns {
			if c.id == id {
				return true
			}
		}
		return false
	})
	require.True(t, ok)
	for i, r := range res {
		if r.(bool) {
			return i
		}
	}
	t.Fatalf("client %d not found on any shard", id)
	return -1
}

type shardConn struct {
	*rawConn
	id    int64
	shard int
}

func openConn(t *testing.T, srv *Server) shardConn {
	t.Helper()
	rc := testRaw(t, srv)
	raw := rc.do("CLIENT", "ID")
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(raw, ":")), 10, 64)
	require.NoError(t, err, raw)
	return shardConn{rc, id, connShard(t, srv, id)}
}

// connsOnShards opens connections until the server's shards (the kernel
// spreads them) hold one each, and returns one per shard.
func connsOnShards(t *testing.T, srv *Server) []shardConn {
	t.Helper()
	per := make([]shardConn, srv.Shards())
	found := 0
	for tries := 0; found < len(per) && tries < 64; tries++ {
		c := openConn(t, srv)
		if per[c.shard].rawConn == nil {
			per[c.shard] = c
			found++
		}
	}
	require.Equal(t, len(per), found, "connections did not reach every shard")
	return per
}

// expectClosed checks that the server closed the connection.
func expectClosed(t *testing.T, rc *rawConn) {
	t.Helper()
	require.NoError(t, rc.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := rc.r.ReadByte()
	require.ErrorIs(t, err, io.EOF)
}

func TestInfoFormatAndSections(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	assert.Equal(t, "$0\r\n\r\n", rc.do("INFO", "nosuchsection"))

	body := bulkBody(t, rc.do("INFO"))
	var titles []string
	for _, m := range regexp.MustCompile(`(?m)^# (\w+)\r$`).FindAllStringSubmatch(body, -1) {
		titles = append(titles, m[1])
	}
	assert.Equal(t, []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"}, titles)
	assert.True(t, strings.HasPrefix(body, "# Server\r\nredis_version:7.0.15\r\n"), body[:40])
	assert.Contains(t, body, "\r\n\r\n# Clients\r\nconnected_clients:")
	assert.True(t, strings.HasSuffix(body, "\r\n"))
	assert.NotContains(t, body, "\n\n")

	for _, all := range []string{"all", "EVERYTHING"} {
		assert.Contains(t, bulkBody(t, rc.do("INFO", all)), "# Commandstats\r\n")
	}
	assert.Equal(t, "# CPU\r\n", bulkBody(t, rc.do("INFO", "cpu", "keyspace"))[:7])
	assert.Regexp(t, `^# CPU\r\n(used_cpu_\w+:\d+\.\d{6}\r\n){6}\r\n# Keyspace\r\n$`, bulkBody(t, rc.do("INFO", "cpu", "keyspace")))
	assert.Equal(t, "# Cluster\r\ncluster_enabled:0\r\n", bulkBody(t, rc.do("INFO", "cluster")))

	info := parseInfo(t, rc.do("INFO", "default"))
	assert.Equal(t, "7.0.15", info["redis_version"])
	assert.Equal(t, "2", info["shards"])
	assert.Equal(t, strconv.Itoa(srv.Port()), info["tcp_port"])
	assert.Equal(t, "master", info["role"])
	assert.Equal(t, "0", info["connected_slaves"])
	assert.Equal(t, "0", info["loading"])
	assert.Equal(t, "0", info["aof_enabled"], "nothing is persisted")
	assert.Equal(t, "ok", info["aof_last_write_status"])
	assert.Len(t, info["run_id"], 40)
	assert.Equal(t, "noeviction", info["maxmemory_policy"])
	assert.Positive(t, infoInt(t, info, "used_memory"))
	assert.Positive(t, infoInt(t, info, "used_memory_rss"))
	assert.Positive(t, infoInt(t, info, "process_id"))
	assert.Regexp(t, `^\d+\.\d{6}$`, info["used_cpu_user"])
}

func TestInfoNumbersFollowLoad(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	before := parseInfo(t, rc.do("INFO"))
	assert.EqualValues(t, 1, infoInt(t, before, "connected_clients"))
	assert.NotContains(t, before, "db0")

	require.Equal(t, "+OK\r\n", rc.do("SET", "{a}x", "1"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "{b}y", "2"))
	require.Equal(t, "$1\r\n1\r\n", rc.do("GET", "{a}x"))
	require.Equal(t, "$-1\r\n", rc.do("GET", "{b}missing"))
	require.Equal(t, "$-1\r\n", rc.do("GET", "{a}missing"))
	other := testRaw(t, srv)
	require.Equal(t, "+PONG\r\n", other.do("PING"))

	after := parseInfo(t, rc.do("INFO"))
	// The six commands and the first INFO, as Redis counts.
	assert.Equal(t, infoInt(t, before, "total_commands_processed")+7, infoInt(t, after, "total_commands_processed"))
	assert.Equal(t, infoInt(t, before, "keyspace_hits")+1, infoInt(t, after, "keyspace_hits"))
	assert.Equal(t, infoInt(t, before, "keyspace_misses")+2, infoInt(t, after, "keyspace_misses"))
	assert.EqualValues(t, 2, infoInt(t, after, "connected_clients"))
	assert.EqualValues(t, 2, infoInt(t, after, "total_connections_received"))
	assert.EqualValues(t, 2, infoInt(t, after, "rdb_changes_since_last_save"))
	assert.Greater(t, infoInt(t, after, "total_net_input_bytes"), infoInt(t, before, "total_net_input_bytes"))
	assert.Equal(t, "keys=2,expires=0,avg_ttl=0", after["db0"])
	assert.Positive(t, infoInt(t, after, "used_memory_dataset"))

	require.Regexp(t, `^:\d+\r\n$`, rc.do("CLIENT", "ID"))
	stats := parseInfo(t, rc.do("INFO", "commandstats"))
	assert.Regexp(t, `^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$`, stats["cmdstat_set"])
	assert.Contains(t, stats["cmdstat_get"], "calls=3,")
	assert.Contains(t, stats["cmdstat_client|id"], "calls=1,", "subcommands are named parent|sub")

	// instantaneous_ops_per_sec is sampled every 100ms once INFO ran.
	cl := testClient(t, srv)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			pipe := cl.Pipeline()
			for i := 0; i < 50; i++ {
				pipe.Ping(ctxb())
			}
			_, _ = pipe.Exec(ctxb())
		}
	}()
	require.Eventually(t, func() bool {
		return infoInt(t, parseInfo(t, rc.do("INFO", "stats")), "instantaneous_ops_per_sec") > 0
	}, 10*time.Second, 50*time.Millisecond)
	close(stop)
	wg.Wait()

	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "RESETSTAT"))
	reset := parseInfo(t, rc.do("INFO"))
	assert.EqualValues(t, 1, infoInt(t, reset, "total_commands_processed"), "RESETSTAT itself")
	assert.Zero(t, infoInt(t, reset, "keyspace_hits"))
	assert.Zero(t, infoInt(t, reset, "total_connections_received"))
	assert.Equal(t, "keys=2,expires=0,avg_ttl=0", reset["db0"], "RESETSTAT keeps the data")
}

func TestInfoAddInfo(t *testing.T) {
	srv := testServer(t, 1)
	srv.AddInfo("persistence", func() [][2]string {
		return [][2]string{{"aof_enabled", "0"}, {"aof_current_size", "42"}}
	})
	srv.AddInfo("durability", func() [][2]string { return [][2]string{{"fsync_lag_ms", "3"}} })
	rc := testRaw(t, srv)
	body := bulkBody(t, rc.do("INFO", "persistence"))
	assert.Contains(t, body, "\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n", "replaced in place")
	assert.True(t, strings.HasSuffix(body, "\r\naof_current_size:42\r\n"), "appended")
	assert.Equal(t, "# Durability\r\nfsync_lag_ms:3\r\n", bulkBody(t, rc.do("INFO", "durability")))
	assert.True(t, strings.HasSuffix(bulkBody(t, rc.do("INFO")), "\r\n\r\n# Durability\r\nfsync_lag_ms:3\r\n"))
}

// fakeLog is a Persistence that reports its own INFO fields and can refuse
// an fsync policy.
type fakeLog struct {
	nopPersistence
	policy string
}

func (f *fakeLog) Info(lines []string) []string {
	return append(lines, "aof_enabled:1", "aof_current_size:123", "aof_fsync_policy:"+f.policy)
}

func (f *fakeLog) SetFsync(policy string) error {
	if policy == "no" {
		return errors.New("refused by the log")
	}
	f.policy = policy
	return nil
}

func TestPersistenceHooks(t *testing.T) {
	cfg, err := config.Parse([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--shards", "2"})
	require.NoError(t, err)
	log := &fakeLog{policy: "everysec"}
	srv, err := NewServer(cfg, Options{Persistence: log})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	rc := testRaw(t, srv)
	assert.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "appendfsync", "always"))
	assert.Equal(t, "*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n", rc.do("CONFIG", "GET", "appendfsync"))
	assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'appendfsync') - refused by the log\r\n", rc.do("CONFIG", "SET", "appendfsync", "no"))
	assert.Equal(t, "*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n", rc.do("CONFIG", "GET", "appendfsync"))
	info := parseInfo(t, rc.do("INFO", "persistence"))
	assert.Equal(t, "1", info["aof_enabled"])
	assert.Equal(t, "123", info["aof_current_size"])
	assert.Equal(t, "always", info["aof_fsync_policy"])
}

func TestInfoRESP3Verbatim(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	rc.do("HELLO", "3")
	assert.Regexp(t, `^=\d+\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n$`, rc.do("INFO", "cluster"))
}

func TestConfigCommands(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG"}, "-ERR wrong number of arguments for 'config' command\r\n"},
		{[]string{"CONFIG", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"},
		{[]string{"CONFIG", "GET"}, "-ERR wrong number of arguments for 'config|get' command\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "nosuchoption"}, "*0\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory"}, "-ERR wrong number of arguments for 'config|set' command\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "10mb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "1", "x"}, "-ERR syntax error\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "10mb", "maxmemory", "2"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "SET", "nope", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "SET", "daemonize", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "5", "maxmemory-policy", "bogus"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"},
		{[]string{"CONFIG", "RESETSTAT", "x"}, "-ERR wrong number of arguments for 'config|resetstat' command\r\n"},
		{[]string{"CONFIG", "RESETSTAT"}, "+OK\r\n"},
		{[]string{"CONFIG", "REWRITE"}, "-ERR The server is running without a config file\r\n"},
		{[]string{"CONFIG", "REWRITE", "x"}, "-ERR wrong number of arguments for 'config|rewrite' command\r\n"},
		{[]string{"CONFIG", "HELP", "x"}, "-ERR wrong number of arguments for 'config|help' command\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, rc.do(tc.args...), "%q", tc.args)
	}
	assert.True(t, strings.HasPrefix(rc.do("CONFIG", "HELP"), "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n"))

	// Several patterns, and a set seen from the other shard.
	cl := testClient(t, srv)
	got, err := cl.ConfigGet(ctxb(), "maxmemory-p*").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"maxmemory-policy": "noeviction"}, got)
	conns := connsOnShards(t, srv)
	require.Equal(t, "+OK\r\n", conns[0].do("CONFIG", "SET", "slowlog-max-len", "7", "hz", "20"))
	assert.Equal(t, "*4\r\n$15\r\nslowlog-max-len\r\n$1\r\n7\r\n$2\r\nhz\r\n$2\r\n20\r\n", conns[1].do("CONFIG", "GET", "slowlog-max-len", "hz"))
	assert.EqualValues(t, 20, infoInt(t, parseInfo(t, conns[1].do("INFO", "server")), "hz"))
	assert.Contains(t, parseInfo(t, rc.do("INFO", "commandstats"))["cmdstat_config|set"], "calls=")
}

func TestConfigRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keel.conf")
	require.NoError(t, os.WriteFile(path, []byte("# keel test\nport 0\nbind 127.0.0.1\nshards 1\ndir "+dir+"\n"), 0o644))
	cfg, err := config.ParseFile(path, nil)
	require.NoError(t, err)
	srv, err := NewServer(cfg, Options{})
	require.NoError(t, err)
	srv.Start()
	t.Cleanup(srv.Stop)
	rc := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "maxmemory", "1mb"))
	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "REWRITE"))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), "# keel test\n")
	assert.Contains(t, string(b), "\nmaxmemory 1mb\n")
	assert.Equal(t, path, parseInfo(t, rc.do("INFO", "server"))["config_file"])
}

func TestTimeAndLastsave(t *testing.T) {
	srv := testServer(t, 1)
	rc := testRaw(t, srv)
	v, err := resp.ParseReply([]byte(rc.do("TIME")))
	require.NoError(t, err)
	require.Len(t, v.Array, 2)
	sec, err := strconv.ParseInt(v.Array[0].Str, 10, 64)
	require.NoError(t, err)
	usec, err := strconv.ParseInt(v.Array[1].Str, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), sec, 5)
	assert.True(t, usec >= 0 && usec < 1e6)
	assert.Equal(t, "-ERR wrong number of arguments for 'time' command\r\n", rc.do("TIME", "x"))
	assert.Equal(t, ":"+strconv.FormatInt(srv.lastSave.Load(), 10)+"\r\n", rc.do("LASTSAVE"))
	assert.Equal(t, "-ERR wrong number of arguments for 'lastsave' command\r\n", rc.do("LASTSAVE", "x"))
}

func TestSlowlog(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	cl := testClient(t, srv)
	require.NoError(t, cl.Ping(ctxb()).Err()) // its handshake is logged before what follows
	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "slowlog-log-slower-than", "0"))
	require.Equal(t, "+OK\r\n", rc.do("CLIENT", "SETNAME", "slow"))
	require.Equal(t, "+OK\r\n", rc.do("SET", "{a}x", "1")) // shard 1
	require.Equal(t, "+OK\r\n", rc.do("SET", "{b}y", "2")) // shard 0
	long := strings.Repeat("v", 200)
	require.Equal(t, "+OK\r\n", rc.do("SET", "{a}z", long))

	entries, err := cl.SlowLogGet(ctxb(), -1).Result()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), 5)
	for i := 1; i < len(entries); i++ {
		assert.Greater(t, entries[i-1].ID, entries[i].ID, "newest first")
	}
	local := rc.nc.LocalAddr().String()
	assert.Equal(t, []string{"SET", "{a}z", strings.Repeat("v", 128) + "... (72 more bytes)"}, entries[0].Args)
	assert.Equal(t, []string{"SET", "{b}y", "2"}, entries[1].Args)
	assert.Equal(t, []string{"SET", "{a}x", "1"}, entries[2].Args)
	assert.Equal(t, []string{"CLIENT", "SETNAME", "slow"}, entries[3].Args)
	assert.Equal(t, []string{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, entries[4].Args)
	// Client details are known where the connection lives (commands run
	// for it by another shard carry none yet).
	id, err := strconv.ParseInt(strings.TrimSpace(rc.do("CLIENT", "ID")[1:]), 10, 64)
	require.NoError(t, err)
	onOwn := entries[1]
	if srv.shardOf([]byte("{a}x")).id == connShard(t, srv, id) {
		onOwn = entries[2]
	}
	assert.Equal(t, local, onOwn.ClientAddr)
	assert.Equal(t, "slow", onOwn.ClientName)
	assert.Equal(t, local, entries[4].ClientAddr)
	assert.Equal(t, "", entries[4].ClientName)
	assert.InDelta(t, time.Now().Unix(), entries[0].Time.Unix(), 5)

	assert.Regexp(t, `^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*2\r\n\$6\r\nCLIENT\r\n\$2\r\nID\r\n\$15\r\n127\.0\.0\.1:\d+\r\n\$4\r\nslow\r\n$`, rc.do("SLOWLOG", "GET", "1"))
	assert.Regexp(t, `^:\d+\r\n$`, rc.do("SLOWLOG", "LEN"))
	assert.Equal(t, "*0\r\n", rc.do("SLOWLOG", "GET", "0"))
	for _, bad := range []string{"-2", "abc", "01"} {
		assert.Equal(t, "-ERR count should be greater than or equal to -1\r\n", rc.do("SLOWLOG", "GET", bad))
	}
	assert.Equal(t, "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n", rc.do("SLOWLOG", "GET", "1", "2"))
	assert.Equal(t, "-ERR wrong number of arguments for 'slowlog' command\r\n", rc.do("SLOWLOG"))
	assert.Equal(t, "-ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.\r\n", rc.do("SLOWLOG", "FOO"))
	assert.Equal(t, "-ERR wrong number of arguments for 'slowlog|len' command\r\n", rc.do("SLOWLOG", "LEN", "x"))
	assert.True(t, strings.HasPrefix(rc.do("SLOWLOG", "HELP"), "*12\r\n+SLOWLOG <subcommand>"))
	// As in Redis, SLOWLOG RESET and LEN are logged once they ran.
	assert.Equal(t, "+OK\r\n", rc.do("SLOWLOG", "RESET"))
	assert.Equal(t, ":1\r\n", rc.do("SLOWLOG", "LEN"))
	require.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "slowlog-log-slower-than", "-1"))
	require.Equal(t, "+PONG\r\n", rc.do("PING"))
	assert.Equal(t, ":2\r\n", rc.do("SLOWLOG", "LEN"))
}

func TestDebug(t *testing.T) {
	off := testRaw(t, testServer(t, 1))
	assert.Equal(t, "-"+errDebugNotAllowed+"\r\n", off.do("DEBUG", "SLEEP", "0"))
	local := testRaw(t, testServer(t, 1, "--enable-debug-command", "local"))
	assert.Equal(t, "+OK\r\n", local.do("DEBUG", "SLEEP", "0"))

	rc := testRaw(t, testServer(t, 2, "--enable-debug-command", "yes"))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"DEBUG"}, "-ERR wrong number of arguments for 'debug' command\r\n"},
		{[]string{"DEBUG", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.\r\n"},
		{[]string{"DEBUG", "SLEEP"}, "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n"},
		{[]string{"debug", "help", "x"}, "-ERR unknown subcommand or wrong number of arguments for 'help'. Try DEBUG HELP.\r\n"},
		{[]string{"DEBUG", "SLEEP", "0"}, "+OK\r\n"},
		{[]string{"DEBUG", "SLEEP", "0.01"}, "+OK\r\n"},
		{[]string{"DEBUG", "SLEEP", "1e-2"}, "+OK\r\n"},
		{[]string{"DEBUG", "SLEEP", "abc"}, "+OK\r\n"},
		{[]string{"DEBUG", "SLEEP", "-1"}, "+OK\r\n"},
		{[]string{"DEBUG", "ERROR", "BAD thing"}, "-BAD thing\r\n"},
		{[]string{"DEBUG", "LOG", "hello"}, "+OK\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, rc.do(tc.args...), "%q", tc.args)
	}
	assert.True(t, strings.HasPrefix(rc.do("DEBUG", "HELP"), "*10\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"))
}

func TestStrtodPrefix(t *testing.T) {
	for in, want := range map[string]float64{"1.5": 1.5, " 2x": 2, "abc": 0, "": 0, "-3": -3, "1e2s": 100, ".5": 0.5, "5.": 5, "inf": math.Inf(1), "1e": 1, "--1": 0} {
		assert.Equal(t, want, strtodPrefix(in), in)
	}
}

func TestMonitorAcrossShards(t *testing.T) {
	srv := testServer(t, 2)
	conns := connsOnShards(t, srv)
	mon, other := conns[0], conns[1]
	same := testRaw(t, srv)
	require.Equal(t, "+OK\r\n", mon.do("MONITOR"))
	line := regexp.MustCompile(`^\+\d{10}\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$`)
	expect := func(db, args string) {
		t.Helper()
		m := line.FindStringSubmatch(mon.read())
		require.NotNil(t, m)
		assert.Equal(t, db, m[1])
		assert.Equal(t, args, m[2])
	}

	require.Equal(t, "+OK\r\n", other.do("SET", "k", "a b\n\"c\"\x01"))
	expect("0", `"SET" "k" "a b\n\"c\"\x01"`)
	require.Equal(t, "+OK\r\n", other.do("SELECT", "3"))
	expect("0", `"SELECT" "3"`)
	other.do("GET", "k")
	expect("3", `"GET" "k"`)
	other.do("AUTH", "secret")
	expect("3", `"AUTH" "(redacted)"`)
	// Administrative commands are not shown, nor is a second MONITOR
	// answered.
	other.do("CONFIG", "GET", "hz")
	_, err := mon.nc.Write(resp.AppendCommandString(nil, "MONITOR"))
	require.NoError(t, err)
	same.do("PING")
	expect("0", `"PING"`)

	// A closed monitor is dropped on the next command.
	require.NoError(t, mon.nc.Close())
	require.Eventually(t, func() bool {
		other.do("PING")
		list := srv.ext().monitors.Load()
		return list != nil && len(*list) == 0
	}, 10*time.Second, 10*time.Millisecond)
}

func TestMonitorLineFormat(t *testing.T) {
	at := time.Unix(1339518083, 107412000)
	assert.Equal(t, "+1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"\r\n", formatMonitorLine(at, 0, "127.0.0.1:60866", [][]byte{[]byte("keys"), []byte("*")}))
	assert.Equal(t, "+1339518083.000005 [2 [::1]:1] \"HELLO\" \"3\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n",
		formatMonitorLine(time.Unix(1339518083, 5000), 2, "[::1]:1", [][]byte{[]byte("HELLO"), []byte("3"), []byte("AUTH"), []byte("u"), []byte("p")}))
}

func TestShutdown(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	for _, args := range [][]string{{"SHUTDOWN", "FOO"}, {"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "ABORT", "NOW"}} {
		assert.Equal(t, "-ERR syntax error\r\n", rc.do(args...), "%q", args)
	}
	assert.Equal(t, "-ERR No shutdown in progress.\r\n", rc.do("SHUTDOWN", "ABORT"))
	other := testRaw(t, srv)
	require.Equal(t, "+PONG\r\n", other.do("PING"))
	_, err := rc.nc.Write(resp.AppendCommandString(nil, "SHUTDOWN", "NOSAVE", "NOW"))
	require.NoError(t, err)
	expectClosed(t, rc)
	expectClosed(t, other)
	select {
	case <-srv.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
}

func TestClientConnectionCommands(t *testing.T) {
	srv := testServer(t, 2)
	c := openConn(t, srv)
	id := strconv.FormatInt(c.id, 10)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT"}, "-ERR wrong number of arguments for 'client' command\r\n"},
		{[]string{"CLIENT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "ID", "x"}, "-ERR wrong number of arguments for 'client|id' command\r\n"},
		{[]string{"CLIENT", "ID"}, ":" + id + "\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME"}, "-ERR wrong number of arguments for 'client|setname' command\r\n"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETNAME", "foo"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$3\r\nfoo\r\n"},
		{[]string{"CLIENT", "SETNAME", ""}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "INFO", "x"}, "-ERR wrong number of arguments for 'client|info' command\r\n"},
		{[]string{"CLIENT", "LIST", "x"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE", "pubsub"}, "$0\r\n\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE", "master"}, "$0\r\n\r\n"},
		{[]string{"CLIENT", "LIST", "ID"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "abc"}, "-ERR Invalid client ID\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "0"}, "-ERR Invalid client ID\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "999999"}, "$0\r\n\r\n"},
		{[]string{"CLIENT", "NO-EVICT"}, "-ERR wrong number of arguments for 'client|no-evict' command\r\n"},
		{[]string{"CLIENT", "NO-EVICT", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "NO-EVICT", "on"}, "+OK\r\n"},
		{[]string{"CLIENT", "REPLY"}, "-ERR wrong number of arguments for 'client|reply' command\r\n"},
		{[]string{"CLIENT", "REPLY", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "KILL"}, "-ERR wrong number of arguments for 'client|kill' command\r\n"},
		{[]string{"CLIENT", "KILL", "1.2.3.4:5"}, "-ERR No such client\r\n"},
		{[]string{"CLIENT", "KILL", "ADDR"}, "-ERR No such client\r\n"},
		{[]string{"CLIENT", "KILL", "ADDR", "1.2.3.4:5"}, ":0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "abc"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "0"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "999999"}, ":0\r\n"},
		{[]string{"CLIENT", "KILL", "TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"CLIENT", "KILL", "TYPE", "master"}, ":0\r\n"},
		{[]string{"CLIENT", "KILL", "foo", "bar"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "KILL", "SKIPME", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "KILL", "USER", "nobody"}, "-ERR No such user 'nobody'\r\n"},
		{[]string{"CLIENT", "KILL", "ADDR", "1", "2", "3"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "KILL", "ID", id}, ":0\r\n"}, // SKIPME yes by default
		{[]string{"CLIENT", "HELP", "x"}, "-ERR wrong number of arguments for 'client|help' command\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, c.do(tc.args...), "%q", tc.args)
	}
	assert.True(t, strings.HasPrefix(c.do("CLIENT", "HELP"), "*43\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"))

	info := bulkBody(t, c.do("CLIENT", "INFO"))
	format := regexp.MustCompile(`^id=(\d+) addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:(\d+) fd=\d+ name= age=\d+ idle=0 flags=e db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=rw? cmd=\S+ user=default redir=-1 resp=2\n$`)
	m := format.FindStringSubmatch(info)
	require.NotNil(t, m, info)
	assert.Equal(t, id, m[1])
	assert.Equal(t, strconv.Itoa(srv.Port()), m[2])
	assert.Equal(t, "+OK\r\n", c.do("CLIENT", "NO-EVICT", "OFF"))
	assert.Contains(t, bulkBody(t, c.do("CLIENT", "LIST", "ID", id)), " flags=N ")
	assert.Contains(t, bulkBody(t, c.do("CLIENT", "LIST", "TYPE", "normal")), "id="+id+" ")

	// REPLY OFF hides replies until ON; SKIP hides the next one only.
	for _, args := range [][]string{{"CLIENT", "REPLY", "OFF"}, {"PING"}, {"CLIENT", "REPLY", "ON"}} {
		_, err := c.nc.Write(resp.AppendCommandString(nil, args...))
		require.NoError(t, err)
	}
	assert.Equal(t, "+OK\r\n", c.read())
	for _, args := range [][]string{{"CLIENT", "REPLY", "SKIP"}, {"ECHO", "skipped"}, {"ECHO", "shown"}} {
		_, err := c.nc.Write(resp.AppendCommandString(nil, args...))
		require.NoError(t, err)
	}
	assert.Equal(t, "$5\r\nshown\r\n", c.read())
	assert.Equal(t, "+PONG\r\n", c.do("PING"))
}

func TestClientListAndKillAcrossShards(t *testing.T) {
	srv := testServer(t, 2)
	conns := connsOnShards(t, srv)
	a, b := conns[0], conns[1]
	require.Equal(t, "+OK\r\n", a.do("CLIENT", "SETNAME", "alpha"))
	require.Equal(t, "+OK\r\n", b.do("CLIENT", "SETNAME", "beta"))
	require.Equal(t, "$-1\r\n", b.do("GET", "k"))

	// Every connection the shards hold is listed, in id order.
	var ids []int64
	res, ok := srv.gather(func(s *Shard) any {
		var out []int64
		for _, c := range s.conns {
			out = append(out, c.id)
		}
		return out
	})
	require.True(t, ok)
	for _, r := range res {
		ids = append(ids, r.([]int64)...)
	}
	list := bulkBody(t, a.do("CLIENT", "LIST"))
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	require.Len(t, lines, len(ids))
	prev := int64(0)
	for _, l := range lines {
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.Fields(l)[0], "id="), 10, 64)
		require.NoError(t, err)
		assert.Greater(t, id, prev)
		prev = id
	}
	bLine := bulkBody(t, a.do("CLIENT", "LIST", "ID", strconv.FormatInt(b.id, 10), "999999"))
	assert.Contains(t, bLine, " name=beta ")
	assert.Contains(t, bLine, " cmd=get ")
	assert.Equal(t, 1, strings.Count(bLine, "\n"))
	bAddr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(bLine)[1]
	assert.Equal(t, b.nc.LocalAddr().String(), bAddr)

	// Kill by id on the other shard; the victim sees its connection close.
	assert.Equal(t, ":1\r\n", a.do("CLIENT", "KILL", "ID", strconv.FormatInt(b.id, 10)))
	expectClosed(t, b.rawConn)
	assert.NotContains(t, bulkBody(t, a.do("CLIENT", "LIST")), "name=beta")

	// Kill by address, old form and new.
	c := openConn(t, srv)
	assert.Equal(t, "+OK\r\n", a.do("CLIENT", "KILL", c.nc.LocalAddr().String()))
	expectClosed(t, c.rawConn)
	d := openConn(t, srv)
	assert.Equal(t, ":1\r\n", a.do("CLIENT", "KILL", "ADDR", d.nc.LocalAddr().String(), "USER", "default"))
	expectClosed(t, d.rawConn)

	// LADDR with SKIPME yes kills everyone else on the listener.
	e, f := openConn(t, srv), openConn(t, srv)
	laddr := "127.0.0.1:" + strconv.Itoa(srv.Port())
	open := infoInt(t, parseInfo(t, a.do("INFO", "clients")), "connected_clients")
	assert.Equal(t, ":"+strconv.FormatInt(open-1, 10)+"\r\n", a.do("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "yes"))
	expectClosed(t, e.rawConn)
	expectClosed(t, f.rawConn)
	assert.Equal(t, "+PONG\r\n", a.do("PING"))
	require.Eventually(t, func() bool {
		return infoInt(t, parseInfo(t, a.do("INFO", "clients")), "connected_clients") == 1
	}, 10*time.Second, 10*time.Millisecond)

	// Killing oneself replies first, then closes.
	assert.Equal(t, ":1\r\n", a.do("CLIENT", "KILL", "ID", strconv.FormatInt(a.id, 10), "SKIPME", "no"))
	expectClosed(t, a.rawConn)
}

func TestMaxClients(t *testing.T) {
	srv := testServer(t, 1, "--maxclients", "1")
	rc := testRaw(t, srv)
	require.Equal(t, "+PONG\r\n", rc.do("PING"))
	nc, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.Port()))
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	line, err := bufio.NewReader(nc).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "-ERR max number of clients reached\r\n", line)
	assert.EqualValues(t, 1, infoInt(t, parseInfo(t, rc.do("INFO", "stats")), "rejected_connections"))
}

// Redis 7.0.15's reply to COMMAND INFO get.
const redisCommandInfoGet = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"

func TestCommandCommand(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	assert.Equal(t, ":"+strconv.Itoa(len(commands))+"\r\n", rc.do("COMMAND", "COUNT"))
	assert.Equal(t, redisCommandInfoGet, rc.do("COMMAND", "INFO", "get"))
	assert.Equal(t, redisCommandInfoGet, rc.do("command", "info", "GET"))
	assert.True(t, strings.HasPrefix(rc.do("COMMAND", "INFO", "config|get", "nosuch"), "*2\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n"))
	assert.True(t, strings.HasSuffix(rc.do("COMMAND", "INFO", "config|get", "nosuch"), "*0\r\n$-1\r\n"))
	assert.Equal(t, "*1\r\n$-1\r\n", rc.do("COMMAND", "INFO", "nosuch"))
	assert.Equal(t, "*0\r\n", rc.do("COMMAND", "DOCS", "nosuch"))
	summary := commands["get"].Summary
	assert.Equal(t, "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$"+strconv.Itoa(len(summary))+"\r\n"+summary+
		"\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n",
		rc.do("COMMAND", "DOCS", "get"))
	assert.Equal(t, "*6\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n$11\r\nconfig|help\r\n$16\r\nconfig|resetstat\r\n$14\r\nconfig|rewrite\r\n$10\r\nconfig|set\r\n",
		rc.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG*"))
	acl := rc.do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "Connection")
	for _, name := range []string{"client|list", "ping", "command|docs"} {
		assert.Contains(t, acl, "\r\n"+name+"\r\n")
	}
	assert.NotContains(t, acl, "\r\nget\r\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"COMMAND", "FOO"}, "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"},
		{[]string{"COMMAND", "COUNT", "x"}, "-ERR wrong number of arguments for 'command|count' command\r\n"},
		{[]string{"COMMAND", "LIST", "x"}, "-ERR syntax error\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY"}, "-ERR syntax error\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY", "foo", "bar"}, "-ERR syntax error\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"}, "*0\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}, "*0\r\n"},
		{[]string{"COMMAND", "GETKEYS"}, "-ERR wrong number of arguments for 'command|getkeys' command\r\n"},
		{[]string{"COMMAND", "GETKEYS", "get"}, "-ERR wrong number of arguments for 'command|getkeys' command\r\n"},
		{[]string{"COMMAND", "GETKEYS", "get", "a"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"COMMAND", "GETKEYS", "nope", "a"}, "-ERR Invalid command specified\r\n"},
		{[]string{"COMMAND", "GETKEYS", "ping", "x"}, "-ERR The command has no key arguments\r\n"},
		{[]string{"COMMAND", "GETKEYS", "config", "get", "x"}, "-ERR The command has no key arguments\r\n"},
		{[]string{"COMMAND", "GETKEYS", "config", "nope", "x"}, "-ERR Invalid command specified\r\n"},
		{[]string{"COMMAND", "GETKEYS", "set", "a"}, "-ERR Invalid number of arguments specified for command\r\n"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, rc.do(tc.args...), "%q", tc.args)
	}
	assert.True(t, strings.HasPrefix(rc.do("COMMAND", "HELP"), "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"))

	// Clients parse the whole table.
	cl := testClient(t, srv)
	all, err := cl.Command(ctxb()).Result()
	require.NoError(t, err)
	assert.Len(t, all, len(commands))
	require.Contains(t, all, "mset")
	assert.Equal(t, int8(1), all["mset"].FirstKeyPos)
	assert.Equal(t, int8(-1), all["mset"].LastKeyPos)
	assert.Equal(t, int8(2), all["mset"].StepCount)
	assert.True(t, all["get"].ReadOnly)
	docs, err := cl.Do(ctxb(), "COMMAND", "DOCS").Slice()
	require.NoError(t, err)
	assert.Len(t, docs, 2*len(commands))

	// RESP3: flags, categories and key specs are sets, docs are maps.
	rc.do("HELLO", "3")
	assert.True(t, strings.HasPrefix(rc.do("COMMAND", "INFO", "get"), "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n"))
	assert.True(t, strings.HasPrefix(rc.do("COMMAND", "DOCS", "get"), "%1\r\n$3\r\nget\r\n%5\r\n"))
}

func TestCommandMetadata(t *testing.T) {
	for name, m := range commandMeta {
		for _, src := range []string{m.tips, m.specs, m.docs} {
			if src == "" {
				continue
			}
			d, err := parseMetaTree(src)
			require.NoError(t, err, name)
			var w resp.Writer
			d.write(&w)
			_, err = resp.ParseReply(w.Bytes())
			require.NoError(t, err, name)
		}
	}
	for _, bad := range []string{"", "{a}", "{a b", "[\"x]", ":x", "[a] b", "<+a"} {
		_, err := parseMetaTree(bad)
		assert.Error(t, err, bad)
	}
	// Categories: explicit ones from Redis's table plus those flags imply.
	assert.Equal(t, []string{"keyspace", "read", "slow", "dangerous"}, commandCategories(&Command{Name: "keys", Flags: FlagReadonly}))
	assert.Equal(t, []string{"write", "list", "slow"}, commandCategories(&Command{Name: "keelonly", Flags: FlagWrite, Group: "list"}))
	assert.Equal(t, []string{"slow", "connection"}, commandCategories(commands["command"]))
	assert.Equal(t, "config|get", commands["config"].Sub["get"].fullName())
	assert.Equal(t, "command|docs", commandSubs["docs"].fullName())
	assert.Equal(t, commands["config"].Sub["set"], lookupFullName([]byte("CONFIG|SET")))
}
