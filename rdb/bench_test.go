package rdb

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
)

// benchRecords is a keyspace of small keys in the mix a cache holds.
func benchRecords(n int) []*Record {
	recs := make([]*Record, n)
	for i := range recs {
		k := []byte("key:" + strconv.Itoa(i))
		var v Value
		switch i % 5 {
		case 0, 1:
			v = Value{Kind: KindString, Str: []byte("value-" + strconv.Itoa(i*31))}
		case 2:
			v = Value{Kind: KindHash, Hash: []HashField{
				{Field: []byte("name"), Value: []byte("user" + strconv.Itoa(i))},
				{Field: []byte("visits"), Value: []byte(strconv.Itoa(i))},
				{Field: []byte("email"), Value: []byte("u" + strconv.Itoa(i) + "@example.com")},
			}}
		case 3:
			v = Value{Kind: KindList, List: seq("item", 8)}
		case 4:
			v = Value{Kind: KindZSet, ZSet: []ZMember{{Member: []byte("a"), Score: 1}, {Member: []byte("b"), Score: 2.5}}}
		}
		recs[i] = &Record{Key: k, Value: v, Idle: -1, Freq: -1}
		if i%3 == 0 {
			recs[i].ExpireAt = 4102444800000
		}
	}
	return recs
}

func BenchmarkDecode(b *testing.B) {
	const n = 20000
	data := encodeRecords(b, 10, benchRecords(n))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := NewDecoder(bytes.NewReader(data))
		for {
			if _, err := dec.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "keys/s")
}

func BenchmarkEncode(b *testing.B) {
	const n = 20000
	recs := benchRecords(n)
	b.ReportAllocs()
	for b.Loop() {
		enc, err := NewEncoder(io.Discard, 10)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := enc.WriteRecord(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "keys/s")
}
