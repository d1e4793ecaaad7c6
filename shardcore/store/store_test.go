package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type modelVal struct {
	typ Type
	str string
	obj any
	exp int64
	lru uint32
}

func requireEntry(t *testing.T, want modelVal, got Entry, key string) {
	t.Helper()
	require.Equal(t, want.typ, got.Type, "type of %q", key)
	require.Equal(t, want.exp, got.ExpireAt, "expiry of %q", key)
	require.Equal(t, want.lru, got.LRU, "lru of %q", key)
	if want.typ == TypeString {
		require.Equal(t, want.str, string(got.Str), "value of %q", key)
		require.Nil(t, got.Obj)
	} else {
		require.Same(t, want.obj, got.Obj, "obj of %q", key)
		require.Nil(t, got.Str)
	}
}

func randValue(r *rand.Rand) string {
	var n int
	switch x := r.IntN(100); {
	case x < 70:
		n = r.IntN(40)
	case x < 95:
		n = r.IntN(600)
	default:
		n = 3000 + r.IntN(3000) // around maxSlot, to mix slab and big records
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

func compareModel(t *testing.T, tb *Table, model map[string]modelVal) {
	t.Helper()
	checkInvariants(t, tb)
	require.Equal(t, len(model), tb.Len())
	ttl := 0
	for k, v := range model {
		got, ok := tb.Get([]byte(k))
		require.True(t, ok, "missing %q", k)
		requireEntry(t, v, got, k)
		if v.exp != 0 {
			ttl++
		}
	}
	require.Equal(t, ttl, tb.ExpiresLen())
	// A full scan returns exactly the model's keys (duplicates allowed).
	seen := make(map[string]bool)
	var c uint64
	for {
		c = tb.Scan(c, func(key []byte, e Entry) {
			v, ok := model[string(key)]
			require.True(t, ok, "scan returned unknown key %q", key)
			requireEntry(t, v, e, string(key))
			seen[string(key)] = true
		})
		if c == 0 {
			break
		}
	}
	require.Equal(t, len(model), len(seen))
}

func TestModel(t *testing.T) {
	lowerDefragThreshold(t)
	r := rand.New(rand.NewPCG(1, 2))
	tb := NewTable()
	model := make(map[string]modelVal)
	keyspace := 4000
	key := func() string { return fmt.Sprintf("k%d", r.IntN(keyspace)) }
	// Phases: grow, churn, shrink, then grow again after a Clear.
	phases := []struct {
		ops       int
		setWeight int
		delWeight int
	}{{30000, 80, 5}, {30000, 40, 40}, {30000, 5, 80}, {20000, 60, 30}}
	for pi, ph := range phases {
		if pi == 3 {
			tb.Clear()
			clear(model)
			checkInvariants(t, tb)
			require.Zero(t, tb.Len())
			keyspace = 20000
		}
		for op := 0; op < ph.ops; op++ {
			k := key()
			x := r.IntN(100)
			switch {
			case x < ph.setWeight:
				v := modelVal{lru: r.Uint32()}
				if r.IntN(5) == 0 {
					v.typ = Type(1 + r.IntN(5))
					v.obj = new(int)
				} else {
					v.str = randValue(r)
				}
				if r.IntN(3) == 0 {
					v.exp = 1 + r.Int64N(1e12)
				}
				tb.Set([]byte(k), Entry{Type: v.typ, Str: []byte(v.str), Obj: v.obj, ExpireAt: v.exp, LRU: v.lru})
				model[k] = v
			case x < ph.setWeight+ph.delWeight:
				got, ok := tb.Delete([]byte(k))
				want, had := model[k]
				require.Equal(t, had, ok, "delete %q", k)
				if had {
					requireEntry(t, want, got, k)
					delete(model, k)
				}
			case x < ph.setWeight+ph.delWeight+5:
				at := int64(0)
				if r.IntN(2) == 0 {
					at = 1 + r.Int64N(1e12)
				}
				v, had := model[k]
				require.Equal(t, had, tb.SetExpire([]byte(k), at))
				if had {
					v.exp = at
					model[k] = v
				}
			case x < ph.setWeight+ph.delWeight+8:
				lru := r.Uint32()
				v, had := model[k]
				require.Equal(t, had, tb.Touch([]byte(k), lru))
				if had {
					v.lru = lru
					model[k] = v
				}
			default:
				got, ok := tb.Get([]byte(k))
				v, had := model[k]
				require.Equal(t, had, ok)
				if had {
					requireEntry(t, v, got, k)
				}
			}
			if op%50 == 0 {
				tb.Defrag(100)
			}
			if op%5000 == 0 {
				compareModel(t, tb, model)
			}
		}
		compareModel(t, tb, model)
	}
}

func TestTypeString(t *testing.T) {
	names := []string{"string", "list", "set", "zset", "hash", "stream"}
	for i, n := range names {
		assert.Equal(t, n, Type(i).String())
	}
	assert.Equal(t, "unknown", Type(200).String())
}

func TestClassOf(t *testing.T) {
	for n := 0; n <= maxSlot; n++ {
		c := classOf(n)
		require.GreaterOrEqual(t, int(classSize[c]), n, "n=%d", n)
		if c > 0 {
			require.Less(t, int(classSize[c-1]), n, "n=%d not in smallest class", n)
		}
		require.Zero(t, classSize[c]%8)
	}
	require.Equal(t, uint32(maxSlot), classSize[len(classSize)-1])
}

func TestEmptyKeyAndValue(t *testing.T) {
	tb := NewTable()
	tb.Set(nil, Entry{})
	tb.Set([]byte("e"), Entry{Str: []byte{}})
	obj := new(int)
	tb.Set([]byte("o"), Entry{Type: TypeSet, Obj: obj})
	e, ok := tb.Get([]byte{})
	require.True(t, ok)
	require.Equal(t, TypeString, e.Type)
	require.Empty(t, e.Str)
	e, ok = tb.Get([]byte("o"))
	require.True(t, ok)
	require.Same(t, obj, e.Obj)
	_, ok = tb.Delete(nil)
	require.True(t, ok)
	_, ok = tb.Get(nil)
	require.False(t, ok)
	checkInvariants(t, tb)
}

func TestMissing(t *testing.T) {
	tb := NewTable()
	_, ok := tb.Get([]byte("x"))
	require.False(t, ok)
	_, ok = tb.Delete([]byte("x"))
	require.False(t, ok)
	require.False(t, tb.SetExpire([]byte("x"), 5))
	require.False(t, tb.Touch([]byte("x"), 5))
	require.Zero(t, tb.KeyMemory([]byte("x")))
	_, ok = tb.RandomKey(rand.IntN)
	require.False(t, ok)
	require.Zero(t, tb.Scan(0, func([]byte, Entry) { t.Fatal("scan of empty table called fn") }))
	n, exp := tb.ExpireSample(1, 10, func([]byte) { t.Fatal("no keys to expire") })
	require.Zero(t, n)
	require.Zero(t, exp)
}

func TestTypeChanges(t *testing.T) {
	tb := NewTable()
	k := []byte("key")
	l := new(int)
	tb.Set(k, Entry{Str: []byte("short")})
	tb.Set(k, Entry{Type: TypeList, Obj: l, ExpireAt: 7})
	e, _ := tb.Get(k)
	require.Equal(t, TypeList, e.Type)
	require.Same(t, l, e.Obj)
	require.Equal(t, int64(7), e.ExpireAt)
	tb.Set(k, Entry{Str: bytes.Repeat([]byte("v"), 5000)})
	e, _ = tb.Get(k)
	require.Equal(t, 5000, len(e.Str))
	require.Zero(t, e.ExpireAt)
	require.Zero(t, tb.ExpiresLen())
	require.Nil(t, tb.objs[0], "replaced obj must be released to the collector")
	tb.Set(k, Entry{Type: TypeHash, Obj: l})
	tb.Set(k, Entry{Str: []byte("x")})
	checkInvariants(t, tb)
}

// Str must not let an append spill into a neighbouring record.
func TestStrCapacity(t *testing.T) {
	tb := NewTable()
	tb.Set([]byte("a"), Entry{Str: []byte("1234")})
	tb.Set([]byte("b"), Entry{Str: []byte("5678")})
	e, _ := tb.Get([]byte("a"))
	require.Equal(t, len(e.Str), cap(e.Str))
	_ = append(e.Str, "XXXXXXXXXXXXXXXXXXXXXXXXX"...)
	e, _ = tb.Get([]byte("b"))
	require.Equal(t, "5678", string(e.Str))
}

// Set accepts keys and values that alias the table's own memory.
func TestSetAliasing(t *testing.T) {
	tb := NewTable()
	tb.Set([]byte("src"), Entry{Str: []byte("hello world, this is the source")})
	e, _ := tb.Get([]byte("src"))
	tb.Set([]byte("dst"), e) // copy of another key's value
	e, _ = tb.Get([]byte("src"))
	tb.Set([]byte("src"), Entry{Str: e.Str[6:]}) // shrink into another class from itself
	e, _ = tb.Get([]byte("src"))
	tb.Set([]byte("src"), Entry{Str: e.Str[1:]}) // same class, overlapping copy
	e, _ = tb.Get([]byte("src"))
	require.Equal(t, "orld, this is the source", string(e.Str))
	e, _ = tb.Get([]byte("dst"))
	require.Equal(t, "hello world, this is the source", string(e.Str))
	var key []byte
	grab := func(k []byte, _ Entry) {
		if key == nil {
			key = k // an alias of the table's record
		}
	}
	for c := tb.Scan(0, grab); c != 0; {
		c = tb.Scan(c, grab)
	}
	require.NotNil(t, key)
	kcopy := string(key)
	got, ok := tb.Delete(key) // key aliases the record being freed
	require.True(t, ok)
	require.NotNil(t, got.Str)
	_, ok = tb.Get([]byte(kcopy))
	require.False(t, ok)
	checkInvariants(t, tb)
}

func TestDeleteValueReadableUntilNextMutation(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 100; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{Str: []byte(fmt.Sprint("value-", i))})
	}
	for i := 0; i < 100; i++ {
		e, ok := tb.Delete([]byte(fmt.Sprint("k", i)))
		require.True(t, ok)
		require.Equal(t, fmt.Sprint("value-", i), string(e.Str))
	}
	require.Zero(t, tb.Len())
	checkInvariants(t, tb)
}

func TestZeroAllocs(t *testing.T) {
	tb := NewTable()
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%010d", i))
		tb.Set(keys[i], Entry{Str: []byte("0123456789abcdef")})
	}
	val := []byte("fedcba9876543210")
	short := []byte("fedcba98765432") // same slot class
	i := 0
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		e, ok := tb.Get(keys[i%len(keys)])
		if !ok || len(e.Str) != 16 {
			t.Fatal("bad get")
		}
		i++
	}), "Get")
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		tb.Set(keys[i%len(keys)], Entry{Str: val, ExpireAt: 0, LRU: 3})
		i++
	}), "Set same size")
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		tb.Set(keys[i%len(keys)], Entry{Str: short})
		tb.Set(keys[i%len(keys)], Entry{Str: val})
		i++
	}), "Set same class")
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		k := keys[i%len(keys)]
		tb.Delete(k)
		tb.Set(k, Entry{Str: val})
		i++
	}), "Delete then Set in steady state")
	checkInvariants(t, tb)
}

func TestIncrementalGrowth(t *testing.T) {
	tb := NewTable()
	sawRehash := false
	for i := 0; i < 100000; i++ {
		tb.Set([]byte(fmt.Sprint(i)), Entry{Str: []byte("v")})
		if tb.Rehashing() {
			sawRehash = true
			// The new table is never more than half moved behind.
			require.LessOrEqual(t, tb.n, 2*len(tb.ht[1]))
		}
	}
	require.True(t, sawRehash)
	for tb.Rehash(100) {
	}
	require.Equal(t, 131072, len(tb.ht[0]))
	for i := 0; i < 100000; i++ {
		_, ok := tb.Delete([]byte(fmt.Sprint(i)))
		require.True(t, ok)
	}
	for tb.Rehash(100) {
	}
	require.Equal(t, initBuckets, len(tb.ht[0]))
	checkInvariants(t, tb)
}

func TestMemoryIsReleased(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 200000; i++ {
		tb.Set([]byte(fmt.Sprintf("key:%010d", i)), Entry{Str: []byte("0123456789abcdef"), ExpireAt: int64(i + 1)})
	}
	full := tb.MemoryUsage()
	for i := 0; i < 200000; i++ {
		if i%1000 != 0 {
			tb.Delete([]byte(fmt.Sprintf("key:%010d", i)))
		}
	}
	for tb.Rehash(1000) {
	}
	for tb.Defrag(1000) {
	}
	// Slab pages, entry pages, buckets and the TTL index all shrink.
	require.Less(t, tb.MemoryUsage(), full/10)
	checkInvariants(t, tb)
	tb.Clear()
	require.Less(t, tb.MemoryUsage(), int64(4096))
}

func TestKeyMemory(t *testing.T) {
	tb := NewTable()
	tb.Set([]byte("key:0000000001"), Entry{Str: []byte("0123456789abcdef")})
	tb.Set([]byte("big"), Entry{Str: make([]byte, 10000)})
	tb.Set([]byte("list"), Entry{Type: TypeList, Obj: new(int), ExpireAt: 9})
	small := tb.KeyMemory([]byte("key:0000000001"))
	require.Equal(t, entrySize+4+32, small)
	require.Greater(t, tb.KeyMemory([]byte("big")), int64(10000))
	require.Greater(t, tb.KeyMemory([]byte("list")), entrySize)
	require.Greater(t, tb.MemoryUsage(), int64(10000))
}

func TestRandomKey(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tb := NewTable()
	for i := 0; i < 50; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{})
	}
	seen := make(map[string]int)
	for i := 0; i < 5000; i++ {
		k, ok := tb.RandomKey(r.IntN)
		require.True(t, ok)
		seen[string(k)]++
	}
	require.Len(t, seen, 50)
	// While rehashing (a big table shrinking to a few keys) keys come from
	// both tables.
	for i := 50; i < 5000; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{})
	}
	for i := 10; i < 5000; i++ {
		tb.Delete([]byte(fmt.Sprint("k", i)))
	}
	clear(seen)
	for i := 0; i < 2000; i++ {
		k, ok := tb.RandomKey(r.IntN)
		require.True(t, ok)
		_, ok = tb.Get(k)
		require.True(t, ok, "random key %q missing", k)
		seen[string(k)]++
	}
	require.Len(t, seen, 10)
	checkInvariants(t, tb)
}

func lowerDefragThreshold(t *testing.T) {
	old := defragMinWaste
	defragMinWaste = 16 << 10
	t.Cleanup(func() { defragMinWaste = old })
}

func TestDefrag(t *testing.T) {
	lowerDefragThreshold(t)
	r := rand.New(rand.NewPCG(9, 10))
	tb := NewTable()
	model := make(map[string]modelVal)
	set := func(k string) {
		v := modelVal{str: string(make([]byte, r.IntN(200)))}
		if r.IntN(4) == 0 {
			v.exp = 1 + r.Int64N(1e12)
		}
		tb.Set([]byte(k), Entry{Str: []byte(v.str), ExpireAt: v.exp})
		model[k] = v
	}
	for i := 0; i < 50000; i++ {
		set(fmt.Sprint("k", i))
	}
	full := tb.slab.bytes
	sawCycle := false
	for i := 0; i < 50000; i++ {
		if r.IntN(100) < 85 {
			k := fmt.Sprint("k", i)
			e, ok := tb.Delete([]byte(k))
			require.True(t, ok)
			require.Equal(t, model[k].str, string(e.Str))
			delete(model, k)
		}
		sawCycle = sawCycle || tb.defragging
	}
	require.True(t, sawCycle, "deletes never started a defrag cycle")
	// Writes and reads interleaved with a running cycle.
	for i := 0; tb.Defrag(50); i++ {
		k := fmt.Sprint("k", r.IntN(50000))
		switch r.IntN(3) {
		case 0:
			set(k)
		case 1:
			tb.Delete([]byte(k))
			delete(model, k)
		default:
			e, ok := tb.Get([]byte(k))
			v, had := model[k]
			require.Equal(t, had, ok)
			if ok {
				requireEntry(t, v, e, k)
			}
		}
		if i%2000 == 0 {
			checkInvariants(t, tb)
		}
	}
	compareModel(t, tb, model)
	require.Less(t, int(tb.nents), 2*tb.Len()+entPageLen, "entry indices were not compacted")
	require.Less(t, tb.slab.bytes, full/3, "slab pages were not released")
	// What slack is left is per class: a partly used page or two each.
	inUse := 0
	for _, c := range tb.slab.classes {
		if c.pages > 0 {
			inUse++
		}
	}
	waste := tb.slab.bytes - tb.slab.usedBytes
	require.LessOrEqual(t, waste, int64(2*pageSize*inUse), "slack after defrag")
}

// RENAME and MOVE hand a deleted value straight back to Set.
func TestDeleteThenSetSameValue(t *testing.T) {
	tb := NewTable()
	for _, size := range []int{0, 5, 16, 17, 300, 5000} {
		val := bytes.Repeat([]byte{'x'}, size)
		for i := range val {
			val[i] = byte('a' + i%26)
		}
		tb.Set([]byte("src"), Entry{Str: val, ExpireAt: 42})
		e, ok := tb.Delete([]byte("src"))
		require.True(t, ok)
		tb.Set([]byte("dst-key"), e)
		got, ok := tb.Get([]byte("dst-key"))
		require.True(t, ok)
		require.Equal(t, string(val), string(got.Str), "size %d", size)
		require.Equal(t, int64(42), got.ExpireAt)
		e, _ = tb.Delete([]byte("dst-key"))
		tb.Set([]byte("src"), Entry{Str: e.Str[:len(e.Str)/2]})
		got, _ = tb.Get([]byte("src"))
		require.Equal(t, string(val[:size/2]), string(got.Str))
		tb.Delete([]byte("src"))
		checkInvariants(t, tb)
	}
}

// A write whose argument aliases a record that defragmentation moves during
// that same write must still copy the right bytes.
func TestDefragAliasing(t *testing.T) {
	lowerDefragThreshold(t)
	r := rand.New(rand.NewPCG(11, 12))
	tb := NewTable()
	want := map[string]string{}
	for i := 0; i < 40000; i++ {
		k := fmt.Sprintf("k%05d", i)
		v := fmt.Sprintf("value-%013d", r.Int64N(1e13))
		tb.Set([]byte(k), Entry{Str: []byte(v)})
		want[k] = v
	}
	// Deleting from inside Scan callbacks defers all defragmentation, so
	// the slab is left sparse for the cycle started below.
	del := func(key []byte, _ Entry) {
		if r.IntN(10) < 8 {
			delete(want, string(key))
			tb.Delete(key)
		}
	}
	for c := tb.Scan(0, del); c != 0; {
		c = tb.Scan(c, del)
	}
	require.False(t, tb.defragging)
	require.True(t, tb.Defrag(0), "no defrag cycle to test against")
	for k, v := range want {
		e, ok := tb.Get([]byte(k))
		require.True(t, ok)
		tb.Set([]byte("copy-"+k), Entry{Str: e.Str})
		e, ok = tb.Get([]byte("copy-" + k))
		require.True(t, ok)
		require.Equal(t, v, string(e.Str))
	}
	require.False(t, tb.defragging, "cycle should have completed")
	for k, v := range want {
		e, _ := tb.Get([]byte(k))
		require.Equal(t, v, string(e.Str))
	}
	checkInvariants(t, tb)
}

// Keys inserted while the table grows go to the new bucket array whatever
// their old bucket; entry compaction, which moves live entries down, must
// find them there (it used to relink only the old array's chain, leaving a
// chain pointing past the retired indices).
func TestCompactDuringRehash(t *testing.T) {
	tb := NewTable()
	key := func(i int) []byte { return []byte(fmt.Sprint("k", i)) }
	const full = 32768 // one more key starts doubling the bucket array
	for i := 0; i < full+200; i++ {
		tb.Set(key(i), Entry{Str: []byte("v")})
	}
	require.True(t, tb.Rehashing())
	// Deleting the oldest keys frees over half of the entry indices while
	// the rehash is still going, so compaction moves the newest entries.
	both := false
	for i := 0; i < full/2+200; i++ {
		_, ok := tb.Delete(key(i))
		require.True(t, ok)
		both = both || tb.compacting && tb.Rehashing()
		if i%2048 == 0 {
			checkInvariants(t, tb)
		}
	}
	require.True(t, both, "the test must compact during the rehash")
	checkInvariants(t, tb)
	for i := full/2 + 200; i < full+200; i++ {
		_, ok := tb.Get(key(i))
		require.True(t, ok, "key %d", i)
	}
}

// Load adds keys as Set does, minus the lookup.
func TestLoad(t *testing.T) {
	tb := NewTable()
	tb.Reserve(5000)
	for i := 0; i < 5000; i++ {
		e := Entry{Str: []byte(fmt.Sprint("v", i))}
		if i%3 == 0 {
			e = Entry{Type: TypeHash, Obj: i}
		}
		if i%7 == 0 {
			e.ExpireAt = int64(1000 + i)
		}
		tb.Load([]byte(fmt.Sprint("k", i)), e)
	}
	require.Equal(t, 5000, tb.Len())
	checkInvariants(t, tb)
	for i := 0; i < 5000; i++ {
		e, ok := tb.Get([]byte(fmt.Sprint("k", i)))
		require.True(t, ok)
		if i%3 == 0 {
			require.Equal(t, i, e.Obj)
		} else {
			require.Equal(t, fmt.Sprint("v", i), string(e.Str))
		}
		if i%7 == 0 {
			require.Equal(t, int64(1000+i), e.ExpireAt)
		}
	}
}
