package rdb

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ebExpireTimeMax is the largest field expiry Redis accepts (48 bits of ms).
const ebExpireTimeMax = 1<<48 - 1

// skippedValue is returned for values that are valid RDB but that keel has
// no equivalent for; the caller reports them and moves on.
type skippedValue struct{ reason string }

func (s *skippedValue) Error() string { return s.reason }

// valueDecoder decodes one object body of any type.
type valueDecoder struct {
	r     *reader
	arena arena
}

// blob reads a string holding an encoded structure and returns it with its
// starting offset, for errors.
func (d *valueDecoder) blob() ([]byte, int64, error) {
	off := d.r.off
	b, err := d.r.readString()
	return b, off, err
}

func (d *valueDecoder) decode(t ObjectType) (Value, error) {
	r := d.r
	switch t {
	case TypeString:
		s, err := r.readString()
		return Value{Kind: KindString, Str: s}, err

	case TypeList, TypeSet:
		n, err := r.readCount("element")
		if err != nil {
			return Value{}, err
		}
		items := make([][]byte, 0, prealloc(n))
		for range n {
			s, err := r.readString()
			if err != nil {
				return Value{}, err
			}
			items = append(items, s)
		}
		if t == TypeList {
			return Value{Kind: KindList, List: items}, nil
		}
		return Value{Kind: KindSet, Set: items}, nil

	case TypeZSet, TypeZSet2:
		n, err := r.readCount("zset member")
		if err != nil {
			return Value{}, err
		}
		zs := make([]ZMember, 0, prealloc(n))
		for range n {
			m, err := r.readString()
			if err != nil {
				return Value{}, err
			}
			var score float64
			if t == TypeZSet {
				score, err = r.readStringDouble()
			} else {
				score, err = r.readBinaryDouble()
			}
			if err != nil {
				return Value{}, err
			}
			if math.IsNaN(score) {
				return Value{}, corruptf("zset member %q has a NaN score", m)
			}
			zs = append(zs, ZMember{Member: m, Score: score})
		}
		sortZSet(zs)
		return Value{Kind: KindZSet, ZSet: zs}, nil

	case TypeHash:
		n, err := r.readCount("hash field")
		if err != nil {
			return Value{}, err
		}
		h := make([]HashField, 0, prealloc(n))
		for range n {
			f, err := r.readString()
			if err != nil {
				return Value{}, err
			}
			v, err := r.readString()
			if err != nil {
				return Value{}, err
			}
			h = append(h, HashField{Field: f, Value: v})
		}
		return Value{Kind: KindHash, Hash: h}, nil

	case TypeHashMetadata, TypeHashMetadataPreGA:
		return d.hashWithTTLs(t)

	case TypeListQuicklist, TypeListQuicklist2:
		return d.quicklist(t)

	case TypeHashZipmap, TypeListZiplist, TypeSetIntset, TypeZSetZiplist, TypeHashZiplist,
		TypeHashListpack, TypeZSetListpack, TypeSetListpack, TypeHashListpackEx, TypeHashListpackExPreGA:
		if t == TypeHashListpackEx {
			// The hash's earliest field expiry; the fields carry their own.
			if _, err := r.readMillis(); err != nil {
				return Value{}, err
			}
		}
		b, off, err := d.blob()
		if err != nil {
			return Value{}, err
		}
		v, err := d.encoded(t, b)
		if err != nil {
			return Value{}, blobError(off, t.String(), err)
		}
		return v, nil

	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		s, err := d.stream(t)
		return Value{Kind: KindStream, Stream: s}, err

	case TypeModule2:
		id, err := r.readLength()
		if err != nil {
			return Value{}, err
		}
		if err := d.skipModuleValue(); err != nil {
			return Value{}, err
		}
		return Value{}, &skippedValue{fmt.Sprintf("value of module type %q skipped", moduleName(id))}

	case TypeModulePreGA:
		return Value{}, fmt.Errorf("%w: pre-GA module value (type 6) cannot be skipped", ErrUnsupported)
	}
	return Value{}, corruptf("unknown object type %d", byte(t))
}

// encoded decodes the value types held in one string.
func (d *valueDecoder) encoded(t ObjectType, b []byte) (Value, error) {
	a := &d.arena
	switch t {
	case TypeHashZipmap:
		h, err := parseZipmap(b)
		return Value{Kind: KindHash, Hash: h}, err
	case TypeSetIntset:
		s, err := parseIntset(b, a)
		return Value{Kind: KindSet, Set: s}, err
	}
	var it elementIter
	var err error
	switch t {
	case TypeListZiplist, TypeZSetZiplist, TypeHashZiplist:
		it, err = openZiplist(b)
	default:
		it, err = openListpack(b)
	}
	if err != nil {
		return Value{}, err
	}
	switch t {
	case TypeListZiplist:
		items, err := readAll(it, a)
		return Value{Kind: KindList, List: items}, err
	case TypeSetListpack:
		items, err := readAll(it, a)
		return Value{Kind: KindSet, Set: items}, err
	case TypeZSetZiplist, TypeZSetListpack:
		items, err := readAll(it, a)
		if err != nil {
			return Value{}, err
		}
		if len(items)%2 != 0 {
			return Value{}, corruptf("zset of %d elements (not pairs)", len(items))
		}
		zs := make([]ZMember, 0, len(items)/2)
		for i := 0; i < len(items); i += 2 {
			score, err := parseScore(items[i+1])
			if err != nil || math.IsNaN(score) {
				return Value{}, corruptf("zset member %q has score %q", items[i], items[i+1])
			}
			zs = append(zs, ZMember{Member: items[i], Score: score})
		}
		sortZSet(zs)
		return Value{Kind: KindZSet, ZSet: zs}, nil
	case TypeHashZiplist, TypeHashListpack:
		items, err := readAll(it, a)
		if err != nil {
			return Value{}, err
		}
		if len(items)%2 != 0 {
			return Value{}, corruptf("hash of %d elements (not pairs)", len(items))
		}
		h := make([]HashField, 0, len(items)/2)
		for i := 0; i < len(items); i += 2 {
			h = append(h, HashField{Field: items[i], Value: items[i+1]})
		}
		return Value{Kind: KindHash, Hash: h}, nil
	case TypeHashListpackEx, TypeHashListpackExPreGA:
		// Triplets of field, value, expiry (0 for none).
		lp := it.(*listpack)
		var h []HashField
		for {
			f, ok, err := lp.next()
			if err != nil {
				return Value{}, err
			}
			if !ok {
				return Value{Kind: KindHash, Hash: h}, nil
			}
			v, err := lp.must("field value")
			if err != nil {
				return Value{}, err
			}
			ttl, err := lp.mustInt("field expiry")
			if err != nil {
				return Value{}, err
			}
			if ttl < 0 || ttl > ebExpireTimeMax {
				return Value{}, corruptf("hash field expiry %d", ttl)
			}
			h = append(h, HashField{Field: f.bytes(a), Value: v.bytes(a), ExpireAt: ttl})
		}
	}
	return Value{}, corruptf("unknown object type %d", byte(t))
}

func (d *valueDecoder) hashWithTTLs(t ObjectType) (Value, error) {
	r := d.r
	var minExpire uint64
	if t == TypeHashMetadata {
		m, err := r.readMillis()
		if err != nil {
			return Value{}, err
		}
		minExpire = uint64(m)
		if minExpire > ebExpireTimeMax {
			return Value{}, corruptf("hash minimum field expiry %d", minExpire)
		}
	}
	n, err := r.readCount("hash field")
	if err != nil {
		return Value{}, err
	}
	h := make([]HashField, 0, prealloc(n))
	for range n {
		ttl, err := r.readLength()
		if err != nil {
			return Value{}, err
		}
		if ttl > ebExpireTimeMax+1 {
			return Value{}, corruptf("hash field expiry %d", ttl)
		}
		expireAt := ttl
		// GA files store expiries relative to the minimum, plus one so that
		// 0 still means none.
		if t == TypeHashMetadata && ttl != 0 {
			expireAt = ttl + minExpire - 1
		}
		if expireAt > ebExpireTimeMax {
			return Value{}, corruptf("hash field expiry %d", expireAt)
		}
		f, err := r.readString()
		if err != nil {
			return Value{}, err
		}
		v, err := r.readString()
		if err != nil {
			return Value{}, err
		}
		h = append(h, HashField{Field: f, Value: v, ExpireAt: int64(expireAt)})
	}
	return Value{Kind: KindHash, Hash: h}, nil
}

func (d *valueDecoder) quicklist(t ObjectType) (Value, error) {
	r := d.r
	n, err := r.readCount("quicklist node")
	if err != nil {
		return Value{}, err
	}
	var items [][]byte
	for range n {
		container := uint64(quicklistPacked)
		if t == TypeListQuicklist2 {
			if container, err = r.readLength(); err != nil {
				return Value{}, err
			}
			if container != quicklistPlain && container != quicklistPacked {
				return Value{}, corruptf("quicklist node container %d", container)
			}
		}
		b, off, err := d.blob()
		if err != nil {
			return Value{}, err
		}
		if len(b) == 0 {
			return Value{}, &posError{off, corruptf("empty quicklist node")}
		}
		if container == quicklistPlain {
			items = append(items, b)
			continue
		}
		var it elementIter
		if t == TypeListQuicklist {
			it, err = openZiplist(b)
		} else {
			it, err = openListpack(b)
		}
		if err == nil {
			var node [][]byte
			node, err = readAll(it, &d.arena)
			items = append(items, node...)
		}
		if err != nil {
			return Value{}, blobError(off, "quicklist node", err)
		}
	}
	return Value{Kind: KindList, List: items}, nil
}

// skipModuleValue consumes a module value serialized with the generic
// opcodes (MODULE_2 and MODULE_AUX), as redis-check-rdb does.
func (d *valueDecoder) skipModuleValue() error {
	r := d.r
	for {
		op, err := r.readLength()
		if err != nil {
			return err
		}
		switch op {
		case moduleOpEOF:
			return nil
		case moduleOpSInt, moduleOpUInt:
			_, err = r.readLength()
		case moduleOpString:
			_, err = r.readString()
		case moduleOpFloat:
			err = r.readFull(r.buf[:4])
		case moduleOpDouble:
			err = r.readFull(r.buf[:8])
		default:
			return corruptf("unknown module value opcode %d", op)
		}
		if err != nil {
			return err
		}
	}
}

func sortZSet(zs []ZMember) {
	slices.SortFunc(zs, func(a, b ZMember) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return bytes.Compare(a.Member, b.Member)
	})
}

// isEmpty reports a collection with no elements; Redis skips such keys
// when loading and refuses them in RESTORE.
func (v *Value) isEmpty() bool {
	switch v.Kind {
	case KindList:
		return len(v.List) == 0
	case KindSet:
		return len(v.Set) == 0
	case KindZSet:
		return len(v.ZSet) == 0
	case KindHash:
		return len(v.Hash) == 0
	}
	return false
}
