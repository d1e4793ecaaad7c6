package types

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sid(ms, seq uint64) StreamID { return StreamID{ms, seq} }

func TestStreamIDOps(t *testing.T) {
	assert.Equal(t, -1, sid(1, 5).Cmp(sid(2, 0)))
	assert.Equal(t, 1, sid(2, 1).Cmp(sid(2, 0)))
	assert.Equal(t, 0, sid(2, 1).Cmp(sid(2, 1)))
	next, ok := sid(1, math.MaxUint64).Incr()
	assert.True(t, ok)
	assert.Equal(t, sid(2, 0), next)
	_, ok = MaxStreamID.Incr()
	assert.False(t, ok)
	prev, ok := sid(2, 0).Decr()
	assert.True(t, ok)
	assert.Equal(t, sid(1, math.MaxUint64), prev)
	_, ok = sid(0, 0).Decr()
	assert.False(t, ok)
	assert.Equal(t, "18446744073709551615-18446744073709551615", MaxStreamID.String())
	assert.True(t, StreamID{}.IsZero())
}

// model is the reference: a plain sorted slice of entries.
type modelEntry struct {
	id     StreamID
	fields []string
}

func collect(s *Stream, start, end StreamID, rev bool) []modelEntry {
	var out []modelEntry
	s.Range(start, end, rev, func(id StreamID, fields [][]byte) bool {
		e := modelEntry{id: id}
		for _, f := range fields {
			e.fields = append(e.fields, string(f))
		}
		out = append(out, e)
		return true
	})
	return out
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// Random adds, deletes and trims agree with a plain model, across node
// boundaries, forwards and backwards.
func TestStreamAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lim := StreamLimits{NodeMaxBytes: 200, NodeMaxEntries: 5}
	s := NewStream()
	var model []modelEntry
	next := sid(1, 0)
	for i := 0; i < 3000; i++ {
		switch op := r.IntN(10); {
		case op < 6:
			next = sid(next.Ms+uint64(r.IntN(3)), uint64(r.IntN(4)))
			if next.Cmp(s.LastID) <= 0 {
				next, _ = s.LastID.Incr()
			}
			fields := []string{fmt.Sprint("f", r.IntN(9)), fmt.Sprint(r.IntN(1000))}
			s.Add(next, toBytes(fields), lim)
			model = append(model, modelEntry{next, fields})
		case op < 8 && len(model) > 0:
			j := r.IntN(len(model))
			require.True(t, s.Delete(model[j].id))
			require.False(t, s.Delete(model[j].id))
			model = append(model[:j], model[j+1:]...)
		case op == 8:
			n := r.IntN(len(model) + 1)
			require.Equal(t, len(model)-n, s.TrimMaxLen(n, false, 0))
			model = model[len(model)-n:]
		default:
			if len(model) == 0 {
				continue
			}
			minID := model[r.IntN(len(model))].id
			removed := s.TrimMinID(minID, false, 0)
			k := 0
			for k < len(model) && model[k].id.Cmp(minID) < 0 {
				k++
			}
			require.Equal(t, k, removed)
			model = model[k:]
		}
		require.Equal(t, len(model), s.Len())
		if i%50 == 0 {
			require.Equal(t, nilIfEmpty(model), collect(s, StreamID{}, MaxStreamID, false))
			rev := collect(s, StreamID{}, MaxStreamID, true)
			for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
				rev[a], rev[b] = rev[b], rev[a]
			}
			require.Equal(t, nilIfEmpty(model), nilIfEmpty(rev))
			if len(model) > 2 {
				lo, hi := model[1].id, model[len(model)-2].id
				require.Equal(t, model[1:len(model)-1], collect(s, lo, hi, false))
				require.Len(t, collect(s, lo, hi, true), len(model)-2)
			}
		}
		if len(model) > 0 {
			first, _ := s.FirstEntryID()
			require.Equal(t, model[0].id, first)
			require.Equal(t, model[0].id, s.FirstID)
			last, _ := s.LastEntryID()
			require.Equal(t, model[len(model)-1].id, last)
		} else {
			require.True(t, s.FirstID.IsZero())
		}
	}
}

func nilIfEmpty(m []modelEntry) []modelEntry {
	if len(m) == 0 {
		return nil
	}
	return m
}

// Approximate trimming removes whole nodes only, and LIMIT bounds it, as
// Redis does with its listpack nodes.
func TestStreamApproxTrim(t *testing.T) {
	lim := StreamLimits{NodeMaxEntries: 10}
	s := NewStream()
	for i := 1; i <= 35; i++ {
		s.Add(sid(uint64(i), 0), toBytes([]string{"f", "v"}), lim)
	}
	assert.Equal(t, 4, s.Nodes())
	assert.Equal(t, 0, s.TrimMaxLen(30, true, 0), "no whole node can go")
	assert.Equal(t, 10, s.TrimMaxLen(20, true, 0))
	assert.Equal(t, 25, s.Len())
	assert.Equal(t, 0, s.TrimMaxLen(0, true, 5), "a node exceeds the limit")
	assert.Equal(t, 10, s.TrimMinID(sid(30, 0), true, 0))
	assert.Equal(t, sid(21, 0), s.FirstID)
	assert.Equal(t, 4, s.TrimMinID(sid(25, 0), false, 0))
	assert.Equal(t, sid(25, 0), s.FirstID)
	assert.Equal(t, uint64(35), s.EntriesAdded)
	assert.True(t, s.MaxDeletedID.IsZero(), "trimming is not deletion")
	assert.True(t, s.Delete(sid(30, 0)))
	assert.Equal(t, sid(30, 0), s.MaxDeletedID)
}

// Node boundaries count deleted entries, as Redis's master entry does.
func TestStreamNodeCountsDeleted(t *testing.T) {
	lim := StreamLimits{NodeMaxEntries: 3}
	s := NewStream()
	s.Add(sid(1, 0), toBytes([]string{"a", "1"}), lim)
	s.Add(sid(2, 0), toBytes([]string{"a", "1"}), lim)
	require.True(t, s.Delete(sid(2, 0)))
	s.Add(sid(3, 0), toBytes([]string{"a", "1"}), lim)
	s.Add(sid(4, 0), toBytes([]string{"a", "1"}), lim)
	assert.Equal(t, 2, s.Nodes())
	require.True(t, s.Delete(sid(4, 0)))
	assert.Equal(t, 1, s.Nodes(), "an emptied node goes away")
}

func TestStreamGroupsAndCopy(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 4; i++ {
		s.Add(sid(uint64(i), 0), toBytes([]string{"f", "v"}), StreamLimits{})
	}
	g := s.CreateGroup("g", sid(0, 0), 0)
	require.NotNil(t, g)
	assert.Nil(t, s.CreateGroup("g", sid(0, 0), 0))
	s.CreateGroup("a", sid(0, 0), -1)
	assert.Equal(t, "a", s.Groups()[0].Name)
	c1, created := g.CreateConsumer("c1", 100)
	assert.True(t, created)
	_, created = g.CreateConsumer("c1", 200)
	assert.False(t, created)
	c0, _ := g.CreateConsumer("c0", 100)
	assert.Equal(t, "c0", g.Consumers()[0].Name)
	g.AddPending(sid(3, 0), c1, 10)
	g.AddPending(sid(1, 0), c1, 10)
	g.AddPending(sid(2, 0), c0, 10)
	assert.Equal(t, []StreamID{sid(1, 0), sid(2, 0), sid(3, 0)}, pendingIDs(g.Pending()))
	g.Assign(g.FindPending(sid(3, 0)), c0)
	assert.Equal(t, []StreamID{sid(2, 0), sid(3, 0)}, pendingIDs(c0.Pending()))
	assert.Equal(t, []StreamID{sid(1, 0)}, pendingIDs(c1.Pending()))

	cp := s.Copy().(*Stream)
	cg := cp.Group("g")
	assert.True(t, cg.Ack(sid(2, 0)))
	assert.False(t, cg.Ack(sid(2, 0)))
	assert.Equal(t, 1, cg.DeleteConsumer("c0"))
	assert.Len(t, g.Pending(), 3, "the original keeps its PEL")
	assert.Len(t, c0.Pending(), 2)
	assert.Equal(t, 1, g.PendingFrom(sid(1, 1)))
	assert.True(t, s.DestroyGroup("a"))
	assert.False(t, s.DestroyGroup("a"))
	assert.NotNil(t, cp.Group("a"))
	assert.Equal(t, 2, g.DeleteConsumer("c0"))
	assert.Equal(t, -1, g.DeleteConsumer("c0"))
	assert.Equal(t, []StreamID{sid(1, 0)}, pendingIDs(g.Pending()))
	assert.Greater(t, s.MemoryUsage(), int64(0))
	assert.Equal(t, "stream", s.Encoding())
}

func pendingIDs(pel []*StreamNACK) []StreamID {
	var out []StreamID
	for _, p := range pel {
		out = append(out, p.ID)
	}
	return out
}

// The read counter and lag follow Redis's rules: exact without
// tombstones, estimated or unknown with them.
func TestStreamLag(t *testing.T) {
	s := NewStream()
	g := s.CreateGroup("g", sid(0, 0), -1)
	lag, ok := s.Lag(g)
	assert.True(t, ok)
	assert.Equal(t, int64(0), lag)
	for i := 1; i <= 5; i++ {
		s.Add(sid(uint64(i), 0), nil, StreamLimits{})
	}
	assert.Equal(t, int64(5), s.EstimateEntriesRead(sid(5, 0)))
	assert.Equal(t, int64(-1), s.EstimateEntriesRead(sid(6, 0)))
	assert.Equal(t, int64(1), s.EstimateEntriesRead(sid(1, 0)))
	assert.Equal(t, int64(0), s.EstimateEntriesRead(sid(0, 5)))
	lag, ok = s.Lag(g)
	assert.True(t, ok)
	assert.Equal(t, int64(5), lag)
	s.Delete(sid(3, 0))
	assert.True(t, s.RangeHasTombstones(sid(2, 0), MaxStreamID))
	assert.False(t, s.RangeHasTombstones(sid(4, 0), MaxStreamID))
	g.LastID = sid(2, 0)
	_, ok = s.Lag(g)
	assert.False(t, ok, "a tombstone ahead makes the lag unknown")
	g.EntriesRead = 2
	_, ok = s.Lag(g)
	assert.False(t, ok)
}
