package aof

import (
	"math/rand/v2"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordRoundTrip(t *testing.T) {
	cases := []struct {
		kind         Kind
		tx           durability.TxID
		db           int
		participants int
		args         [][]byte
	}{
		{KindCommand, 0, 0, 0, [][]byte{[]byte("SET"), []byte("k"), []byte("v")}},
		{KindCommand, 0, 15, 0, [][]byte{[]byte("DEL"), {}, make([]byte, 300)}},
		{KindTxCommand, 1<<64 - 1, 1 << 20, 0, [][]byte{[]byte("PEXPIREAT"), []byte("k"), []byte("1700000000000")}},
		{KindTxEnd, 9, 0, 5, nil},
	}
	var buf []byte
	for _, c := range cases {
		buf = appendRecord(buf, c.kind, c.tx, c.db, c.participants, c.args)
	}
	var d decoded
	for _, c := range cases {
		n, err := decodeRecord(buf, &d)
		require.NoError(t, err)
		buf = buf[n:]
		assert.Equal(t, c.kind, d.kind)
		assert.Equal(t, c.tx, d.tx)
		assert.Equal(t, c.db, d.db)
		assert.Equal(t, c.participants, d.participants)
		assert.Len(t, d.args, len(c.args))
		for i := range c.args {
			assert.Equal(t, c.args[i], d.args[i])
		}
	}
	assert.Empty(t, buf)
}

func TestRecordDecodeRejectsGarbage(t *testing.T) {
	for _, bad := range [][]byte{
		nil,
		{0},
		{9, 0, 0},
		{byte(KindCommand)},
		{byte(KindCommand), 0, 5, 1, 'a'},       // 5 args announced, 2 bytes left
		{byte(KindCommand), 0, 1, 10, 'a', 'b'}, // arg overruns
		{byte(KindCommand), 0, 1, 0xff, 0xff, 0xff}, // unterminated varint
		{byte(KindTxEnd), 1, 0},                     // zero participants
		{byte(KindCommand), 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0},
	} {
		var d decoded
		_, err := decodeRecord(bad, &d)
		assert.Error(t, err, "%v", bad)
	}
	// Random bytes never panic and never read out of bounds.
	rng := rand.New(rand.NewPCG(3, 3))
	var d decoded
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if len(b) > 0 {
			b[0] = byte(1 + rng.IntN(3))
		}
		n, err := decodeRecord(b, &d)
		if err == nil {
			require.LessOrEqual(t, n, len(b))
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, KindCommand, 0, 3, 0, [][]byte{[]byte("SET"), []byte("a"), []byte("b")}))
	f.Add(appendRecord(nil, KindTxEnd, 7, 0, 2, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d decoded
		n, err := decodeRecord(b, &d)
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("consumed %d of %d bytes", n, len(b))
		}
		re := appendRecord(nil, d.kind, d.tx, d.db, d.participants, d.args)
		var d2 decoded
		if _, err := decodeRecord(re, &d2); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
	})
}
