package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

// FuzzWalkSegment feeds arbitrary bytes as a segment to the frame reader
// and record decoder: damage must come back as problems, never a panic.
func FuzzWalkSegment(f *testing.F) {
	seedDir := f.TempDir()
	writeLog(f, seedDir, logSpec{shards: 1, flushes: [][][]string{{{"SET a 1"}, {"TX 5 SET b 2", "END 5 2"}}, setFrames(2)}})
	seed, err := os.ReadFile(filepath.Join(seedDir, "aof", "shard-0000.00000000000000000001.aof"))
	require.NoError(f, err)
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add([]byte("KAOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "aof"), 0o755))
		name := "aof/shard-0000.00000000000000000001.aof"
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), data, 0o644))
		d := &dataDir{dir: dir, shards: []shardLog{{shard: 0, segs: []durability.Segment{{Name: name, FirstLSN: 1}}}}}
		_, err := walkShard(d, d.shards[0], walkOptions{decode: true, all: true}, func(*walkFrame) error { return nil })
		require.NoError(t, err)
	})
}
