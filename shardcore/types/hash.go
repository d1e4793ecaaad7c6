package types

import (
	"iter"
	"unsafe"
)

// HashLimits are hash-max-listpack-entries and hash-max-listpack-value: a
// hash stays in the packed ("listpack") encoding while it has at most
// MaxListpackEntries fields and no field or value longer than
// MaxListpackValue bytes; past that it is indexed ("hashtable") for good.
type HashLimits struct {
	MaxListpackEntries int
	MaxListpackValue   int
}

// Hash is a Redis hash: field/value pairs in a ptable.
type Hash struct {
	t ptable
}

// NewHash returns an empty hash in the packed encoding.
func NewHash() *Hash { return &Hash{t: ptable{pairs: true}} }

// Len is the number of fields.
func (h *Hash) Len() int { return h.t.n }

// Encoding is the OBJECT ENCODING name: "listpack" or "hashtable".
func (h *Hash) Encoding() string {
	if h.t.indexed() {
		return "hashtable"
	}
	return "listpack"
}

// MemoryUsage approximates the bytes the hash holds.
func (h *Hash) MemoryUsage() int64 { return int64(unsafe.Sizeof(*h)) + h.t.memoryUsage() }

// Copy returns a deep copy.
func (h *Hash) Copy() any { return &Hash{t: h.t.clone()} }

// Get returns field's value; valid until the next mutation.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	off, _ := h.t.find(field)
	if off < 0 {
		return nil, false
	}
	_, v := h.t.at(off)
	return v, true
}

// Has reports whether field exists.
func (h *Hash) Has(field []byte) bool {
	off, _ := h.t.find(field)
	return off >= 0
}

// Set stores field=value, converting to the hashtable encoding when the
// limits say so, and reports whether the field is new.
func (h *Hash) Set(field, value []byte, lim HashLimits) bool {
	if !h.t.indexed() && (len(field) > lim.MaxListpackValue || len(value) > lim.MaxListpackValue) {
		h.t.buildIndex()
	}
	off, slot := h.t.find(field)
	if off >= 0 {
		h.t.setValue(off, slot, value)
		return false
	}
	h.t.insert(field, value)
	if !h.t.indexed() && h.t.n > lim.MaxListpackEntries {
		h.t.buildIndex()
	}
	return true
}

// Delete removes field and reports whether it existed.
func (h *Hash) Delete(field []byte) bool {
	off, slot := h.t.find(field)
	if off < 0 {
		return false
	}
	h.t.remove(off, slot)
	return true
}

// All yields every field and value (valid during the step only).
func (h *Hash) All() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		h.t.each(func(off int) bool {
			return yield(h.t.at(off))
		})
	}
}

// Random returns a uniformly chosen field and its value (Len() > 0).
func (h *Hash) Random() (field, value []byte) {
	return h.t.at(h.t.randomOff())
}

// Sample calls fn with count fields as HRANDFIELD picks them: with
// repetitions unless distinct; every field when distinct and count >= Len().
func (h *Hash) Sample(count int, distinct bool, fn func(field, value []byte)) {
	if h.t.n == 0 {
		return
	}
	h.t.sample(count, distinct, func(off int) { fn(h.t.at(off)) })
}

// Scan is one HSCAN step from cursor (see ptable.scan): a packed hash
// returns everything with cursor 0.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	return h.t.scan(cursor, count, func(off int) { fn(h.t.at(off)) })
}
