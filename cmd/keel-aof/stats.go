package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/keeldb/keel/aof"
)

// counter is a number of writes and their size as RESP commands.
type counter struct {
	writes, bytes int64
}

// respSize is what a command takes as a RESP multibulk (as in a Redis AOF).
func respSize(args [][]byte) int64 {
	n := digits(len(args)) + 3
	for _, a := range args {
		n += digits(len(a)) + 3 + int64(len(a)) + 2
	}
	return n
}

func digits(n int) int64 {
	d := int64(1)
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func runStats(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("stats", "--dir <datadir> [--top 10] [filters]", stderr)
	dir := fl.String("dir", "", "keel data directory")
	top := fl.Int("top", 10, "how many of the most written keys to list")
	quiet := fl.Bool("quiet", false, "no progress lines on stderr")
	f, parseFilter := addFilterFlags(fl)
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	if err := parseFilter(); err != nil {
		return err
	}
	lock, d, err := openLocked(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	warnCheckpoint(d, stderr)
	prog := newProgress(progressWriter(stderr, *quiet), "stats", totalSize(d))
	var total, txEnds counter
	var frames, raw, stored int64
	perCmd := map[string]*counter{}
	perPrefix := map[string]*counter{}
	perKey := map[string]int64{}
	bump := func(m map[string]*counter, k string, size int64) {
		c := m[k]
		if c == nil {
			c = &counter{}
			m[k] = c
		}
		c.writes++
		c.bytes += size
	}
	var problems []problem
	for _, sl := range d.shards {
		if !f.shardWanted(sl.shard) {
			continue
		}
		probs, err := walkShard(d, sl, walkOptions{decode: true, progress: prog}, func(wf *walkFrame) error {
			frames++
			raw += int64(wf.rawLen)
			stored += int64(wf.compLen)
			for i := range wf.recs {
				rec := &wf.recs[i]
				if rec.kind == aof.KindTxEnd {
					txEnds.writes++
					continue
				}
				it := item{shard: sl.shard, lsn: rec.lsn, timeMs: wf.timeMs, args: rec.args}
				if !f.match(&it) {
					continue
				}
				size := respSize(rec.args)
				total.writes++
				total.bytes += size
				bump(perCmd, strings.ToUpper(string(rec.args[0])), size)
				for _, k := range keysOf(rec.args) {
					bump(perPrefix, keyPrefix(k), size)
					perKey[string(k)]++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		problems = append(problems, probs...)
	}
	prog.done()
	ratio := 1.0
	if raw > 0 {
		ratio = float64(stored) / float64(raw)
	}
	fmt.Fprintf(stdout, "%d writes, %s as RESP commands; %d frames, payload %s raw -> %s stored (%.2fx); %d transaction end markers\n",
		total.writes, fmtBytes(total.bytes), frames, fmtBytes(raw), fmtBytes(stored), ratio, txEnds.writes)
	printCounters(stdout, "command", perCmd)
	printCounters(stdout, "key prefix", perPrefix)
	keys := make([]string, 0, len(perKey))
	for k := range perKey {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(perKey[b], perKey[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	if len(keys) > *top {
		keys = keys[:*top]
	}
	fmt.Fprintf(stdout, "\nhottest keys (top %d of %d):\n", len(keys), len(perKey))
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %10d  %s\n", perKey[k], appendArg(nil, []byte(k)))
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "warning: shard %d: stats stop at %s\n", p.Shard, p)
	}
	return nil
}

// printCounters prints a table of counters, most written first.
func printCounters(w io.Writer, what string, m map[string]*counter) {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(m[b].writes, m[a].writes); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	fmt.Fprintf(w, "\nper %s:\n", what)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\twrites\tbytes\n", what)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%d\t%d\n", appendArg(nil, []byte(n)), m[n].writes, m[n].bytes)
	}
	tw.Flush()
}
