package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// scanUnderChurn runs a full Scan while mutating between calls and checks
// that every key present for the whole scan was returned.
func scanUnderChurn(t *testing.T, tb *Table, stable []string, between func(step int)) {
	t.Helper()
	seen := make(map[string]bool)
	var c uint64
	step := 0
	for {
		c = tb.Scan(c, func(key []byte, e Entry) { seen[string(key)] = true })
		if c == 0 {
			break
		}
		between(step)
		step++
	}
	for _, k := range stable {
		require.True(t, seen[k], "key %q present throughout was not returned", k)
	}
	checkInvariants(t, tb)
}

func TestScanAcrossGrowth(t *testing.T) {
	tb := NewTable()
	var stable []string
	for i := 0; i < 3000; i++ {
		k := fmt.Sprint("s", i)
		stable = append(stable, k)
		tb.Set([]byte(k), Entry{Str: []byte("v")})
	}
	n := 0
	r := rand.New(rand.NewPCG(5, 6))
	scanUnderChurn(t, tb, stable, func(int) {
		// Several doublings happen during the scan; growth must stop at some
		// point or the cursor space outruns the scan forever.
		for j := 0; j < 50 && n < 40000; j++ {
			tb.Set([]byte(fmt.Sprint("v", n)), Entry{Str: []byte("x")})
			n++
		}
		if n > 20 {
			tb.Delete([]byte(fmt.Sprint("v", r.IntN(n))))
		}
	})
	require.Greater(t, len(tb.ht[0]), 16384)
}

func TestScanAcrossShrink(t *testing.T) {
	tb := NewTable()
	var stable []string
	for i := 0; i < 500; i++ {
		k := fmt.Sprint("s", i)
		stable = append(stable, k)
		tb.Set([]byte(k), Entry{Str: []byte("v")})
	}
	const vol = 60000
	for i := 0; i < vol; i++ {
		tb.Set([]byte(fmt.Sprint("v", i)), Entry{Str: []byte("x")})
	}
	for tb.Rehash(1000) {
	}
	start := len(tb.ht[0])
	next := 0
	scanUnderChurn(t, tb, stable, func(int) {
		for j := 0; j < 400 && next < vol; j++ {
			tb.Delete([]byte(fmt.Sprint("v", next)))
			next++
		}
	})
	require.Less(t, len(tb.ht[0]), start)
}

func TestScanMixedChurnRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := 0; round < 5; round++ {
		tb := NewTable()
		var stable []string
		for i := 0; i < 200+r.IntN(2000); i++ {
			k := fmt.Sprint("s", i)
			stable = append(stable, k)
			tb.Set([]byte(k), Entry{Str: []byte("v")})
		}
		live := map[int]bool{}
		n := 0
		scanUnderChurn(t, tb, stable, func(step int) {
			// Alternate growing and shrinking bursts.
			grow := (step/40)%2 == 0
			for j := 0; j < 1+r.IntN(200); j++ {
				if grow || len(live) == 0 {
					tb.Set([]byte(fmt.Sprint("v", n)), Entry{})
					live[n] = true
					n++
				} else {
					for k := range live {
						tb.Delete([]byte(fmt.Sprint("v", k)))
						delete(live, k)
						break
					}
				}
			}
		})
	}
}

// The callback may delete the key it is handed (lazy expiry during SCAN).
func TestScanCallbackDeletes(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 5000; i++ {
		at := int64(0)
		if i%2 == 0 {
			at = 10
		}
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{Str: []byte("v"), ExpireAt: at})
	}
	// Start mid-growth so both tables are walked.
	for i := 5000; i < 9000; i++ {
		tb.Set([]byte(fmt.Sprint("k", i)), Entry{Str: []byte("v")})
	}
	require.True(t, tb.Rehashing())
	seen := map[string]bool{}
	var c uint64
	for {
		c = tb.Scan(c, func(key []byte, e Entry) {
			if e.ExpireAt != 0 && e.ExpireAt <= 100 {
				_, ok := tb.Delete(key)
				require.True(t, ok)
				return
			}
			seen[string(key)] = true
		})
		if c == 0 {
			break
		}
	}
	require.Equal(t, 6500, tb.Len())
	require.Len(t, seen, 6500)
	require.Zero(t, tb.ExpiresLen())
	checkInvariants(t, tb)
}
