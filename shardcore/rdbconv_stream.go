package shardcore

import (
	"fmt"
	"math"

	"github.com/keeldb/keel/rdb"
	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// The stream codec carries everything Redis's RDB holds for a stream: the
// live entries, the counters (last ID, entries added, max deleted ID,
// recorded first ID) and the consumer groups with their last delivered ID,
// entries-read counter, pending entries and consumers. Node boundaries are
// not carried: each side packs the entries under its own node limits, so
// only XINFO's radix-tree-* figures may differ after a move.
func init() {
	rdbCodecs[store.TypeStream] = rdbCodec{kind: rdb.KindStream, toRDB: streamToRDB, fromRDB: streamFromRDB}
}

func toRDBID(id types.StreamID) rdb.StreamID   { return rdb.StreamID{Ms: id.Ms, Seq: id.Seq} }
func fromRDBID(id rdb.StreamID) types.StreamID { return types.StreamID{Ms: id.Ms, Seq: id.Seq} }

func streamToRDB(obj any) (rdb.Value, error) {
	s, ok := obj.(*types.Stream)
	if !ok {
		return rdb.Value{}, fmt.Errorf("stream value of type %T", obj)
	}
	var cp copier
	out := &rdb.Stream{
		Entries:      make([]rdb.StreamEntry, 0, s.Len()),
		Length:       uint64(s.Len()),
		LastID:       toRDBID(s.LastID),
		FirstID:      toRDBID(s.FirstID),
		MaxDeletedID: toRDBID(s.MaxDeletedID),
		EntriesAdded: s.EntriesAdded,
	}
	s.Range(types.StreamID{}, types.MaxStreamID, false, func(id types.StreamID, fields [][]byte) bool {
		e := rdb.StreamEntry{ID: toRDBID(id), Fields: make([][]byte, len(fields))}
		for i, f := range fields {
			e.Fields[i] = cp.copy(f)
		}
		out.Entries = append(out.Entries, e)
		return true
	})
	for _, g := range s.Groups() {
		rg := rdb.StreamGroup{
			Name:        []byte(g.Name),
			LastID:      toRDBID(g.LastID),
			EntriesRead: g.EntriesRead,
			PEL:         make([]rdb.PendingEntry, 0, len(g.Pending())),
			Consumers:   make([]rdb.StreamConsumer, 0, len(g.Consumers())),
		}
		for _, p := range g.Pending() {
			rg.PEL = append(rg.PEL, rdb.PendingEntry{ID: toRDBID(p.ID), DeliveryTime: p.DeliveryTime, DeliveryCount: p.DeliveryCount})
		}
		for _, c := range g.Consumers() {
			rc := rdb.StreamConsumer{Name: []byte(c.Name), SeenTime: c.SeenTime, ActiveTime: c.ActiveTime,
				PEL: make([]rdb.StreamID, 0, len(c.Pending()))}
			for _, p := range c.Pending() {
				rc.PEL = append(rc.PEL, toRDBID(p.ID))
			}
			rg.Consumers = append(rg.Consumers, rc)
		}
		out.Groups = append(out.Groups, rg)
	}
	return rdb.Value{Kind: rdb.KindStream, Stream: out}, nil
}

// streamFromRDB rebuilds a stream, refusing what a keel stream cannot hold
// consistently: entries out of order or without field/value pairs, a last
// ID below the last entry, duplicate groups or consumers, and pending
// entries without exactly one owner. An empty stream is still a key.
func streamFromRDB(v *rdb.Value, cfg *config.Config) (any, error) {
	in := v.Stream
	if in == nil {
		return nil, fmt.Errorf("stream value without a stream")
	}
	lim := types.StreamLimits{
		NodeMaxBytes:   int(min(cfg.StreamNodeMaxBytes, math.MaxInt32)),
		NodeMaxEntries: int(min(cfg.StreamNodeMaxEntries, math.MaxInt32)),
	}
	s := types.NewStream()
	var prev types.StreamID
	for i := range in.Entries {
		e := &in.Entries[i]
		id := fromRDBID(e.ID)
		if id.Cmp(prev) <= 0 {
			if i == 0 {
				return nil, fmt.Errorf("stream entry ID %s (must be above 0-0)", id)
			}
			return nil, fmt.Errorf("stream entry %s does not follow %s", id, prev)
		}
		if len(e.Fields) == 0 || len(e.Fields)%2 != 0 {
			return nil, fmt.Errorf("stream entry %s has %d field elements (want field/value pairs)", id, len(e.Fields))
		}
		s.Add(id, e.Fields, lim)
		prev = id
	}
	last := fromRDBID(in.LastID)
	if last.Cmp(prev) < 0 {
		return nil, fmt.Errorf("stream last ID %s is below its last entry %s", last, prev)
	}
	s.LastID = last
	s.FirstID = fromRDBID(in.FirstID)
	s.MaxDeletedID = fromRDBID(in.MaxDeletedID)
	s.EntriesAdded = in.EntriesAdded
	for gi := range in.Groups {
		if err := streamGroupFromRDB(s, &in.Groups[gi]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func streamGroupFromRDB(s *types.Stream, in *rdb.StreamGroup) error {
	g := s.CreateGroup(string(in.Name), fromRDBID(in.LastID), in.EntriesRead)
	if g == nil {
		return fmt.Errorf("duplicate consumer group %q", in.Name)
	}
	owner := make(map[rdb.StreamID]*types.StreamConsumer, len(in.PEL))
	for ci := range in.Consumers {
		rc := &in.Consumers[ci]
		c, created := g.CreateConsumer(string(rc.Name), rc.SeenTime)
		if !created {
			return fmt.Errorf("group %q has consumer %q twice", in.Name, rc.Name)
		}
		c.SeenTime, c.ActiveTime = rc.SeenTime, rc.ActiveTime
		for _, id := range rc.PEL {
			if _, dup := owner[id]; dup {
				return fmt.Errorf("pending entry %s of group %q has two owners", id, in.Name)
			}
			owner[id] = c
		}
	}
	for _, p := range in.PEL {
		id := fromRDBID(p.ID)
		if g.FindPending(id) != nil {
			return fmt.Errorf("group %q lists pending entry %s twice", in.Name, p.ID)
		}
		c, ok := owner[p.ID]
		if !ok {
			return fmt.Errorf("pending entry %s of group %q has no consumer", p.ID, in.Name)
		}
		n := g.AddPending(id, c, p.DeliveryTime)
		n.DeliveryCount = p.DeliveryCount
	}
	if len(owner) != len(g.Pending()) {
		for _, rc := range in.Consumers {
			for _, id := range rc.PEL {
				if g.FindPending(fromRDBID(id)) == nil {
					return fmt.Errorf("consumer %q of group %q owns %s, which is not pending", rc.Name, in.Name, id)
				}
			}
		}
	}
	return nil
}
