package aof

import (
	"cmp"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/keeldb/keel/durability"
)

// DirName is the directory under the data directory holding the segments.
const DirName = "aof"

// MaxShard is the largest shard number a frame header can carry.
const MaxShard = 1<<16 - 1

// SegmentName is the file name of shard's segment whose first record has
// LSN first: shard-0003.00000000000000000017.aof. Fixed-width fields keep
// ls output in order; parsing does not depend on the widths.
func SegmentName(shard int, first durability.LSN) string {
	return fmt.Sprintf("shard-%04d.%020d.aof", shard, uint64(first))
}

// ParseSegmentName is the inverse of SegmentName; ok is false for any
// other file name.
func ParseSegmentName(name string) (shard int, first durability.LSN, ok bool) {
	rest, found := strings.CutPrefix(name, "shard-")
	if !found {
		return 0, 0, false
	}
	rest, found = strings.CutSuffix(rest, ".aof")
	if !found {
		return 0, 0, false
	}
	s, l, found := strings.Cut(rest, ".")
	if !found {
		return 0, 0, false
	}
	sv, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, 0, false
	}
	lv, err := strconv.ParseUint(l, 10, 64)
	if err != nil || lv == 0 {
		return 0, 0, false
	}
	return int(sv), durability.LSN(lv), true
}

// segmentRel is a segment's name relative to the data directory, as the
// MANIFEST stores it.
func segmentRel(name string) string { return path.Join(DirName, name) }

// ListSegments finds shard's segments in dir/aof by their names, in LSN
// order, named as the MANIFEST names them (relative to dir). Recovery uses
// the MANIFEST's list; this is for tools and for a directory without one.
func ListSegments(fsys durability.FS, dir string, shard int) ([]durability.Segment, error) {
	entries, err := fsys.ReadDir(filepath.Join(dir, DirName))
	if err != nil {
		return nil, fmt.Errorf("aof: shard %d: list segments: %w", shard, err)
	}
	var segs []durability.Segment
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		s, first, ok := ParseSegmentName(e.Name())
		if !ok || s != shard {
			continue
		}
		segs = append(segs, durability.Segment{Name: segmentRel(e.Name()), FirstLSN: first})
	}
	slices.SortFunc(segs, func(a, b durability.Segment) int { return cmp.Compare(a.FirstLSN, b.FirstLSN) })
	return segs, nil
}
