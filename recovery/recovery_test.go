package recovery

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/keeldb/keel/aof"
	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

func commit(t *testing.T, l *Logs, shards ...int) {
	t.Helper()
	for _, s := range shards {
		require.NoError(t, l.Commit(s))
	}
}

func TestFreshDirectoryRoundTrip(t *testing.T) {
	mem := durability.NewMemFS()
	r, _, sum := start(t, mem, testConfig(2))
	require.Zero(t, sum.Records)
	m, err := durability.LoadManifest(mem, testDir)
	require.NoError(t, err)
	require.Len(t, m.Shards, 2, "every shard's first segment is registered")

	l := r.Logs()
	l.Log(0, 0, args("SET s0:a 1"), 0)
	l.Log(1, 3, args("SET s1:b 2"), 0)
	commit(t, l, 0, 1)
	l.Log(0, 0, args("SET s0:x 1"), 77)
	l.Log(1, 0, args("SET s1:y 1"), 77)
	commit(t, l, 0, 1)
	l.EndTx(0, 77, 2)
	l.EndTx(1, 77, 2)
	commit(t, l, 0, 1)
	l.Log(0, 0, args("DEL s0:a"), 0)
	l.Log(1, 0, args("FLUSHALL"), 0)
	l.Log(1, 0, args("SET s1:c 3"), 0)
	commit(t, l, 0, 1)
	require.NoError(t, l.Close())

	r2, app, sum := start(t, mem, testConfig(2))
	defer r2.Logs().Close()
	require.EqualValues(t, 7, sum.Records, "tx ends are not applied")
	require.EqualValues(t, 77, sum.MaxTxID)
	require.Zero(t, sum.Dropped)
	require.Equal(t, []string{"0:SET s0:a 1", "0:SET s0:x 1", "0:DEL s0:a"}, app.applied[0])
	require.Equal(t, []string{"3:SET s1:b 2", "0:SET s1:y 1", "0:FLUSHALL", "0:SET s1:c 3"}, app.applied[1])
	_, ok := app.get(0, "s0:a")
	require.False(t, ok)
	v, _ := app.get(0, "s0:x")
	require.Equal(t, "1", v)
	_, ok = app.get(3, "s1:b")
	require.False(t, ok, "FLUSHALL replayed on its own shard")
	v, _ = app.get(0, "s1:c")
	require.Equal(t, "3", v)

	p := r2.Progress()
	require.False(t, p.Loading)
	require.Equal(t, p.TotalBytes, p.LoadedBytes)
	require.EqualValues(t, 2*sum.Bytes, p.TotalBytes)
	require.EqualValues(t, 7, p.Records)
}

// With appendfsync always a committed write survives a power cut; with no
// it need not.
func TestCommitDurabilityByPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy durability.FsyncPolicy
		kept   bool
	}{{durability.FsyncAlways, true}, {durability.FsyncNo, false}} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			mem := durability.NewMemFS()
			cfg := testConfig(1)
			cfg.Fsync = tc.policy
			r, _, _ := start(t, mem, cfg)
			r.Logs().Log(0, 0, args("SET s0:k v"), 0)
			commit(t, r.Logs(), 0)
			st := r.Logs().Stats()[0]
			require.EqualValues(t, 1, st.WrittenLSN)
			if tc.kept {
				require.EqualValues(t, 1, st.SyncedLSN)
			} else {
				require.EqualValues(t, 0, st.SyncedLSN)
			}
			mem.Crash()
			_, app, _ := start(t, mem, cfg)
			_, ok := app.get(0, "s0:k")
			require.Equal(t, tc.kept, ok)
		})
	}
}

// A transaction whose end one participant never logged is not applied on
// any shard, and the cut keeps the next start-up from stopping there again:
// what is written after this start-up survives the next one.
func TestIncompleteTransactionIsCut(t *testing.T) {
	mem := durability.NewMemFS()
	ws := logWriters(t, mem, 2)
	ws[0].Append(0, args("SET s0:a 1"))
	ws[0].AppendTx(5, 0, args("SET s0:x 1")) // same frame as the SET
	flush(t, ws[0])
	ws[0].EndTx(5, 2)
	flush(t, ws[0])
	ws[1].Append(0, args("SET s1:b 1"))
	flush(t, ws[1])
	ws[1].AppendTx(5, 0, args("SET s1:y 1"))
	flush(t, ws[1])
	closeAll(t, ws)

	var logbuf syncBuf
	cfg := testConfig(2)
	cfg.Logger = quietLogger(&logbuf)
	r, app, sum := start(t, mem, cfg)
	require.EqualValues(t, 3, sum.Dropped)
	require.Equal(t, []string{"0:SET s0:a 1"}, app.applied[0])
	require.Equal(t, []string{"0:SET s1:b 1"}, app.applied[1])
	require.Contains(t, logbuf.String(), "incomplete: 1 of 2 participants")
	require.Equal(t, []string{"1 command SET s0:a 1"}, shardRecords(t, mem, 0), "the applied record of the cut frame is written back")
	require.Equal(t, []string{"1 command SET s1:b 1"}, shardRecords(t, mem, 1))

	l := r.Logs()
	l.Log(0, 0, args("SET s0:c 1"), 0)
	l.Log(1, 0, args("SET s1:d 1"), 0)
	commit(t, l, 0, 1)
	mem.Crash()

	_, app, sum = start(t, mem, testConfig(2))
	require.Zero(t, sum.Dropped)
	require.Equal(t, []string{"0:SET s0:a 1", "0:SET s0:c 1"}, app.applied[0])
	require.Equal(t, []string{"0:SET s1:b 1", "0:SET s1:d 1"}, app.applied[1])
	require.Equal(t, []string{"1 command SET s0:a 1", "2 command SET s0:c 1"}, shardRecords(t, mem, 0))
}

// A complete transaction that follows an incomplete one on one of its
// shards cannot be applied there, so it is applied nowhere; that stops its
// other shards in turn.
func TestBlockedTransactionChain(t *testing.T) {
	mem := durability.NewMemFS()
	ws := logWriters(t, mem, 3)
	ws[0].AppendTx(1, 0, args("SET s0:t1 1"))
	flush(t, ws[0])

	ws[1].Append(0, args("SET s1:p 1"))
	ws[1].AppendTx(1, 0, args("SET s1:t1 1"))
	ws[1].EndTx(1, 2)
	flush(t, ws[1])
	ws[1].AppendTx(2, 0, args("SET s1:t2 1"))
	ws[1].EndTx(2, 2)
	flush(t, ws[1])
	ws[1].Append(0, args("SET s1:q 1"))
	flush(t, ws[1])

	ws[2].Append(0, args("SET s2:p 1"))
	flush(t, ws[2])
	ws[2].AppendTx(2, 0, args("SET s2:t2 1"))
	ws[2].EndTx(2, 2)
	flush(t, ws[2])
	ws[2].Append(0, args("SET s2:q 1"))
	flush(t, ws[2])
	closeAll(t, ws)

	var logbuf syncBuf
	cfg := testConfig(3)
	cfg.Logger = quietLogger(&logbuf)
	r, app, sum := start(t, mem, cfg)
	defer r.Logs().Close()
	require.Empty(t, app.applied[0])
	require.Equal(t, []string{"0:SET s1:p 1"}, app.applied[1])
	require.Equal(t, []string{"0:SET s2:p 1"}, app.applied[2])
	require.EqualValues(t, 1+5+3, sum.Dropped)
	require.Contains(t, logbuf.String(), "shard 1 stops before its part")
	require.Empty(t, shardRecords(t, mem, 0))
	require.Equal(t, []string{"1 command SET s1:p 1"}, shardRecords(t, mem, 1))
	require.Equal(t, []string{"1 command SET s2:p 1"}, shardRecords(t, mem, 2))
}

// Complete transactions, including parts without commands, are applied.
func TestCompleteTransactions(t *testing.T) {
	mem := durability.NewMemFS()
	ws := logWriters(t, mem, 2)
	for i := 1; i <= 50; i++ {
		tx := durability.TxID(1000 + i)
		ws[0].AppendTx(tx, 0, args(fmt.Sprintf("SET s0:k %d", i)))
		if i%3 != 0 {
			ws[1].AppendTx(tx, 0, args(fmt.Sprintf("SET s1:k %d", i)))
		}
		ws[0].EndTx(tx, 2)
		ws[1].EndTx(tx, 2)
		if i%7 == 0 {
			flush(t, ws[0])
			flush(t, ws[1])
		}
	}
	closeAll(t, ws)
	r, app, sum := start(t, mem, testConfig(2))
	defer r.Logs().Close()
	require.Zero(t, sum.Dropped)
	v0, _ := app.get(0, "s0:k")
	v1, _ := app.get(0, "s1:k")
	require.Equal(t, "50", v0)
	require.Equal(t, "50", v1)
	require.EqualValues(t, 1050, sum.MaxTxID)
}

// writeFrames writes n frames of 6 SET records each to shard 0 and returns
// the segment's path, bytes and the offset of its last frame.
func writeFrames(t *testing.T, mem *durability.MemFS, n int) (string, []byte, int64, []string) {
	t.Helper()
	ws := logWriters(t, mem, 1)
	var want []string
	for f := range n {
		for i := range 6 {
			cmd := fmt.Sprintf("SET s0:key%04d value-%d-%d", f*6+i, f, i)
			ws[0].Append(0, args(cmd))
			want = append(want, "0:"+cmd)
		}
		flush(t, ws[0])
	}
	closeAll(t, ws)
	m, err := durability.LoadManifest(mem, testDir)
	require.NoError(t, err)
	seg := m.Shard(0).Segments[0]
	path := filepath.Join(testDir, seg.Name)
	data, err := mem.ReadFile(path)
	require.NoError(t, err)
	rd, err := aof.NewReader(mem, testDir, 0, m.Shard(0).Segments, durability.NoLSN)
	require.NoError(t, err)
	defer rd.Close()
	var last int64
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		last = rec.FrameOffset
	}
	return path, data, last, want
}

// Cutting the newest segment anywhere inside its last frame loads exactly
// the frames before it, cuts the torn bytes off, and logging goes on.
func TestTornTailAtEveryOffset(t *testing.T) {
	src := durability.NewMemFS()
	path, data, last, want := writeFrames(t, src, 4)
	manifest, err := src.ReadFile(filepath.Join(testDir, durability.ManifestName))
	require.NoError(t, err)
	require.Greater(t, len(data)-int(last), 48, "the last frame has a payload")

	for cut := last; cut < int64(len(data)); cut++ {
		mem := durability.NewMemFS()
		require.NoError(t, mem.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, mem.WriteFile(filepath.Join(testDir, durability.ManifestName), manifest))
		require.NoError(t, mem.WriteFile(path, data[:cut]))

		r, app, sum := start(t, mem, testConfig(1))
		if got := app.applied[0]; len(got) != 18 || sum.TornBytes != cut-last {
			require.Equal(t, want[:18], got, "cut at %d", cut)
			require.Equal(t, cut-last, sum.TornBytes, "cut at %d", cut)
		}
		now, err := mem.ReadFile(path)
		require.NoError(t, err)
		require.Len(t, now, int(last), "torn bytes cut off at %d", cut)

		r.Logs().Log(0, 0, args("SET s0:after 1"), 0)
		commit(t, r.Logs(), 0)
		require.NoError(t, r.Logs().Close())
		_, app, sum = start(t, mem, testConfig(1))
		require.Len(t, app.applied[0], 19, "cut at %d", cut)
		require.Zero(t, sum.TornBytes)
	}

	// aof-load-truncated no refuses instead.
	mem := durability.NewMemFS()
	require.NoError(t, mem.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, mem.WriteFile(filepath.Join(testDir, durability.ManifestName), manifest))
	require.NoError(t, mem.WriteFile(path, data[:last+10]))
	cfg := testConfig(1)
	cfg.LoadTruncated = false
	r, err := Open(testDir, mem, cfg)
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(1))
	require.ErrorContains(t, err, "aof-load-truncated yes")
	require.ErrorContains(t, err, path)
	now, _ := mem.ReadFile(path)
	require.Len(t, now, int(last)+10, "nothing cut")
}

func TestCorruptionStopsStartup(t *testing.T) {
	mem := durability.NewMemFS()
	path, data, _, _ := writeFrames(t, mem, 3)
	bad := append([]byte(nil), data...)
	bad[60] ^= 0x10 // inside the first frame's payload
	require.NoError(t, mem.WriteFile(path, bad))
	r, err := Open(testDir, mem, testConfig(1))
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(1))
	require.ErrorContains(t, err, path+" at offset 0 (LSN 1)")
	require.ErrorContains(t, err, "refusing to start")
	now, _ := mem.ReadFile(path)
	require.Equal(t, bad, now, "a corrupt log is left as it is")
}

func TestManifestMissing(t *testing.T) {
	mem := durability.NewMemFS()
	writeFrames(t, mem, 1)
	require.NoError(t, mem.Remove(filepath.Join(testDir, durability.ManifestName)))
	_, err := Open(testDir, mem, testConfig(1))
	require.ErrorContains(t, err, "/data/MANIFEST is missing but /data/aof holds AOF segment shard-0000.00000000000000000001.aof")

	// Only empty segments (a crash during the very first start): fresh.
	mem = durability.NewMemFS()
	require.NoError(t, mem.MkdirAll("/data/aof", 0o755))
	require.NoError(t, mem.WriteFile("/data/aof/"+aof.SegmentName(0, 1), nil))
	r, _, _ := start(t, mem, testConfig(1))
	require.NoError(t, r.Logs().Close())
}

func TestManifestInconsistent(t *testing.T) {
	mem := durability.NewMemFS()
	writeFrames(t, mem, 1)
	require.NoError(t, mem.Remove("/data/aof/"+aof.SegmentName(0, 1)))
	_, err := Open(testDir, mem, testConfig(1))
	require.ErrorContains(t, err, "MANIFEST /data/MANIFEST: shard 0 segment aof/shard-0000.00000000000000000001.aof (first LSN 1) is missing")

	require.NoError(t, mem.WriteFile("/data/MANIFEST", []byte("{not json")))
	_, err = Open(testDir, mem, testConfig(1))
	require.ErrorContains(t, err, "MANIFEST /data/MANIFEST: unparsable")
}

func TestCheckpointRefused(t *testing.T) {
	mem := durability.NewMemFS()
	require.NoError(t, mem.MkdirAll(testDir, 0o755))
	require.NoError(t, durability.WriteManifest(mem, testDir, &durability.Manifest{
		Version:    durability.ManifestVersion,
		Checkpoint: &durability.Checkpoint{ID: "checkpoints/1", Shards: []durability.CheckpointLSN{{Shard: 0, LSN: 10}}},
	}))
	_, err := Open(testDir, mem, testConfig(1))
	require.ErrorContains(t, err, "names checkpoint checkpoints/1")
}

func TestShardCountChange(t *testing.T) {
	mem := durability.NewMemFS()
	ws := logWriters(t, mem, 2)
	ws[1].Append(0, args("SET s1:k v"))
	flush(t, ws[1])
	closeAll(t, ws)
	_, err := Open(testDir, mem, testConfig(3))
	require.ErrorContains(t, err, "written by 2 shards and this server runs 3: start it with --shards 2")

	// Logs without records do not tie the data directory to a shard count.
	mem = durability.NewMemFS()
	closeAll(t, logWriters(t, mem, 3))
	r, _, _ := start(t, mem, testConfig(1))
	r.Logs().Log(0, 0, args("SET s0:k v"), 0)
	commit(t, r.Logs(), 0)
	require.NoError(t, r.Logs().Close())
	m, err := durability.LoadManifest(mem, testDir)
	require.NoError(t, err)
	require.Len(t, m.Shard(0).Segments, 1)
	require.Empty(t, m.Shard(1).Segments)
	require.Empty(t, m.Shard(2).Segments)
	_, err = mem.Stat("/data/aof/" + aof.SegmentName(2, 1))
	require.Error(t, err, "the dropped shard's segment is removed")
	_, app, _ := start(t, mem, testConfig(1))
	require.Equal(t, []string{"0:SET s0:k v"}, app.applied[0])
}

func TestReplayErrorsStopStartup(t *testing.T) {
	for _, tc := range []struct {
		cmd  [][]byte
		want string
	}{
		{args("NOSUCH x"), `replay: unknown command "NOSUCH"`},
		{args("CRASH s0:x"), `"CRASH" failed: assignment to entry in nil map`},
		{nil, "empty command"},
	} {
		mem := durability.NewMemFS()
		ws := logWriters(t, mem, 1)
		ws[0].Append(0, args("SET s0:a 1"))
		ws[0].Append(0, tc.cmd)
		closeAll(t, ws)
		r, err := Open(testDir, mem, testConfig(1))
		require.NoError(t, err)
		_, err = r.Replay(newFakeApp(1))
		require.ErrorContains(t, err, tc.want)
		require.ErrorContains(t, err, "shard 0: /data/aof/shard-0000.00000000000000000001.aof frame at offset 0, LSN 2")
	}
}

// A crash in the middle of cutting a log leaves a directory the next
// start-up cuts the same way: the segment rewrite is atomic, segments after
// the cut are unregistered before their files go, and unregistered leftovers
// are removed.
func TestCutInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault durability.Fault
	}{
		{"rename", durability.Fault{Op: durability.OpRename, Path: "*.tmp"}},
		{"remove", durability.Fault{Op: durability.OpRemove, Path: "/data/aof/*"}},
		{"fsync-temp", durability.Fault{Op: durability.OpSync, Path: "*.tmp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := durability.NewMemFS()
			require.NoError(t, mem.MkdirAll(testDir, 0o755))
			store := durability.NewManifestStore(mem, testDir, nil)
			w0, err := aof.NewWriter(mem, testDir, 0, 1, aof.Options{Registry: store, SegmentSize: 100})
			require.NoError(t, err)
			w1, err := aof.NewWriter(mem, testDir, 1, 1, aof.Options{Registry: store})
			require.NoError(t, err)
			w0.Append(0, args("SET s0:a 1"))
			w0.AppendTx(9, 0, args("SET s0:x 1"))
			flush(t, w0) // rolls: the segments below follow the cut frame
			w0.EndTx(9, 2)
			flush(t, w0)
			for i := range 5 {
				w0.Append(0, args(fmt.Sprintf("SET s0:later%d some-longer-value-to-fill-segments", i)))
				flush(t, w0)
			}
			w1.AppendTx(9, 0, args("SET s1:y 1"))
			flush(t, w1)
			require.NoError(t, w0.Close())
			require.NoError(t, w1.Close())
			m, err := durability.LoadManifest(mem, testDir)
			require.NoError(t, err)
			require.Greater(t, len(m.Shard(0).Segments), 2)

			ffs := durability.NewFaultFS(mem)
			id := ffs.Inject(tc.fault)
			r, err := Open(testDir, ffs, testConfig(2))
			require.NoError(t, err)
			_, err = r.Replay(newFakeApp(2))
			require.Error(t, err)
			require.Equal(t, 1, ffs.Fired(id))
			mem.Crash()

			r, app, sum := start(t, mem, testConfig(2))
			require.Equal(t, []string{"0:SET s0:a 1"}, app.applied[0])
			require.Empty(t, app.applied[1])
			require.Positive(t, sum.Dropped)
			r.Logs().Log(0, 0, args("SET s0:b 1"), 0)
			commit(t, r.Logs(), 0)
			require.NoError(t, r.Logs().Close())

			_, app, sum = start(t, mem, testConfig(2))
			require.Equal(t, []string{"0:SET s0:a 1", "0:SET s0:b 1"}, app.applied[0])
			require.Zero(t, sum.Dropped)
			entries, err := mem.ReadDir("/data/aof")
			require.NoError(t, err)
			for _, e := range entries {
				require.False(t, strings.HasSuffix(e.Name(), ".tmp"), "an unsynced temp file does not survive the crash: %s", e.Name())
			}
		})
	}
}

func TestLogsWriteErrorAndRecovery(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	r, err := Open(testDir, ffs, testConfig(2))
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(2))
	require.NoError(t, err)
	l := r.Logs()
	defer l.Close()
	require.Empty(t, l.WriteError())

	id := ffs.Inject(durability.Fault{Op: durability.OpWrite, Path: "*shard-0001*", Sticky: true, Err: syscall.ENOSPC})
	l.Log(1, 0, args("SET s1:k v"), 0)
	require.Error(t, l.Commit(1))
	require.Equal(t, "MISCONF Errors writing to the AOF file: No space left on device", l.WriteError())
	require.Contains(t, l.Info(nil), "aof_last_write_status:err")
	require.Error(t, l.Commit(1), "retried while failing")
	l.Log(0, 0, args("SET s0:k v"), 0)
	require.NoError(t, l.Commit(0))
	require.NotEmpty(t, l.WriteError(), "another shard's success does not clear the failure")

	ffs.Clear(id)
	require.NoError(t, l.Commit(1), "the retry rewrites the kept records")
	require.Empty(t, l.WriteError())
	require.Contains(t, l.Info(nil), "aof_last_write_status:ok")
	mem.Crash()

	_, app, _ := start(t, mem, testConfig(2))
	require.Equal(t, []string{"0:SET s1:k v"}, app.applied[1])
}

func TestLogsFsyncErrorAlways(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	r, err := Open(testDir, ffs, testConfig(1))
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(1))
	require.NoError(t, err)
	l := r.Logs()
	defer l.Close()
	ffs.Inject(durability.Fault{Op: durability.OpSync, Path: "*.aof"})
	l.Log(0, 0, args("SET s0:k v"), 0)
	require.ErrorContains(t, l.Commit(0), "input/output error")
	require.Equal(t, "MISCONF Errors writing to the AOF file: Input/output error", l.WriteError())
	require.Zero(t, l.Stats()[0].SyncedLSN)
	require.NoError(t, l.Commit(0))
	require.EqualValues(t, 1, l.Stats()[0].SyncedLSN)
	require.Empty(t, l.WriteError())
}

func TestLogsEverysec(t *testing.T) {
	mem := durability.NewMemFS()
	ffs := durability.NewFaultFS(mem)
	cfg := testConfig(2)
	cfg.Fsync = durability.FsyncEverysec
	r, err := Open(testDir, ffs, cfg)
	require.NoError(t, err)
	_, err = r.Replay(newFakeApp(2))
	require.NoError(t, err)
	l := r.Logs()
	defer l.Close()

	l.Log(0, 0, args("SET s0:k v"), 0)
	require.NoError(t, l.Commit(0))
	require.EqualValues(t, 1, l.Stats()[0].WrittenLSN)
	require.Eventually(t, func() bool { return l.Stats()[0].SyncedLSN == 1 }, 5e9, 1e7, "the background syncer fsyncs")

	id := ffs.Inject(durability.Fault{Op: durability.OpSync, Path: "*shard-0000*", Sticky: true})
	l.Log(0, 0, args("SET s0:k w"), 0)
	require.NoError(t, l.Commit(0), "everysec does not wait for the fsync")
	require.Eventually(t, func() bool { return l.WriteError() != "" }, 5e9, 1e7)
	ffs.Clear(id)
	require.Eventually(t, func() bool { return l.WriteError() == "" }, 5e9, 1e7, "a later fsync clears it")
	require.EqualValues(t, 2, l.Stats()[0].SyncedLSN)

	// Switching to always makes the loop fsync itself; to no, nobody does.
	require.NoError(t, l.SetFsync("always"))
	require.Equal(t, durability.FsyncAlways, l.Policy())
	l.Log(1, 0, args("SET s1:k v"), 0)
	require.NoError(t, l.Commit(1))
	require.EqualValues(t, 1, l.Stats()[1].SyncedLSN)
	require.NoError(t, l.SetFsync("no"))
	l.Log(1, 0, args("SET s1:k w"), 0)
	require.NoError(t, l.Commit(1))
	require.EqualValues(t, 1, l.Stats()[1].SyncedLSN)
	require.EqualValues(t, 2, l.Stats()[1].WrittenLSN)
	require.NoError(t, l.SetFsync("everysec"))
	require.Eventually(t, func() bool { return l.Stats()[1].SyncedLSN == 2 }, 5e9, 1e7)
	require.ErrorContains(t, l.SetFsync("sometimes"), "invalid appendfsync")
}

func TestLogsInfo(t *testing.T) {
	mem := durability.NewMemFS()
	r, _, _ := start(t, mem, testConfig(2))
	l := r.Logs()
	defer l.Close()
	l.Log(0, 0, args("SET s0:k v"), 0)
	info := l.Info(nil)
	var keys []string
	for _, line := range info {
		k, _, ok := strings.Cut(line, ":")
		require.True(t, ok, line)
		keys = append(keys, k)
	}
	require.Equal(t, []string{
		"aof_enabled", "aof_last_write_status", "aof_last_cow_size",
		"module_fork_in_progress", "module_fork_last_cow_size", "aof_current_size", "aof_base_size",
		"aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync",
	}, keys)
	require.Contains(t, info, "aof_enabled:1")
	require.Contains(t, info, "aof_buffer_length:8", "SET s0:k v is buffered")
	require.Contains(t, info, "aof_current_size:0")
	commit(t, l, 0)
	info = l.Info(nil)
	require.Contains(t, info, "aof_buffer_length:0")
	require.NotContains(t, info, "aof_current_size:0")
}

// progressApp checks what Progress reports while records are applied.
type progressApp struct {
	*fakeApp
	r    *Recovery
	seen []Progress
}

func (a *progressApp) Apply(shard, db int, args [][]byte) error {
	a.seen = append(a.seen, a.r.Progress())
	return a.fakeApp.Apply(shard, db, args)
}

func TestProgressWhileLoading(t *testing.T) {
	mem := durability.NewMemFS()
	writeFrames(t, mem, 5)
	r, err := Open(testDir, mem, testConfig(1))
	require.NoError(t, err)
	require.True(t, r.Progress().Start.IsZero())
	app := &progressApp{fakeApp: newFakeApp(1), r: r}
	sum, err := r.Replay(app)
	require.NoError(t, err)
	defer r.Logs().Close()
	require.Len(t, app.seen, 30)
	for i, p := range app.seen {
		require.True(t, p.Loading)
		require.False(t, p.Start.IsZero())
		require.EqualValues(t, 2*sum.Bytes, p.TotalBytes)
		require.GreaterOrEqual(t, p.LoadedBytes, sum.Bytes, "pass 1 read everything")
		require.Less(t, p.LoadedBytes, p.TotalBytes)
		require.EqualValues(t, i, p.Records)
	}
	require.False(t, r.Progress().Loading)
}
