package durability

import (
	"fmt"
	"strings"
)

// FsyncPolicy is redis.conf's appendfsync. The zero value is Redis's
// default, everysec.
type FsyncPolicy int

const (
	// FsyncEverysec fsyncs from a background goroutine about once a second;
	// a crash loses at most about two seconds of acknowledged writes.
	FsyncEverysec FsyncPolicy = iota
	// FsyncAlways fsyncs before replying: nothing acknowledged is lost. One
	// fsync serves every write of a loop iteration (group commit).
	FsyncAlways
	// FsyncNo leaves flushing to the operating system.
	FsyncNo
)

// ParseFsyncPolicy parses the appendfsync words always, everysec and no
// (case-insensitive, as redis.conf).
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	switch strings.ToLower(s) {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverysec, nil
	case "no":
		return FsyncNo, nil
	}
	return FsyncEverysec, fmt.Errorf("invalid appendfsync %q: want always, everysec or no", s)
}

// String returns the redis.conf word.
func (p FsyncPolicy) String() string {
	switch p {
	case FsyncAlways:
		return "always"
	case FsyncEverysec:
		return "everysec"
	case FsyncNo:
		return "no"
	}
	return fmt.Sprintf("FsyncPolicy(%d)", int(p))
}
