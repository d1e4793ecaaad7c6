package integration

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/stretchr/testify/require"
)

// TestDifferentialLatency runs statsCorpus against keel over several shards
// and redis-server and compares the latency histograms' call counts per
// command (LATENCY HISTOGRAM, in RESP2 and RESP3) and the commands INFO
// latencystats lists. Durations differ; the shape of each histogram is
// checked on its own: power-of-two levels whose cumulative counts rise to
// the command's calls.
func TestDifferentialLatency(t *testing.T) {
	ref := startRedis(t)
	k := startKeel(t, "--shards", strconv.Itoa(diffShards))
	type seen struct {
		calls, calls3 map[string]int64
		info          []string
	}
	run := func(side *diffSide) seen {
		defer side.reset()
		require.Equal(t, "+OK\r\n", side.do([]string{"CONFIG", "RESETSTAT"}), side.name)
		for _, args := range statsCorpus {
			side.do(args)
		}
		var out seen
		out.calls = histogramCalls(t, side, "*", side.do([]string{"LATENCY", "HISTOGRAM"}))
		for _, l := range infoLines(t, side, "latencystats") {
			name, fields, _ := strings.Cut(l, ":")
			require.Regexp(t, `^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$`, fields, "%s: %s", side.name, l)
			out.info = append(out.info, name)
		}
		sort.Strings(out.info) // Redis lists them in hash order
		side.do([]string{"HELLO", "3"})
		out.calls3 = histogramCalls(t, side, "%", side.do([]string{"LATENCY", "HISTOGRAM", "mset", "exec", "config", "nosuch"}))
		return out
	}
	kr := run(&diffSide{name: "keel", addr: k.Addr()})
	rr := run(&diffSide{name: "redis", addr: ref.Addr()})
	require.NotEmpty(t, rr.calls)
	require.Equal(t, rr.calls, kr.calls)
	require.Equal(t, rr.info, kr.info)
	require.Equal(t, rr.calls3, kr.calls3)
}

// histogramCalls decodes a LATENCY HISTOGRAM reply, whose maps are of
// kind ('*' for RESP2 arrays, '%' for RESP3 maps), into each command's
// calls.
func histogramCalls(t *testing.T, side *diffSide, kind string, reply string) map[string]int64 {
	t.Helper()
	v, err := resp.ParseReply([]byte(reply))
	require.NoError(t, err, "%s: %q", side.name, reply)
	require.Equal(t, kind[0], v.Kind, "%s: %q", side.name, reply)
	out := map[string]int64{}
	for i := 0; i+1 < len(v.Array); i += 2 {
		name, h := v.Array[i].Str, v.Array[i+1]
		require.Equal(t, kind[0], h.Kind, "%s: %s", side.name, name)
		require.Len(t, h.Array, 4, "%s: %s", side.name, name)
		require.Equal(t, "calls", h.Array[0].Str)
		require.Equal(t, "histogram_usec", h.Array[2].Str)
		calls, buckets := h.Array[1].Int, h.Array[3]
		require.Equal(t, kind[0], buckets.Kind)
		require.NotEmpty(t, buckets.Array, "%s: %s", side.name, name)
		var prevKey, prevCum int64
		for j := 0; j+1 < len(buckets.Array); j += 2 {
			key, cum := buckets.Array[j].Int, buckets.Array[j+1].Int
			require.Greater(t, key, prevKey, "%s: %s: levels rise", side.name, name)
			require.Greater(t, cum, prevCum, "%s: %s: only levels that add calls", side.name, name)
			prevKey, prevCum = key, cum
		}
		require.Equal(t, calls, prevCum, "%s: %s: the last level holds every call", side.name, name)
		out[name] = calls
	}
	return out
}
