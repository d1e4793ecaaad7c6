package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/keeldb/keel/durability"
	"github.com/stretchr/testify/require"
)

// cmdFor is the deterministic command logged as record i: a SET of a
// 16-byte key and a value whose length varies so frames differ.
func cmdFor(i int) [][]byte {
	val := make([]byte, 16+i%23)
	x := uint32(i)*2654435761 + 1
	for j := range val {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		val[j] = alnum[x%uint32(len(alnum))]
	}
	return [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%012d", i), val}
}

// rec is a Record with its args copied out of the reader's buffers.
type rec struct {
	LSN          durability.LSN
	Kind         Kind
	DB           int
	Args         [][]byte
	Tx           durability.TxID
	Participants int
}

func copyRec(r Record) rec {
	args := make([][]byte, len(r.Args))
	for i, a := range r.Args {
		args[i] = slices.Clone(a)
	}
	return rec{LSN: r.LSN, Kind: r.Kind, DB: r.DB, Args: args, Tx: r.Tx, Participants: r.Participants}
}

// readAll reads shard's records from its segments as listed in dir, from
// LSN from; err is the reader's final error (nil at a clean end).
func readAll(t *testing.T, fsys durability.FS, dir string, shard int, from durability.LSN) ([]rec, error) {
	t.Helper()
	segs, err := ListSegments(fsys, dir, shard)
	require.NoError(t, err)
	return readSegs(t, fsys, dir, shard, segs, from)
}

func readSegs(t *testing.T, fsys durability.FS, dir string, shard int, segs []durability.Segment, from durability.LSN) ([]rec, error) {
	t.Helper()
	r, err := NewReader(fsys, dir, shard, segs, from)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []rec
	for {
		x, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, copyRec(x))
	}
}

// requireCommands checks that got holds commands first..last as written by
// writeCommands. It compares by hand and reports through require only on a
// mismatch, which keeps the every-offset tests fast.
func requireCommands(t *testing.T, got []rec, first, last int) {
	t.Helper()
	require.Len(t, got, last-first+1)
	for i, r := range got {
		n := first + i
		want := cmdFor(n)
		same := r.LSN == durability.LSN(n) && r.Kind == KindCommand && r.DB == n%16 && len(r.Args) == len(want)
		for j := 0; same && j < len(want); j++ {
			same = bytes.Equal(r.Args[j], want[j])
		}
		if !same {
			require.Equal(t, rec{LSN: durability.LSN(n), Kind: KindCommand, DB: n % 16, Args: want}, r, "record %d", n)
		}
	}
}

// writeCommands appends commands first..last (LSN n carries cmdFor(n) in
// db n%16), flushing every batch records.
func writeCommands(t *testing.T, w *Writer, first, last, batch int) {
	t.Helper()
	for n := first; n <= last; n++ {
		require.Equal(t, durability.LSN(n), w.Append(n%16, cmdFor(n)))
		if (n-first+1)%batch == 0 || n == last {
			_, err := w.Flush()
			require.NoError(t, err)
		}
	}
}
