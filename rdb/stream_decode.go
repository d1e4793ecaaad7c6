package rdb

import (
	"encoding/binary"
	"fmt"
)

// streamIDSize is a stream ID in raw form: ms then seq, big-endian.
const streamIDSize = 16

func rawStreamID(b []byte) StreamID {
	return StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}
}

func (d *valueDecoder) readStreamID() (StreamID, error) {
	ms, err := d.r.readLength()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := d.r.readLength()
	return StreamID{Ms: ms, Seq: seq}, err
}

func (d *valueDecoder) readRawStreamID() (StreamID, error) {
	var b [streamIDSize]byte
	if err := d.r.readFull(b[:]); err != nil {
		return StreamID{}, err
	}
	return rawStreamID(b[:]), nil
}

func (d *valueDecoder) stream(t ObjectType) (*Stream, error) {
	r := d.r
	s := &Stream{}
	nodes, err := r.readCount("stream node")
	if err != nil {
		return nil, err
	}
	for range nodes {
		key, off, err := d.blob()
		if err != nil {
			return nil, err
		}
		if len(key) != streamIDSize {
			return nil, &posError{off, corruptf("stream node key of %d bytes, want %d", len(key), streamIDSize)}
		}
		lp, off, err := d.blob()
		if err != nil {
			return nil, err
		}
		if err := d.streamNode(lp, rawStreamID(key), s); err != nil {
			return nil, blobError(off, "stream node", err)
		}
	}
	if s.Length, err = r.readLength(); err != nil {
		return nil, err
	}
	if s.LastID, err = d.readStreamID(); err != nil {
		return nil, err
	}
	if t >= TypeStreamListpacks2 {
		if s.FirstID, err = d.readStreamID(); err != nil {
			return nil, err
		}
		if s.MaxDeletedID, err = d.readStreamID(); err != nil {
			return nil, err
		}
		if s.EntriesAdded, err = r.readLength(); err != nil {
			return nil, err
		}
	} else {
		// What Redis derives when loading a pre-7.0 stream.
		s.EntriesAdded = s.Length
		if len(s.Entries) > 0 {
			s.FirstID = s.Entries[0].ID
		}
	}
	if s.Length != uint64(len(s.Entries)) {
		return nil, corruptf("stream declares %d entries, its nodes hold %d", s.Length, len(s.Entries))
	}
	ngroups, err := r.readCount("consumer group")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for range ngroups {
		g, err := d.streamGroup(t, s)
		if err != nil {
			return nil, err
		}
		if seen[string(g.Name)] {
			return nil, corruptf("duplicate consumer group %q", g.Name)
		}
		seen[string(g.Name)] = true
		s.Groups = append(s.Groups, g)
	}
	return s, nil
}

// streamNode decodes one listpack of entries. It opens with the master
// entry: live count, deleted count, the master field names and a 0. Each
// entry then holds flags, the ID as a delta from the node key, either the
// values alone (when its fields are the master's) or a field count and
// field/value pairs, and finally its own element count.
func (d *valueDecoder) streamNode(b []byte, master StreamID, s *Stream) error {
	lp, err := openListpack(b)
	if err != nil {
		return err
	}
	a := &d.arena
	live, err := lp.mustInt("live entry count")
	if err != nil {
		return err
	}
	deleted, err := lp.mustInt("deleted entry count")
	if err != nil {
		return err
	}
	nmaster, err := lp.mustInt("master field count")
	if err != nil {
		return err
	}
	if nmaster < 0 {
		return corruptf("master field count %d", nmaster)
	}
	var masterFields [][]byte
	for range nmaster {
		e, err := lp.must("master field")
		if err != nil {
			return err
		}
		masterFields = append(masterFields, e.bytes(a))
	}
	if z, err := lp.mustInt("master terminator"); err != nil {
		return err
	} else if z != 0 {
		return corruptf("master entry terminator %d", z)
	}
	var nlive, ndeleted int64
	for {
		fe, ok, err := lp.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		flags, ok := fe.integer()
		if !ok {
			return corruptf("entry flags are not an integer")
		}
		msDelta, err := lp.mustInt("ID delta")
		if err != nil {
			return err
		}
		seqDelta, err := lp.mustInt("ID delta")
		if err != nil {
			return err
		}
		id := StreamID{Ms: master.Ms + uint64(msDelta), Seq: master.Seq + uint64(seqDelta)}
		var fields [][]byte
		var want int64
		if flags&streamFlagSameFields != 0 {
			fields = make([][]byte, 0, 2*len(masterFields))
			for _, f := range masterFields {
				v, err := lp.must("entry value")
				if err != nil {
					return err
				}
				fields = append(fields, f, v.bytes(a))
			}
			want = nmaster + 3
		} else {
			nf, err := lp.mustInt("entry field count")
			if err != nil {
				return err
			}
			if nf < 0 {
				return corruptf("entry field count %d", nf)
			}
			fields = make([][]byte, 0, 2*min(nf, 64))
			for range 2 * nf {
				e, err := lp.must("entry field")
				if err != nil {
					return err
				}
				fields = append(fields, e.bytes(a))
			}
			want = 2*nf + 4
		}
		count, err := lp.mustInt("entry element count")
		if err != nil {
			return err
		}
		if count != want {
			return corruptf("entry %s records %d elements, has %d", id, count, want)
		}
		if flags&streamFlagDeleted != 0 {
			ndeleted++
			continue
		}
		nlive++
		if n := len(s.Entries); n > 0 && !s.Entries[n-1].ID.Less(id) {
			return corruptf("entry %s does not follow %s", id, s.Entries[n-1].ID)
		}
		s.Entries = append(s.Entries, StreamEntry{ID: id, Fields: fields})
	}
	if nlive+ndeleted == 0 {
		return corruptf("stream node without entries")
	}
	if nlive != live || ndeleted != deleted {
		return corruptf("node counts %d live and %d deleted entries, holds %d and %d", live, deleted, nlive, ndeleted)
	}
	return nil
}

func (d *valueDecoder) streamGroup(t ObjectType, s *Stream) (StreamGroup, error) {
	r := d.r
	var g StreamGroup
	var err error
	if g.Name, err = r.readString(); err != nil {
		return g, err
	}
	if g.LastID, err = d.readStreamID(); err != nil {
		return g, err
	}
	if t >= TypeStreamListpacks2 {
		n, err := r.readLength()
		if err != nil {
			return g, err
		}
		g.EntriesRead = int64(n) // -1 (unknown) is stored as 2^64-1
	} else {
		g.EntriesRead = estimateEntriesRead(s, g.LastID)
	}
	npel, err := r.readCount("pending entry")
	if err != nil {
		return g, err
	}
	owner := map[StreamID]bool{} // pending ID -> claimed by a consumer
	for range npel {
		var pe PendingEntry
		if pe.ID, err = d.readRawStreamID(); err != nil {
			return g, err
		}
		if pe.DeliveryTime, err = r.readMillis(); err != nil {
			return g, err
		}
		if pe.DeliveryCount, err = r.readLength(); err != nil {
			return g, err
		}
		if _, dup := owner[pe.ID]; dup {
			return g, corruptf("group %q lists pending entry %s twice", g.Name, pe.ID)
		}
		owner[pe.ID] = false
		g.PEL = append(g.PEL, pe)
	}
	nconsumers, err := r.readCount("consumer")
	if err != nil {
		return g, err
	}
	names := map[string]bool{}
	for range nconsumers {
		var c StreamConsumer
		if c.Name, err = r.readString(); err != nil {
			return g, err
		}
		if names[string(c.Name)] {
			return g, corruptf("group %q has consumer %q twice", g.Name, c.Name)
		}
		names[string(c.Name)] = true
		if c.SeenTime, err = r.readMillis(); err != nil {
			return g, err
		}
		c.ActiveTime = c.SeenTime
		if t >= TypeStreamListpacks3 {
			if c.ActiveTime, err = r.readMillis(); err != nil {
				return g, err
			}
		}
		n, err := r.readCount("consumer pending entry")
		if err != nil {
			return g, err
		}
		for range n {
			id, err := d.readRawStreamID()
			if err != nil {
				return g, err
			}
			claimed, ok := owner[id]
			if !ok {
				return g, corruptf("consumer %q of group %q owns %s, which is not pending", c.Name, g.Name, id)
			}
			if claimed {
				return g, corruptf("pending entry %s of group %q has two owners", id, g.Name)
			}
			owner[id] = true
			c.PEL = append(c.PEL, id)
		}
		g.Consumers = append(g.Consumers, c)
	}
	for id, claimed := range owner {
		if !claimed {
			return g, fmt.Errorf("%w: pending entry %s of group %q has no consumer", ErrCorrupt, id, g.Name)
		}
	}
	return g, nil
}

// estimateEntriesRead mirrors Redis's streamEstimateDistanceFromFirstEverEntry
// for groups of pre-7.0 streams, whose files lack the counter.
func estimateEntriesRead(s *Stream, id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.Length == 0 && !s.LastID.Less(id) {
		return int64(s.EntriesAdded)
	}
	if id == s.LastID {
		return int64(s.EntriesAdded)
	}
	if s.LastID.Less(id) {
		return -1
	}
	if s.MaxDeletedID == (StreamID{}) || s.MaxDeletedID.Less(s.FirstID) {
		if id.Less(s.FirstID) {
			return int64(s.EntriesAdded - s.Length)
		}
		if id == s.FirstID {
			return int64(s.EntriesAdded - s.Length + 1)
		}
	}
	return -1
}
