// Package rdb reads and writes the Redis RDB format: whole files (a stream
// of keys, decoded or encoded one at a time) and the DUMP/RESTORE payload of
// a single value. It decodes RDB versions 1 to 12 and encodes versions 10
// (what redis-server 7.0 writes and loads) and 11.
//
// The package knows nothing of keel's shards or keyspace: values cross its
// API in a neutral model (Value, Record) whatever encoding the file used.
package rdb

import (
	"fmt"
	"strconv"
)

// Kind is the logical type of a value, as Redis's TYPE command names it.
type Kind uint8

// The kinds of value RDB can hold that keel models.
const (
	KindString Kind = iota
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	case KindStream:
		return "stream"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one Redis value. Only the field matching Kind is meaningful.
// Slices in a decoded Value may share backing arrays with each other, never
// with a later value.
type Value struct {
	Kind   Kind
	Str    []byte
	List   [][]byte
	Set    [][]byte
	ZSet   []ZMember // decoded in ascending (score, member) order
	Hash   []HashField
	Stream *Stream
}

// ZMember is one member of a sorted set.
type ZMember struct {
	Member []byte
	Score  float64
}

// HashField is one field of a hash. ExpireAt is the field's expiry in Unix
// milliseconds (RDB 12 hash field TTLs), 0 when it has none.
type HashField struct {
	Field, Value []byte
	ExpireAt     int64
}

// StreamID is a stream entry ID, ms-seq.
type StreamID struct {
	Ms, Seq uint64
}

func (id StreamID) String() string { return fmt.Sprintf("%d-%d", id.Ms, id.Seq) }

// Less orders IDs as Redis does.
func (id StreamID) Less(o StreamID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// Stream is a stream with its metadata and consumer groups. Entries holds
// only live entries, in ID order. Length is the entry count the file
// declared; the encoder writes len(Entries) instead.
type Stream struct {
	Entries      []StreamEntry
	Length       uint64
	LastID       StreamID
	FirstID      StreamID
	MaxDeletedID StreamID
	EntriesAdded uint64
	Groups       []StreamGroup
}

// StreamEntry is one stream entry; Fields alternates field and value.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// StreamGroup is a consumer group. EntriesRead is -1 when unknown (Redis's
// SCG_INVALID_ENTRIES_READ).
type StreamGroup struct {
	Name        []byte
	LastID      StreamID
	EntriesRead int64
	PEL         []PendingEntry
	Consumers   []StreamConsumer
}

// PendingEntry is an entry of a group's pending entries list. The consumer
// owning it is the one whose PEL lists its ID.
type PendingEntry struct {
	ID            StreamID
	DeliveryTime  int64 // Unix ms of the last delivery
	DeliveryCount uint64
}

// StreamConsumer is a consumer of a group. ActiveTime equals SeenTime when
// the file predates it (stream types before STREAM_LISTPACKS_3).
type StreamConsumer struct {
	Name       []byte
	SeenTime   int64 // Unix ms
	ActiveTime int64 // Unix ms
	PEL        []StreamID
}

// Record is one key of an RDB file. The encoder writes Idle and Freq when
// they are >= 0, so records built by hand should set them to -1 for none.
type Record struct {
	DB       int
	Key      []byte
	Value    Value
	ExpireAt int64 // Unix ms, 0 when the key does not expire
	Idle     int64 // LRU idle seconds, -1 when absent
	Freq     int   // LFU counter, -1 when absent
	// Type is the RDB object type the value was read from; informational
	// (the encoder picks its own).
	Type ObjectType
}
