package types

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// StreamID is a stream entry ID: milliseconds and a sequence number.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the largest ID ("+").
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Cmp compares a and b: -1, 0 or 1.
func (a StreamID) Cmp(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// IsZero reports whether id is 0-0.
func (a StreamID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the next ID; false when id is the largest.
func (a StreamID) Incr() (StreamID, bool) {
	switch {
	case a.Seq < math.MaxUint64:
		return StreamID{a.Ms, a.Seq + 1}, true
	case a.Ms < math.MaxUint64:
		return StreamID{a.Ms + 1, 0}, true
	}
	return a, false
}

// Decr returns the previous ID; false when id is 0-0.
func (a StreamID) Decr() (StreamID, bool) {
	switch {
	case a.Seq > 0:
		return StreamID{a.Ms, a.Seq - 1}, true
	case a.Ms > 0:
		return StreamID{a.Ms - 1, math.MaxUint64}, true
	}
	return a, false
}

// Append appends the "ms-seq" text of id.
func (a StreamID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

func (a StreamID) String() string { return string(a.Append(nil)) }

// StreamLimits are stream-node-max-bytes and stream-node-max-entries: a
// node takes entries until either is reached (0: no limit), as Redis's
// listpack nodes do; approximate trimming removes whole nodes only.
type StreamLimits struct {
	NodeMaxBytes   int
	NodeMaxEntries int
}

// streamNode is a run of consecutive entries packed in one slice. Each entry
// is uvarint(ms-base.Ms) uvarint(seq) uvarint(nfields) then the fields as
// packed entries. added counts every entry ever appended (deleted ones too,
// as Redis's node counters do), so node boundaries follow Redis's.
type streamNode struct {
	base  StreamID // the first ID ever appended
	tail  StreamID // the last ID ever appended
	live  int
	added int
	data  []byte
}

// decode reads the entry at off into fields (reused) and returns its ID,
// the fields and the next offset.
func (n *streamNode) decode(off int, fields [][]byte) (StreamID, [][]byte, int) {
	dm, k := binary.Uvarint(n.data[off:])
	off += k
	seq, k := binary.Uvarint(n.data[off:])
	off += k
	nf, k := binary.Uvarint(n.data[off:])
	off += k
	fields = fields[:0]
	for range nf {
		var v []byte
		v, off = readEntry(n.data, off)
		fields = append(fields, v)
	}
	return StreamID{n.base.Ms + dm, seq}, fields, off
}

// idAt returns the ID at off and the offset after the entry.
func (n *streamNode) idAt(off int) (StreamID, int) {
	dm, k := binary.Uvarint(n.data[off:])
	off += k
	seq, k := binary.Uvarint(n.data[off:])
	off += k
	nf, k := binary.Uvarint(n.data[off:])
	off += k
	for range nf {
		off = skipEntry(n.data, off)
	}
	return StreamID{n.base.Ms + dm, seq}, off
}

// first and last return the IDs of the first and last live entries.
func (n *streamNode) first() StreamID {
	id, _ := n.idAt(0)
	return id
}

func (n *streamNode) last() StreamID {
	var id StreamID
	for off := 0; off < len(n.data); {
		id, off = n.idAt(off)
	}
	return id
}

// Stream is a Redis stream: entries ordered by ID in packed nodes, the
// stream's counters and its consumer groups (sorted by name).
type Stream struct {
	nodes  []*streamNode
	length int
	// LastID is the last ID generated (entries may have been deleted since).
	LastID StreamID
	// FirstID is the recorded first entry ID (0-0 when empty).
	FirstID StreamID
	// MaxDeletedID is the largest ID removed by XDEL.
	MaxDeletedID StreamID
	// EntriesAdded counts every entry ever added.
	EntriesAdded uint64
	groups       []*StreamGroup
	scratch      [][]byte
}

// NewStream returns an empty stream.
func NewStream() *Stream { return &Stream{} }

// Len is the number of entries.
func (s *Stream) Len() int { return s.length }

// Nodes is the number of packed nodes (XINFO's radix-tree-keys).
func (s *Stream) Nodes() int { return len(s.nodes) }

// Encoding is the OBJECT ENCODING name.
func (s *Stream) Encoding() string { return "stream" }

// MemoryUsage approximates the bytes the stream holds.
func (s *Stream) MemoryUsage() int64 {
	size := int64(unsafe.Sizeof(*s)) + int64(cap(s.nodes))*8
	for _, n := range s.nodes {
		size += int64(unsafe.Sizeof(*n)) + int64(cap(n.data))
	}
	for _, g := range s.groups {
		size += int64(unsafe.Sizeof(*g)) + int64(len(g.Name)) + int64(len(g.pel))*int64(unsafe.Sizeof(StreamNACK{})+8)
		for _, c := range g.consumers {
			size += int64(unsafe.Sizeof(*c)) + int64(len(c.Name)) + int64(cap(c.pel))*8
		}
	}
	return size
}

// Copy returns a deep copy.
func (s *Stream) Copy() any {
	cp := &Stream{length: s.length, LastID: s.LastID, FirstID: s.FirstID, MaxDeletedID: s.MaxDeletedID, EntriesAdded: s.EntriesAdded}
	cp.nodes = make([]*streamNode, len(s.nodes))
	for i, n := range s.nodes {
		nn := *n
		nn.data = slices.Clone(n.data)
		cp.nodes[i] = &nn
	}
	for _, g := range s.groups {
		ng := &StreamGroup{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead}
		byName := map[*StreamConsumer]*StreamConsumer{}
		for _, c := range g.consumers {
			nc := &StreamConsumer{Name: c.Name, SeenTime: c.SeenTime, ActiveTime: c.ActiveTime}
			byName[c] = nc
			ng.consumers = append(ng.consumers, nc)
		}
		for _, p := range g.pel {
			np := &StreamNACK{ID: p.ID, DeliveryTime: p.DeliveryTime, DeliveryCount: p.DeliveryCount, Consumer: byName[p.Consumer]}
			ng.pel = append(ng.pel, np)
			np.Consumer.pel = append(np.Consumer.pel, np)
		}
		cp.groups = append(cp.groups, ng)
	}
	return cp
}

// Add appends an entry with id (greater than LastID: the caller checks)
// and updates the counters. fields alternates field and value.
func (s *Stream) Add(id StreamID, fields [][]byte, lim StreamLimits) {
	size := uvarintLen(int(min(id.Seq, math.MaxInt64))) + 20
	for _, f := range fields {
		size += entrySize(len(f))
	}
	var n *streamNode
	if len(s.nodes) > 0 {
		n = s.nodes[len(s.nodes)-1]
		if (lim.NodeMaxBytes > 0 && len(n.data)+size >= lim.NodeMaxBytes) || (lim.NodeMaxEntries > 0 && n.added >= lim.NodeMaxEntries) {
			n = nil
		}
	}
	if n == nil {
		n = &streamNode{base: id}
		s.nodes = append(s.nodes, n)
	}
	n.data = binary.AppendUvarint(n.data, id.Ms-n.base.Ms)
	n.data = binary.AppendUvarint(n.data, id.Seq)
	n.data = binary.AppendUvarint(n.data, uint64(len(fields)))
	for _, f := range fields {
		n.data = appendEntry(n.data, f)
	}
	n.tail = id
	n.live++
	n.added++
	s.length++
	if s.length == 1 {
		s.FirstID = id
	}
	s.LastID = id
	s.EntriesAdded++
}

// nodeFor returns the index of the first node whose last live entry is >= id.
func (s *Stream) nodeFor(id StreamID) int {
	i, _ := slices.BinarySearchFunc(s.nodes, id, func(n *streamNode, id StreamID) int {
		return n.last().Cmp(id)
	})
	return i
}

// Range calls fn for each entry with start <= ID <= end, in ID order or in
// reverse, until fn returns false. fields are valid during the call only.
func (s *Stream) Range(start, end StreamID, rev bool, fn func(id StreamID, fields [][]byte) bool) {
	if start.Cmp(end) > 0 {
		return
	}
	if !rev {
		for i := s.nodeFor(start); i < len(s.nodes); i++ {
			n := s.nodes[i]
			for off := 0; off < len(n.data); {
				var id StreamID
				id, s.scratch, off = n.decode(off, s.scratch)
				if id.Cmp(start) < 0 {
					continue
				}
				if id.Cmp(end) > 0 || !fn(id, s.scratch) {
					return
				}
			}
		}
		return
	}
	last := s.nodeFor(end)
	if last == len(s.nodes) {
		last--
	}
	var offs []int
	for i := last; i >= 0; i-- {
		n := s.nodes[i]
		offs = offs[:0]
		for off := 0; off < len(n.data); {
			offs = append(offs, off)
			_, off = n.idAt(off)
		}
		for j := len(offs) - 1; j >= 0; j-- {
			var id StreamID
			id, s.scratch, _ = n.decode(offs[j], s.scratch)
			if id.Cmp(end) > 0 {
				continue
			}
			if id.Cmp(start) < 0 || !fn(id, s.scratch) {
				return
			}
		}
	}
}

// Get returns the fields of entry id (valid until the next call).
func (s *Stream) Get(id StreamID) ([][]byte, bool) {
	var out [][]byte
	found := false
	s.Range(id, id, false, func(_ StreamID, f [][]byte) bool {
		out, found = f, true
		return false
	})
	return out, found
}

// Exists reports whether entry id is in the stream.
func (s *Stream) Exists(id StreamID) bool {
	_, ok := s.Get(id)
	return ok
}

// LastEntryID returns the ID of the last entry (false when empty).
func (s *Stream) LastEntryID() (StreamID, bool) {
	if len(s.nodes) == 0 {
		return StreamID{}, false
	}
	return s.nodes[len(s.nodes)-1].last(), true
}

// FirstEntryID returns the ID of the first entry (false when empty).
func (s *Stream) FirstEntryID() (StreamID, bool) {
	if len(s.nodes) == 0 {
		return StreamID{}, false
	}
	return s.nodes[0].first(), true
}

// removeNode drops node i and its entries.
func (s *Stream) removeNode(i int) {
	s.length -= s.nodes[i].live
	s.nodes = slices.Delete(s.nodes, i, i+1)
}

// resetFirst records the first entry's ID after a removal.
func (s *Stream) resetFirst() {
	s.FirstID, _ = s.FirstEntryID()
}

// Delete removes entry id (XDEL) and reports whether it existed; it
// updates MaxDeletedID and FirstID.
func (s *Stream) Delete(id StreamID) bool {
	i := s.nodeFor(id)
	if i == len(s.nodes) {
		return false
	}
	n := s.nodes[i]
	for off := 0; off < len(n.data); {
		eid, next := n.idAt(off)
		if c := eid.Cmp(id); c > 0 {
			return false
		} else if c < 0 {
			off = next
			continue
		}
		n.live--
		s.length--
		if n.live == 0 {
			s.nodes = slices.Delete(s.nodes, i, i+1)
		} else {
			n.data = append(n.data[:off], n.data[next:]...)
		}
		if id.Cmp(s.MaxDeletedID) > 0 {
			s.MaxDeletedID = id
		}
		s.resetFirst()
		return true
	}
	return false
}

// TrimMaxLen removes entries from the head until at most maxLen remain;
// approx removes whole nodes only; limit (> 0) bounds the entries removed
// as Redis does. It returns the number removed.
func (s *Stream) TrimMaxLen(maxLen int, approx bool, limit int) int {
	return s.trim(func(n *streamNode) bool { return s.length-n.live >= maxLen },
		func(StreamID) bool { return s.length > maxLen }, func() bool { return s.length <= maxLen }, approx, limit)
}

// TrimMinID removes the entries with IDs below minID (see TrimMaxLen).
func (s *Stream) TrimMinID(minID StreamID, approx bool, limit int) int {
	return s.trim(func(n *streamNode) bool { return n.tail.Cmp(minID) < 0 },
		func(id StreamID) bool { return id.Cmp(minID) < 0 }, func() bool { return false }, approx, limit)
}

// trim is Redis's streamTrim: whole nodes while wholeNode says so, then
// (unless approx) entries of the next node while entry says so.
func (s *Stream) trim(wholeNode func(*streamNode) bool, entry func(StreamID) bool, done func() bool, approx bool, limit int) int {
	deleted := 0
	for len(s.nodes) > 0 && !done() {
		n := s.nodes[0]
		if limit > 0 && deleted+n.live > limit {
			break
		}
		if wholeNode(n) {
			deleted += n.live
			s.removeNode(0)
			continue
		}
		if approx {
			break
		}
		off := 0
		for off < len(n.data) {
			id, next := n.idAt(off)
			if !entry(id) {
				break
			}
			off = next
			n.live--
			s.length--
			deleted++
		}
		n.data = append(n.data[:0], n.data[off:]...)
		break
	}
	if deleted > 0 {
		s.resetFirst()
	}
	return deleted
}

// StreamNACK is a pending entry of a group: delivered, not acknowledged.
type StreamNACK struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms
	DeliveryCount uint64
	Consumer      *StreamConsumer
}

// StreamConsumer is a consumer of a group with its own pending entries.
type StreamConsumer struct {
	Name       string
	SeenTime   int64 // unix ms
	ActiveTime int64 // unix ms; -1 when never active
	pel        []*StreamNACK
}

// Pending returns the consumer's pending entries in ID order (read only).
func (c *StreamConsumer) Pending() []*StreamNACK { return c.pel }

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        string
	LastID      StreamID
	EntriesRead int64 // -1: unknown
	pel         []*StreamNACK
	consumers   []*StreamConsumer
}

// Pending returns the group's pending entries in ID order (read only).
func (g *StreamGroup) Pending() []*StreamNACK { return g.pel }

// Consumers returns the consumers sorted by name (read only).
func (g *StreamGroup) Consumers() []*StreamConsumer { return g.consumers }

func nackCmp(p *StreamNACK, id StreamID) int { return p.ID.Cmp(id) }

// PendingFrom returns the index of the first group pending entry >= id.
func (g *StreamGroup) PendingFrom(id StreamID) int {
	i, _ := slices.BinarySearchFunc(g.pel, id, nackCmp)
	return i
}

// FindPending returns the pending entry id, or nil.
func (g *StreamGroup) FindPending(id StreamID) *StreamNACK {
	if i, ok := slices.BinarySearchFunc(g.pel, id, nackCmp); ok {
		return g.pel[i]
	}
	return nil
}

// AddPending creates pending entry id for consumer c.
func (g *StreamGroup) AddPending(id StreamID, c *StreamConsumer, now int64) *StreamNACK {
	p := &StreamNACK{ID: id, DeliveryTime: now, DeliveryCount: 1, Consumer: c}
	i, _ := slices.BinarySearchFunc(g.pel, id, nackCmp)
	g.pel = slices.Insert(g.pel, i, p)
	c.insert(p)
	return p
}

// Assign moves pending entry p to consumer c.
func (g *StreamGroup) Assign(p *StreamNACK, c *StreamConsumer) {
	if p.Consumer == c {
		return
	}
	p.Consumer.remove(p.ID)
	p.Consumer = c
	c.insert(p)
}

// Ack removes pending entry id and reports whether it existed.
func (g *StreamGroup) Ack(id StreamID) bool {
	i, ok := slices.BinarySearchFunc(g.pel, id, nackCmp)
	if !ok {
		return false
	}
	g.pel[i].Consumer.remove(id)
	g.pel = slices.Delete(g.pel, i, i+1)
	return true
}

func (c *StreamConsumer) insert(p *StreamNACK) {
	i, _ := slices.BinarySearchFunc(c.pel, p.ID, nackCmp)
	c.pel = slices.Insert(c.pel, i, p)
}

func (c *StreamConsumer) remove(id StreamID) {
	if i, ok := slices.BinarySearchFunc(c.pel, id, nackCmp); ok {
		c.pel = slices.Delete(c.pel, i, i+1)
	}
}

func consumerCmp(c *StreamConsumer, name string) int { return strings.Compare(c.Name, name) }

// Consumer returns the consumer called name, or nil.
func (g *StreamGroup) Consumer(name string) *StreamConsumer {
	if i, ok := slices.BinarySearchFunc(g.consumers, name, consumerCmp); ok {
		return g.consumers[i]
	}
	return nil
}

// CreateConsumer adds consumer name (seen at now) unless it exists; it
// returns the consumer and whether it was created.
func (g *StreamGroup) CreateConsumer(name string, now int64) (*StreamConsumer, bool) {
	i, ok := slices.BinarySearchFunc(g.consumers, name, consumerCmp)
	if ok {
		return g.consumers[i], false
	}
	c := &StreamConsumer{Name: name, SeenTime: now, ActiveTime: -1}
	g.consumers = slices.Insert(g.consumers, i, c)
	return c, true
}

// DeleteConsumer removes consumer name with its pending entries; it returns
// how many were pending (-1 when there is no such consumer).
func (g *StreamGroup) DeleteConsumer(name string) int {
	i, ok := slices.BinarySearchFunc(g.consumers, name, consumerCmp)
	if !ok {
		return -1
	}
	c := g.consumers[i]
	for _, p := range c.pel {
		if j, ok := slices.BinarySearchFunc(g.pel, p.ID, nackCmp); ok {
			g.pel = slices.Delete(g.pel, j, j+1)
		}
	}
	g.consumers = slices.Delete(g.consumers, i, i+1)
	return len(c.pel)
}

func groupCmp(g *StreamGroup, name string) int { return strings.Compare(g.Name, name) }

// Groups returns the consumer groups sorted by name (read only).
func (s *Stream) Groups() []*StreamGroup { return s.groups }

// Group returns group name, or nil.
func (s *Stream) Group(name string) *StreamGroup {
	if i, ok := slices.BinarySearchFunc(s.groups, name, groupCmp); ok {
		return s.groups[i]
	}
	return nil
}

// CreateGroup adds a group; nil when one with that name exists.
func (s *Stream) CreateGroup(name string, lastID StreamID, entriesRead int64) *StreamGroup {
	i, ok := slices.BinarySearchFunc(s.groups, name, groupCmp)
	if ok {
		return nil
	}
	g := &StreamGroup{Name: name, LastID: lastID, EntriesRead: entriesRead}
	s.groups = slices.Insert(s.groups, i, g)
	return g
}

// DestroyGroup removes group name and reports whether it existed.
func (s *Stream) DestroyGroup(name string) bool {
	i, ok := slices.BinarySearchFunc(s.groups, name, groupCmp)
	if ok {
		s.groups = slices.Delete(s.groups, i, i+1)
	}
	return ok
}

// RangeHasTombstones reports whether an XDEL may have left a hole between
// start and end (Redis's streamRangeHasTombstones).
func (s *Stream) RangeHasTombstones(start, end StreamID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() || s.FirstID.Cmp(s.MaxDeletedID) > 0 {
		return false
	}
	return start.Cmp(s.MaxDeletedID) <= 0 && s.MaxDeletedID.Cmp(end) <= 0
}

// EstimateEntriesRead is the logical read counter of id, or -1 when it
// cannot be known (Redis's streamEstimateDistanceFromFirstEverEntry).
func (s *Stream) EstimateEntriesRead(id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Cmp(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	switch id.Cmp(s.LastID) {
	case 0:
		return int64(s.EntriesAdded)
	case 1:
		return -1
	}
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Cmp(s.FirstID) < 0 {
		switch id.Cmp(s.FirstID) {
		case -1:
			return int64(s.EntriesAdded) - int64(s.length)
		case 0:
			return int64(s.EntriesAdded) - int64(s.length) + 1
		}
	}
	return -1
}

// Lag is the number of entries group g has yet to read, or false when it
// cannot be known (XINFO's lag).
func (s *Stream) Lag(g *StreamGroup) (int64, bool) {
	if s.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != -1 && !s.RangeHasTombstones(g.LastID, MaxStreamID) {
		return int64(s.EntriesAdded) - g.EntriesRead, true
	}
	if er := s.EstimateEntriesRead(g.LastID); er != -1 {
		return int64(s.EntriesAdded) - er, true
	}
	return 0, false
}
