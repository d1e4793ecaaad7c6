package checkpoint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dbKey is a model key: database, slot and key, as the store orders them.
type dbKey struct {
	db, slot int
	key      string
}

func (k dbKey) encoded() string { return string(AppendKey(nil, k.db, k.slot, []byte(k.key))) }

// contents is every key of st (encoded) with its value.
func contents(t *testing.T, st *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, st.ScanAll(func(db, slot int, key, val []byte) error {
		out[dbKey{db, slot, string(key)}.encoded()] = string(val)
		return nil
	}))
	return out
}

// checkpointOp is one change of an image, in the order a checkpoint sends
// them: range deletions and deletions (taken at the cut) before values.
type checkpointOp struct {
	kind   byte
	k      dbKey
	val    string
	lo, hi int // kindDeleteRange: slots lo..hi of k.db
}

// runImage writes ops as checkpoint id in batches of perBatch changes and
// applies them to model.
func runImage(t *testing.T, st *Store, id uint64, ops []checkpointOp, perBatch, runBytes int, model map[string]string) string {
	t.Helper()
	im := st.NewImage(id)
	defer func() { require.NoError(t, im.Close()) }()
	if runBytes > 0 {
		im.runSize = runBytes
	}
	b := st.NewBatch()
	for i, op := range ops {
		switch op.kind {
		case kindSet:
			b.Set(op.k.db, op.k.slot, []byte(op.k.key), []byte(op.val))
			model[op.k.encoded()] = op.val
		case kindDelete:
			b.Delete(op.k.db, op.k.slot, []byte(op.k.key))
			delete(model, op.k.encoded())
		case kindDeleteRange:
			b.DeleteSlots(op.k.db, op.lo, op.hi)
			for k := range model {
				if db, slot := int(k[0])<<8|int(k[1]), int(k[2])<<8|int(k[3]); db == op.k.db && slot >= op.lo && slot <= op.hi {
					delete(model, k)
				}
			}
		}
		if (i+1)%perBatch == 0 {
			require.NoError(t, im.Add(b))
			b = st.NewBatch()
		}
	}
	require.NoError(t, im.Add(b))
	require.NoError(t, im.Build())
	name, err := st.Finish(im, Meta{ID: id, LSNs: []uint64{id}})
	require.NoError(t, err)
	return name
}

// randomImage draws the changes of one checkpoint over a small key space,
// so that keys are overwritten, deleted, deleted and written again in one
// image, and whole slot ranges emptied.
func randomImage(r *rand.Rand, n int) []checkpointOp {
	var dels, sets []checkpointOp
	seen := map[dbKey]bool{}
	if r.IntN(3) == 0 {
		lo := r.IntN(40)
		dels = append(dels, checkpointOp{kind: kindDeleteRange, k: dbKey{db: r.IntN(2)}, lo: lo, hi: lo + r.IntN(20)})
	}
	for range n {
		k := dbKey{db: r.IntN(2), slot: r.IntN(64), key: fmt.Sprintf("k%03d", r.IntN(200))}
		if seen[k] {
			continue
		}
		seen[k] = true
		switch r.IntN(4) {
		case 0:
			dels = append(dels, checkpointOp{kind: kindDelete, k: k})
		case 1:
			// Deleted before the cut and written again: both come.
			dels = append(dels, checkpointOp{kind: kindDelete, k: k})
			fallthrough
		default:
			sets = append(sets, checkpointOp{kind: kindSet, k: k, val: fmt.Sprintf("v%d-%s", r.IntN(1000), k.key)})
		}
	}
	return append(dels, sets...)
}

// TestImageMatchesModel writes a series of checkpoints, small ones applied
// to the live database and large ones (spilled runs, or L0 full) rewritten,
// and checks after each that the live database and the retained copy hold
// exactly the model, and that a database rebuilt from the copy does too.
func TestImageMatchesModel(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, "", nil)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	model := map[string]string{}
	var name string
	for id := uint64(1); id <= 24; id++ {
		runBytes := 0
		if id%3 == 0 {
			runBytes = 1 + r.IntN(2048) // spills: rewrites
		}
		name = runImage(t, st, id, randomImage(r, 50+r.IntN(300)), 1+r.IntN(40), runBytes, model)
		require.Equal(t, model, contents(t, st), "checkpoint %d", id)
		cp, err := OpenCopy(filepath.Join(dir, filepath.FromSlash(name)))
		require.NoError(t, err)
		require.Equal(t, model, contents(t, cp), "copy of checkpoint %d", id)
		m, ok, err := cp.Meta()
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, id, m.ID)
		require.NoError(t, cp.Close())
		assert.NoDirExists(t, filepath.Join(dir, CopiesDir, fmt.Sprintf("%016d.build.tmp", id)))
	}
	require.NoError(t, st.Close())

	st, err = Open(dir, name, nil)
	require.NoError(t, err)
	defer st.Close()
	assert.Equal(t, model, contents(t, st))
	assert.NoDirExists(t, filepath.Join(dir, freshDir))
	runImage(t, st, 25, randomImage(r, 100), 7, 512, model)
	assert.Equal(t, model, contents(t, st))
}

// TestImageRewriteFull is a full checkpoint of a large keyspace: every
// slot range emptied and rewritten, spilled in many runs, and the keys of
// a database the checkpoint does not cover kept.
func TestImageRewriteFull(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, "", nil)
	require.NoError(t, err)
	defer st.Close()
	model := map[string]string{}
	keys := func(gen int) []checkpointOp {
		ops := []checkpointOp{{kind: kindDeleteRange, k: dbKey{db: 0}, lo: 0, hi: 16383}}
		for i := range 20000 {
			k := dbKey{slot: i % 16384, key: fmt.Sprintf("key:%06d", i)}
			if gen > 0 && i%5 == 0 {
				continue // gone since the last checkpoint
			}
			ops = append(ops, checkpointOp{kind: kindSet, k: k, val: fmt.Sprintf("%d-%d", gen, i)})
		}
		return ops
	}
	other := []checkpointOp{{kind: kindSet, k: dbKey{db: 3, slot: 7, key: "kept"}, val: "x"}}
	runImage(t, st, 1, other, 1, 0, model)
	runImage(t, st, 2, keys(0), 1000, 64<<10, model)
	require.Len(t, model, 20001)
	assert.Equal(t, model, contents(t, st))
	runImage(t, st, 3, keys(1), 1000, 64<<10, model)
	require.Len(t, model, 16001)
	assert.Equal(t, model, contents(t, st))
	assert.Zero(t, st.db.Metrics().Levels[0].TablesCount-1, "rewritten: only the meta's flush in L0")
}

// TestImageAbort drops an image that is never finished: its files go and
// the live database is the one before.
func TestImageAbort(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, "", nil)
	require.NoError(t, err)
	defer st.Close()
	model := map[string]string{}
	runImage(t, st, 1, []checkpointOp{{kind: kindSet, k: dbKey{key: "a"}, val: "1"}}, 1, 0, model)

	im := st.NewImage(2)
	im.runSize = 64
	b := st.NewBatch()
	for i := range 100 {
		b.Set(0, i, []byte("b"), []byte("2"))
	}
	require.NoError(t, im.Add(b))
	require.NoError(t, im.Build())
	assert.DirExists(t, filepath.Join(dir, freshDir))
	require.NoError(t, im.Close())
	assert.NoDirExists(t, filepath.Join(dir, freshDir))
	assert.NoDirExists(t, im.tmp)
	assert.Equal(t, model, contents(t, st))
}

// TestImageMalformedBatch: a batch that does not parse fails the image
// (and every later Add), without a panic.
func TestImageMalformedBatch(t *testing.T) {
	st, err := Open(t.TempDir(), "", nil)
	require.NoError(t, err)
	defer st.Close()
	for _, bad := range [][]byte{{0}, {9, 1, 1}, {kindSet, 5, 0, 'a'}, {kindSet, 0xFF}, {kindDelete, 1, 0xFF, 0xFF, 0xFF}} {
		im := st.NewImage(1)
		b := st.NewBatch()
		b.buf = append(b.buf, bad...)
		require.Error(t, im.Add(b), "%v", bad)
		require.Error(t, im.Build())
		_, err := st.Finish(im, Meta{ID: 1})
		require.Error(t, err)
		require.NoError(t, im.Close())
	}
	_, err = os.Stat(filepath.Join(st.dir, CopiesDir, CopyName(1)))
	assert.True(t, os.IsNotExist(err))
}

func TestMergeSpans(t *testing.T) {
	sp := func(a, b string) span { return span{[]byte(a), []byte(b)} }
	got := mergeSpans([]span{sp("m", "p"), sp("a", "c"), sp("b", "d"), sp("x", "x"), sp("d", "e"), sp("n", "o")})
	assert.Equal(t, []span{sp("a", "e"), sp("m", "p")}, got)
	assert.Empty(t, mergeSpans(nil))
}
