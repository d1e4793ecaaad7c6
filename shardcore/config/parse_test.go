package config

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func fatal(line int, text, reason string) string {
	return (&FatalError{Line: line, Text: text, Reason: reason}).Error()
}

func TestFatalErrorFormat(t *testing.T) {
	assert.Equal(t, "*** FATAL CONFIG FILE ERROR (keel) ***\n"+
		"Reading the configuration file, at line 2\n"+
		">>> 'port abc'\n"+
		"argument couldn't be parsed into an integer",
		fatal(2, "port abc", "argument couldn't be parsed into an integer"))
	assert.Equal(t, "*** FATAL CONFIG FILE ERROR (keel) ***\nboom", (&FatalError{Reason: "boom"}).Error())
}

// The expected lines and reasons are what redis-server 7.0.15 prints for the
// same files.
func TestFileErrors(t *testing.T) {
	cases := []struct {
		content string
		line    int
		text    string
		reason  string
	}{
		{"port abc\n", 1, "port abc", "argument couldn't be parsed into an integer"},
		{"# c\nport 70000\n", 2, "port 70000", "argument must be between 0 and 65535 inclusive"},
		{"port\n", 1, "port", "wrong number of arguments"},
		{"port 1 2\n", 1, "port 1 2", "wrong number of arguments"},
		{"foo bar\n", 1, "foo bar", "Bad directive or wrong number of arguments"},
		{"appendonly maybe\n", 1, "appendonly maybe", "argument must be 'yes' or 'no'"},
		{"loglevel loud\n", 1, "loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"appendfsync sometimes", 1, "appendfsync sometimes", "argument(s) must be one of the following: everysec, always, no"},
		{"maxmemory-policy lru", 1, "maxmemory-policy lru", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{"maxmemory 10x\n", 1, "maxmemory 10x", "argument must be a memory value"},
		{"maxmemory -1\n", 1, "maxmemory -1", "argument must be a memory value"},
		{"proto-max-bulk-len 10\n", 1, "proto-max-bulk-len 10", "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{"save 10\n", 1, "save 10", "Invalid save parameters"},
		{"save 0 1\n", 1, "save 0 1", "Invalid save parameters"},
		{"save abc 1\n", 1, "save abc 1", "Invalid save parameters"},
		{"save 10 -1\n", 1, "save 10 -1", "Invalid save parameters"},
		{"port \"abc\n", 1, "port \"abc", "Unbalanced quotes in configuration line"},
		{"client-output-buffer-limit foo 1 2 3\n", 1, "client-output-buffer-limit foo 1 2 3", "Invalid client class specified in buffer limit configuration."},
		{"client-output-buffer-limit master 1 2 3\n", 1, "client-output-buffer-limit master 1 2 3", "Invalid client class specified in buffer limit configuration."},
		{"client-output-buffer-limit normal 1 2\n", 1, "client-output-buffer-limit normal 1 2", "Wrong number of arguments in buffer limit configuration."},
		{"client-output-buffer-limit normal 1x 2 3\n", 1, "client-output-buffer-limit normal 1x 2 3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"notify-keyspace-events Q\n", 1, "notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"dbfilename a/b\n", 1, "dbfilename a/b", "dbfilename can't be a path, just a filename"},
		{"appendfilename \"\"\n", 1, "appendfilename \"\"", "appendfilename can't be empty"},
		{"appenddirname a/b\n", 1, "appenddirname a/b", "appenddirname can't be a path, just a dirname"},
		{"slowlog-log-slower-than -5\n", 1, "slowlog-log-slower-than -5", "argument must be between -1 and 9223372036854775807 inclusive"},
		{"slowlog-max-len -1\n", 1, "slowlog-max-len -1", "argument must be between 0 and 9223372036854775807 inclusive"},
		{"maxclients 0\n", 1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
		{"maxclients -1\n", 1, "maxclients -1", "argument must be between 1 and 4294967295 inclusive"},
		{"list-max-listpack-size 99999999999\n", 1, "list-max-listpack-size 99999999999", "argument must be between -2147483648 and 2147483647 inclusive"},
		{"list-max-ziplist-entries 5 6\n", 1, "list-max-ziplist-entries 5 6", "Bad directive or wrong number of arguments"},
		{"timeout 05\n", 1, "timeout 05", "argument couldn't be parsed into an integer"},
		{"\t  port abc  \r\n", 1, "port abc", "argument couldn't be parsed into an integer"},
		{"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 1, "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
		{"oom-score-adj-values 0 200\n", 1, "oom-score-adj-values 0 200", "wrong number of arguments"},
		{"oom-score-adj-values 0 200 3000\n", 1, "oom-score-adj-values 0 200 3000", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
		{"latency-tracking-info-percentiles 50 101\n", 1, "latency-tracking-info-percentiles 50 101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{"latency-tracking-info-percentiles x\n", 1, "latency-tracking-info-percentiles x", "Invalid latency-tracking-info-percentiles parameters"},
		{"proc-title-template \"{nope}\"\n", 1, "proc-title-template \"{nope}\"", "template format is invalid or contains unknown variables"},
		{"shards 5000\n", 1, "shards 5000", "argument must be between 0 and 1024 inclusive"},
		{"rename-command FLUSHALL\n", 1, "rename-command FLUSHALL", "Bad directive or wrong number of arguments"},
		{"daemonize yes\n", 1, "daemonize yes", "keel does not daemonize: run it in the foreground under a supervisor (systemd, Docker, ...)"},
		{"port 1\n\n# ok\nport 2\nhz 5\nhz x\nport 3\n", 6, "hz x", "argument couldn't be parsed into an integer"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		p := writeFile(t, dir, "bad.conf", tc.content)
		_, err := ParseFile(p, nil)
		require.Error(t, err, "%q", tc.content)
		var fe *FatalError
		require.True(t, errors.As(err, &fe), "%q: %v", tc.content, err)
		assert.Equal(t, fatal(tc.line, tc.text, tc.reason), err.Error(), "%q", tc.content)
	}
}

// Command-line options become lines appended after the file, as in
// redis-server 7.0.15 (which printed these same lines and numbers).
func TestArgErrors(t *testing.T) {
	dir := t.TempDir()
	two := writeFile(t, dir, "two.conf", "port 1\n# x\n")
	cases := []struct {
		args   []string
		line   int
		text   string
		reason string
	}{
		{[]string{"--port", "abc"}, 2, `port "abc"`, "argument couldn't be parsed into an integer"},
		{[]string{two, "--port", "abc"}, 4, `port "abc"`, "argument couldn't be parsed into an integer"},
		{[]string{two, "--port", "23792", "--maxmemory", "1 2"}, 5, `maxmemory "1 2"`, "argument must be a memory value"},
		{[]string{"--port"}, 2, "port", "wrong number of arguments"},
		{[]string{"--port", "23792", "--loglevel"}, 3, "loglevel", "wrong number of arguments"},
		{[]string{"--port", "23792", "--bind", "127.0.0.1 ::1", "--loglevel", "foo"}, 4, `loglevel "foo"`, "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"--foo", "a b", `c"d`}, 2, `foo "a b" "c\"d"`, "Bad directive or wrong number of arguments"},
		{[]string{"--port", "23792", "--save", "--loglevel", "bad"}, 4, `loglevel "bad"`, "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"--port", "23792", "--loglevel bad"}, 3, "loglevel bad", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"--port", "23792", "--loglevel", "bad", "extra"}, 3, `loglevel "bad" "extra"`, "wrong number of arguments"},
		{[]string{"--port", "23792", "--save", "1", "2", "3"}, 3, `save "1" "2" "3"`, "Invalid save parameters"},
		{[]string{"--port", "23792", "--save", "", "--loglevel", "bad"}, 4, `loglevel "bad"`, "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"--port", "--bind", "127.0.0.1"}, 2, `port "--bind" "127.0.0.1"`, "wrong number of arguments"},
		{[]string{"--maxmemory", "--save", "--port", "abc"}, 2, `maxmemory "--save"`, "argument must be a memory value"},
		{[]string{"-p", "5"}, 2, `"-p" "5"`, "Bad directive or wrong number of arguments"},
		{[]string{"--dir", "/data", "--appendonly", "sure"}, 3, `appendonly "sure"`, "argument must be 'yes' or 'no'"},
		{[]string{"--port", "23795", "--daemonize", "yes"}, 3, `daemonize "yes"`, "keel does not daemonize: run it in the foreground under a supervisor (systemd, Docker, ...)"},
	}
	for _, tc := range cases {
		_, err := parseArgs(tc.args, strings.NewReader(""))
		require.Error(t, err, "%q", tc.args)
		assert.Equal(t, fatal(tc.line, tc.text, tc.reason), err.Error(), "%q", tc.args)
	}
}

func TestParseStdin(t *testing.T) {
	for _, args := range [][]string{{"--port", "23795", "-"}, {"-", "--port", "23795"}} {
		_, err := parseArgs(args, strings.NewReader("loglevel x\n"))
		assert.Equal(t, fatal(1, "loglevel x", "argument(s) must be one of the following: debug, verbose, notice, warning"), err.Error(), "%q", args)
	}

	c, err := parseArgs([]string{"-", "--port", "7001"}, strings.NewReader("port 7000\nloglevel debug\n"))
	require.NoError(t, err)
	assert.Equal(t, 7001, c.Port)
	assert.Equal(t, "debug", c.LogLevel)
	assert.Empty(t, c.Source)

	// A file, then stdin, then options.
	dir := t.TempDir()
	f := writeFile(t, dir, "k.conf", "port 1\nhz 20\n")
	c, err = parseArgs([]string{f, "--port", "3", "-"}, strings.NewReader("port 2\nloglevel warning\n"))
	require.NoError(t, err)
	assert.Equal(t, 3, c.Port)
	assert.Equal(t, 20, c.HZ)
	assert.Equal(t, "warning", c.LogLevel)
	assert.Equal(t, f, c.Source)

	// "-" in the middle is a plain value.
	_, err = parseArgs([]string{"--port", "5", "-", "--hz", "3"}, strings.NewReader("hz 4"))
	assert.Equal(t, fatal(2, `port "5" "-"`, "wrong number of arguments"), err.Error())
}

func TestParseVersionHelp(t *testing.T) {
	for _, a := range []string{"-v", "--version"} {
		_, err := Parse([]string{a})
		assert.ErrorIs(t, err, ErrVersion)
	}
	for _, a := range []string{"-h", "--help"} {
		_, err := Parse([]string{a, "--port", "1"})
		assert.ErrorIs(t, err, ErrHelp)
	}
}

func TestParseMissingFile(t *testing.T) {
	_, err := Parse([]string{"/nonexist.conf"})
	assert.EqualError(t, err, "Fatal error, can't open config file '/nonexist.conf': No such file or directory")
	_, err = ParseFile("/nonexist.conf", []string{"--port", "1"})
	assert.EqualError(t, err, "Fatal error, can't open config file '/nonexist.conf': No such file or directory")
}

func TestParseNoArgs(t *testing.T) {
	c, err := Parse(nil)
	require.NoError(t, err)
	assert.Equal(t, Default(), c)
}

func TestParseTypicalCommandLine(t *testing.T) {
	c, err := Parse([]string{"--port", "7000", "--bind", "127.0.0.1", "::1", "--dir", "/data",
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory", "1gb",
		"--shards", "4", "--requirepass", "s3cr et", "--client-output-buffer-limit", "pubsub 64mb 16mb 90",
		"--notify-keyspace-events", "KEA", "--loglevel", "WARNING", "--hz", "1000"})
	require.NoError(t, err)
	assert.Equal(t, 7000, c.Port)
	assert.Equal(t, []string{"127.0.0.1", "::1"}, c.Bind)
	assert.Equal(t, "/data", c.Dir)
	assert.True(t, c.AppendOnly)
	assert.Equal(t, "always", c.AppendFsync)
	assert.Empty(t, c.Save)
	assert.Equal(t, uint64(1<<30), c.MaxMemory)
	assert.Equal(t, 4, c.Shards)
	assert.Equal(t, 4, c.ShardCount())
	assert.Equal(t, "s3cr et", c.RequirePass)
	assert.Equal(t, ClientBufferLimit{64 << 20, 16 << 20, 90}, c.ClientOutputBufferLimit[ClientClassPubSub])
	assert.Equal(t, defaultConfig.ClientOutputBufferLimit[ClientClassNormal], c.ClientOutputBufferLimit[ClientClassNormal])
	assert.Equal(t, NotifyAll|NotifyKeyspace|NotifyKeyevent, c.NotifyKeyspaceEvents)
	assert.Equal(t, "warning", c.LogLevel)
	assert.Equal(t, maxHZ, c.HZ)
	assert.Empty(t, c.Source)
}

func TestParseSaveForms(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		file string
		args []string
		want []SaveParam
	}{
		{"", nil, defaultConfig.Save},
		{"", []string{"--save", ""}, nil},
		{"", []string{"--save"}, nil},
		{"", []string{"--save", "--port", "1"}, nil},
		{"", []string{"--save", "100 1 200 2", "--save", "50", "5"}, []SaveParam{{100, 1}, {200, 2}, {50, 5}}},
		{"save 100 1\nsave 200 2\n", nil, []SaveParam{{100, 1}, {200, 2}}},
		{"save \"100 1 200 2\"\nsave 7 7\n", nil, []SaveParam{{100, 1}, {200, 2}, {7, 7}}},
		{"save 10 1\n", []string{"--save", ""}, nil},
		{"save 10 1\n", []string{"--save", "", "--save", "5", "5"}, []SaveParam{{5, 5}}},
		{"save ''\nsave 1 +1\n", nil, []SaveParam{{1, 1}}},
		{"save\n", nil, nil},
		{"port 1\n", []string{"--save", "3600 1"}, []SaveParam{{3600, 1}}},
	}
	for _, tc := range cases {
		args := tc.args
		if tc.file != "" {
			args = append([]string{writeFile(t, dir, "s.conf", tc.file)}, args...)
		}
		c, err := parseArgs(args, strings.NewReader(""))
		require.NoError(t, err, "%q %q", tc.file, tc.args)
		if tc.want == nil {
			assert.Empty(t, c.Save, "%q %q", tc.file, tc.args)
		} else {
			assert.Equal(t, tc.want, c.Save, "%q %q", tc.file, tc.args)
		}
	}
}

func TestParseFileLaterWins(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "keel.conf", strings.Join([]string{
		"# keel test config",
		"PORT 7000",
		"  bind 127.0.0.1 \"::1\"  ",
		`dir '/var/lib/keel data'`,
		`requirepass "p\"w\x41"`,
		"maxmemory 100MB",
		"port 7001",
		"hash-max-ziplist-entries 100",
		"slave-read-only no",
		"lua-time-limit 100",
		"list-max-ziplist-entries 5",
		"rename-command FLUSHALL \"\"",
		"rename-command CONFIG K_CONFIG",
		"notify-keyspace-events \"\"",
		"",
	}, "\n"))
	c, err := ParseFile(p, []string{"--port", "7002", "--loglevel", "verbose"})
	require.NoError(t, err)
	assert.Equal(t, 7002, c.Port)
	assert.Equal(t, []string{"127.0.0.1", "::1"}, c.Bind)
	assert.Equal(t, "/var/lib/keel data", c.Dir)
	assert.Equal(t, `p"wA`, c.RequirePass)
	assert.Equal(t, uint64(100<<20), c.MaxMemory)
	assert.Equal(t, int64(100), c.HashMaxListpackEntries)
	assert.False(t, c.ReplicaReadOnly)
	assert.Equal(t, int64(100), c.BusyReplyThreshold)
	assert.Equal(t, [][2]string{{"FLUSHALL", ""}, {"CONFIG", "K_CONFIG"}}, c.RenameCommands)
	assert.Equal(t, "verbose", c.LogLevel)
	assert.Equal(t, p, c.Source)
}

func TestParseRelativeSourceIsAbsolute(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "rel.conf", "port 1\n")
	t.Chdir(dir)
	c, err := Parse([]string{"rel.conf"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "rel.conf"), c.Source)
}

func TestParseInclude(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "conf.d")
	require.NoError(t, os.Mkdir(sub, 0o755))
	writeFile(t, sub, "a.conf", "hz 20\n")
	writeFile(t, sub, "b.conf", "port 7000\nsave 10 1\n")
	inc := writeFile(t, dir, "inc.conf", "loglevel debug\n")
	main := writeFile(t, dir, "main.conf", "port 1\nsave 5 5\ninclude "+inc+"\ninclude "+sub+"/*.conf\ninclude "+dir+"/none-*.conf\nmaxclients 7\n")
	c, err := ParseFile(main, nil)
	require.NoError(t, err)
	assert.Equal(t, 7000, c.Port)
	assert.Equal(t, 20, c.HZ)
	assert.Equal(t, "debug", c.LogLevel)
	assert.Equal(t, 7, c.MaxClients)
	// save lines accumulate across included files.
	assert.Equal(t, []SaveParam{{5, 5}, {10, 1}}, c.Save)

	// An error in an included file is reported with that file's line.
	bad := writeFile(t, dir, "bad.conf", "# one\nport x\n")
	main = writeFile(t, dir, "main2.conf", "port 1\ninclude "+bad+"\n")
	_, err = ParseFile(main, nil)
	assert.Equal(t, fatal(2, "port x", "argument couldn't be parsed into an integer"), err.Error())

	main = writeFile(t, dir, "main3.conf", "include "+filepath.Join(dir, "missing.conf")+"\n")
	_, err = ParseFile(main, nil)
	assert.EqualError(t, err, "Fatal error, can't open config file '"+filepath.Join(dir, "missing.conf")+"': No such file or directory")

	// A file including itself stops instead of recursing forever.
	self := filepath.Join(dir, "self.conf")
	writeFile(t, dir, "self.conf", "include "+self+"\n")
	_, err = ParseFile(self, nil)
	assert.Equal(t, fatal(1, "include "+self, "include nesting is too deep"), err.Error())
}

func TestParseIgnoredAndCommentLines(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "c.conf", "# comment\n   # indented comment\n\n\t\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n\"\"\n")
	_, err := ParseFile(p, nil)
	// A line made only of an empty quoted string is an empty directive.
	assert.Equal(t, fatal(7, `""`, "Bad directive or wrong number of arguments"), err.Error())
	p = writeFile(t, dir, "d.conf", "# comment\n   # indented comment\n\n\t\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n")
	c, err := ParseFile(p, nil)
	require.NoError(t, err)
	c.Source = ""
	assert.Equal(t, Default(), c)
}

// The directives of Redis 7.0's stock redis.conf load unchanged.
func TestParseStockRedisConf(t *testing.T) {
	c, err := ParseFile("testdata/redis-7.0-stock.conf", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1", "-::1"}, c.Bind)
	assert.False(t, c.AppendOnly)
	assert.Equal(t, "./", c.Dir)
	assert.Equal(t, ClientBufferLimit{256 << 20, 64 << 20, 60}, c.ClientOutputBufferLimit[ClientClassReplica])
}

// Every option keel shares with Redis defaults to Redis 7.0.15's value as
// CONFIG GET shows it, except where keel deliberately differs.
func TestDefaultsMatchRedis(t *testing.T) {
	f, err := os.Open("testdata/redis-7.0.15-defaults.tsv")
	require.NoError(t, err)
	defer f.Close()
	differs := map[string]string{
		"appendonly": "yes",       // keel is durable by default
		"bind":       "127.0.0.1", // Redis: "* -::*" with protected mode
	}
	got := map[string]string{}
	for _, kv := range Default().Get("*") {
		got[kv[0]] = kv[1]
	}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), "\t")
		if want, ok := differs[name]; ok {
			value = want
		}
		v, ok := got[name]
		if assert.True(t, ok, name) {
			assert.Equal(t, value, v, name)
		}
		n++
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, n, 90)
}
