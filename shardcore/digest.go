package shardcore

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

// DEBUG DIGEST: a digest of the whole keyspace, equal on two servers exactly
// when they hold the same keys, values and TTLs (recovery and replication
// tests compare servers with it). As Redis's, each key's digest is
// independent of iteration order (XOR across keys and across set/hash
// members), and databases are mixed in in order.

type digest [20]byte

// mix folds data into d: d = SHA1(d || data).
func (d *digest) mix(data []byte) {
	h := sha1.New()
	h.Write(d[:])
	h.Write(data)
	h.Sum(d[:0])
}

func (d *digest) xor(o digest) {
	for i := range d {
		d[i] ^= o[i]
	}
}

func sha1Of(data ...[]byte) digest {
	h := sha1.New()
	for _, b := range data {
		h.Write(b)
	}
	var d digest
	h.Sum(d[:0])
	return d
}

// keyDigest digests one key with its value and TTL.
func keyDigest(key []byte, e store.Entry) digest {
	var d digest
	d.mix(key)
	d.mix([]byte(e.Type.String()))
	switch e.Type {
	case store.TypeString:
		d.mix(e.Str)
	default:
		d.xor(valueDigest(key, e))
	}
	if e.ExpireAt != 0 {
		d.mix([]byte("!!expire!!"))
		d.mix(strconv.AppendInt(nil, e.ExpireAt, 10))
	}
	return d
}

func valueDigest(key []byte, e store.Entry) digest {
	var d digest
	switch o := e.Obj.(type) {
	case *types.List:
		for _, v := range o.All() {
			d.mix(v)
		}
	case *types.Set:
		for m := range o.All() {
			d.xor(sha1Of(m))
		}
	case *types.Hash:
		for f, v := range o.All() {
			d.xor(sha1Of(f, []byte{0}, v))
		}
	default:
		// Other types rebuild through ordered records (sorted sets by
		// score, streams by ID), which are a canonical form.
		if f := restoreFuncs[e.Type]; f != nil {
			for _, rec := range f(key, e.Obj) {
				for _, a := range rec {
					d.mix(a)
				}
			}
		}
	}
	return d
}

// shardDigests returns, per database, the XOR of this shard's key digests
// and whether the database has keys here.
func (s *Shard) shardDigests() ([]digest, []bool) {
	out := make([]digest, len(s.dbs))
	nonEmpty := make([]bool, len(s.dbs))
	for i, db := range s.dbs {
		var cursor uint64
		for {
			cursor = db.Scan(cursor, func(key []byte, e store.Entry) {
				if e.ExpireAt != 0 && e.ExpireAt <= s.now {
					return
				}
				out[i].xor(keyDigest(key, e))
				nonEmpty[i] = true
			})
			if cursor == 0 {
				break
			}
		}
	}
	return out, nonEmpty
}

// keyspaceDigest computes DEBUG DIGEST with every shard held, so it is a
// digest of one point in time.
func (srv *Server) keyspaceDigest() string {
	type part struct {
		d  []digest
		ne []bool
	}
	t := srv.lockShards(srv.shards, false)
	parts := t.each(func(s *Shard) any {
		d, ne := s.shardDigests()
		return part{d, ne}
	})
	t.finish()
	var final digest
	for db := 0; db < srv.config().Databases; db++ {
		var x digest
		used := false
		for _, p := range parts {
			pp := p.(part)
			if db < len(pp.d) && pp.ne[db] {
				used = true
				x.xor(pp.d[db])
			}
		}
		if !used {
			continue
		}
		var id [4]byte
		binary.BigEndian.PutUint32(id[:], uint32(db))
		final.mix(id[:])
		final.xor(x)
	}
	return hex.EncodeToString(final[:])
}

// keyDigestHex is DEBUG DIGEST-VALUE's answer for one key (zeros if missing).
func (c *Ctx) keyDigestHex(key []byte) string {
	e, ok := c.Peek(key)
	if !ok {
		return hex.EncodeToString(make([]byte, 20))
	}
	d := keyDigest(key, e)
	return hex.EncodeToString(d[:])
}
