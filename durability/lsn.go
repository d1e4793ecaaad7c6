package durability

import (
	"fmt"
	"strconv"
)

// LSN is a log sequence number: each shard numbers the writes it applies
// 1, 2, 3, ... and logs each under its number. LSNs of different shards are
// unrelated.
type LSN uint64

// NoLSN is the LSN before a shard's first write: a checkpoint at NoLSN holds
// nothing of that shard, and a log starting at LSN 1 must be replayed whole.
const NoLSN LSN = 0

// Next is the LSN following l.
func (l LSN) Next() LSN { return l + 1 }

// String formats l in decimal.
func (l LSN) String() string { return strconv.FormatUint(uint64(l), 10) }

// ParseLSN parses a decimal LSN.
func ParseLSN(s string) (LSN, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return NoLSN, fmt.Errorf("durability: invalid LSN %q: %w", s, err)
	}
	return LSN(v), nil
}
