package rdb

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecode feeds arbitrary bytes to the file decoder and to DecodeDump:
// neither may panic, errors must carry a position, and whatever decodes and
// re-encodes must decode to the same value.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewDecoder(bytes.NewReader(data))
		dec.MaxStringLen = 1 << 20
		for {
			rec, err := dec.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var e *Error
				require.ErrorAs(t, err, &e)
				break
			}
			checkReencode(t, rec.Value)
		}
		if v, err := DecodeDump(data); err == nil {
			checkReencode(t, v)
		} else if !errors.Is(err, ErrDumpPayload) {
			require.ErrorIs(t, err, ErrBadDataFormat)
		}
	})
}

func checkReencode(t *testing.T, v Value) {
	payload, err := EncodeDump(v, 11)
	if err != nil {
		require.ErrorIs(t, err, errEncode)
		return
	}
	back, err := DecodeDump(payload)
	require.NoError(t, err)
	requireSameValue(t, v, back)
}

// fuzzSeeds are the inputs of the committed corpus: encoder output, every
// legacy version, and the handcrafted edge cases.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	small := []*Record{}
	for _, r := range testRecords() {
		if len(render(r.Value)) < 2000 {
			small = append(small, r)
		}
	}
	seeds = append(seeds, encodeRecords(t, 10, small), encodeRecords(t, 11, small))
	for v := 1; v <= 9; v += 4 {
		data, _ := legacyFile(v)
		seeds = append(seeds, data)
	}
	for _, r := range small[:6] {
		p, err := EncodeDump(r.Value, 10)
		require.NoError(t, err)
		seeds = append(seeds, p)
	}
	id := StreamID{Ms: 1}
	node := streamNodeOf(id, []string{"f"}, 1, 1, StreamEntry{ID: StreamID{Ms: 1}, Fields: bs("f", "x")},
		StreamEntry{ID: StreamID{Ms: 2}, Fields: bs("f", "v")})
	b := newRDB(11).op(byte(TypeStreamListpacks3)).str("s")
	b.len(1).len(16).rawID(id).blob(node)
	b.len(1).len(2).len(0).len(1).len(0).len(1).len(0).len(2)
	b.len(1).str("g").len(2).len(0).len(2).len(1).rawID(StreamID{Ms: 2}).millis(5).len(1)
	b.len(1).str("c").millis(6).millis(7).len(1).rawID(StreamID{Ms: 2})
	seeds = append(seeds, b.finish())
	return seeds
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzDecode when
// KEEL_WRITE_FUZZ_CORPUS is set, and otherwise checks it is there.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if os.Getenv("KEEL_WRITE_FUZZ_CORPUS") == "" {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, s := range fuzzSeeds(t) {
		name := fmt.Sprintf("seed-%02d-%x", i, sha256.Sum256(s))[:24]
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
}
