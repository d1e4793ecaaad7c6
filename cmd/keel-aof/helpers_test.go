package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

// runTool runs keel-aof in-process and returns its exit code and output.
func runTool(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// logSpec describes a log written with aof.Writer: per shard, flushes of
// records, each flush one frame stamped with its own time.
type logSpec struct {
	shards      int
	segmentSize int64
	// flushes[shard] lists the frames; each frame is a list of commands
	// (a command of one word "END <tx> <n>" is a tx end, "TX <tx> ..." a
	// tx command).
	flushes [][][]string
}

// baseTime is the wall clock of the first frame written by writeLog;
// frame i of a shard is stamped baseTime + i seconds.
var baseTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// writeLog writes spec into dir with aof.Writer and a MANIFEST.
func writeLog(t testing.TB, dir string, spec logSpec) {
	t.Helper()
	store := durability.NewManifestStore(durability.OSFS{}, dir, nil)
	for shard := range spec.shards {
		frame := 0
		w, err := aof.NewWriter(durability.OSFS{}, dir, shard, 1, aof.Options{
			SegmentSize: spec.segmentSize,
			Registry:    store,
			Now:         func() time.Time { return baseTime.Add(time.Duration(frame) * time.Second) },
		})
		require.NoError(t, err)
		for i, fl := range spec.flushes[shard] {
			frame = i
			for _, c := range fl {
				words := strings.Fields(c)
				switch words[0] {
				case "END":
					var tx, n int
					_, err := fmt.Sscanf(c, "END %d %d", &tx, &n)
					require.NoError(t, err)
					w.EndTx(durability.TxID(tx), n)
				case "TX":
					var tx int
					_, err := fmt.Sscanf(words[1], "%d", &tx)
					require.NoError(t, err)
					w.AppendTx(durability.TxID(tx), 0, bytesArgs(words[2:]))
				default:
					w.Append(0, bytesArgs(words))
				}
			}
			_, err := w.Flush()
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
	}
}

func bytesArgs(words []string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

// setFrames is n frames of two SETs each, on keys k<i>.
func setFrames(n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{fmt.Sprintf("SET k%d v%d", 2*i, 2*i), fmt.Sprintf("SET k%d %s", 2*i+1, strings.Repeat("x", 40))}
	}
	return out
}

// segments lists shard's segment files in LSN order.
func segments(t *testing.T, dir string, shard int) []string {
	t.Helper()
	segs, err := aof.ListSegments(durability.OSFS{}, dir, shard)
	require.NoError(t, err)
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = filepath.Join(dir, filepath.FromSlash(s.Name))
	}
	return out
}

// frameOffsets returns the offsets of the frames of a sound segment and
// its size.
func frameOffsets(t *testing.T, path string) ([]int64, int64) {
	t.Helper()
	r, err := openSegment(path)
	require.NoError(t, err)
	defer r.close()
	var offs []int64
	for {
		fr, err := r.next()
		if err == io.EOF {
			return offs, r.size
		}
		require.NoError(t, err)
		offs = append(offs, fr.off)
	}
}

// readShard reads shard's records with aof.Reader, as recovery does, and
// returns their LSNs and the reader's final error.
func readShard(t *testing.T, dir string, shard int) ([]durability.LSN, error) {
	t.Helper()
	m, err := durability.LoadManifest(durability.OSFS{}, dir)
	require.NoError(t, err)
	var segs []durability.Segment
	if sl := m.Shard(shard); sl != nil {
		segs = sl.Segments
	}
	r, err := aof.NewReader(durability.OSFS{}, dir, shard, segs, durability.NoLSN)
	require.NoError(t, err)
	defer r.Close()
	var lsns []durability.LSN
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return lsns, nil
		}
		if err != nil {
			return lsns, err
		}
		lsns = append(lsns, rec.LSN)
	}
}

func lsnRange(from, to int) []durability.LSN {
	var out []durability.LSN
	for i := from; i <= to; i++ {
		out = append(out, durability.LSN(i))
	}
	return out
}

// copyDir copies a data directory tree (small test directories).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}
