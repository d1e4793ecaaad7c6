package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// errMemory is memtoull's failure: the reason text Redis prints for a bad
// memory value.
var errMemory = errors.New("argument must be a memory value")

// memToUint64 parses a memory amount the way Redis's memtoull does: an
// unsigned decimal with an optional unit (b, k=1000, kb=1024, m, mb, g, gb,
// case-insensitive). The empty string and a bare unit are 0, as in Redis.
func memToUint64(s string) (uint64, error) {
	if strings.HasPrefix(s, "-") {
		return 0, errMemory
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	var mul uint64
	switch strings.ToLower(s[digits:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, errMemory
	}
	if digits >= 128 {
		return 0, errMemory
	}
	var val uint64
	if digits > 0 {
		v, err := strconv.ParseUint(s[:digits], 10, 64)
		if err != nil {
			// strtoull saturates on overflow; Redis keeps the saturated value.
			v = math.MaxUint64
		}
		val = v
	}
	if val > math.MaxUint64/mul {
		return 0, errMemory
	}
	return val * mul, nil
}

// ParseMemory parses a Redis memory amount ("512mb", "1gb", "100", "1k").
// Units are case-insensitive; k/m/g are powers of 1000, kb/mb/gb of 1024.
func ParseMemory(s string) (int64, error) {
	v, err := memToUint64(s)
	if err != nil {
		return 0, fmt.Errorf("config: invalid memory value %q", s)
	}
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("config: memory value %q out of range", s)
	}
	return int64(v), nil
}

// string2ll is Redis's strict integer parser: no spaces, no '+', no leading
// zeros, no overflow.
func string2ll(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	p := s
	neg := false
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// strtoll mimics C strtoll(s, &end, 10): leading white space, an optional
// sign, digits, saturating on overflow. ok reports that the whole string was
// consumed (end[0] == '\0'), which is how Redis validates with it.
func strtoll(s string) (v int64, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var acc uint64
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if acc > (math.MaxUint64-9)/10 {
			overflow = true
		} else {
			acc = acc*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == start {
		// No digits: strtoll leaves end at the start of the string.
		return 0, len(s) == 0
	}
	switch {
	case neg && (overflow || acc > uint64(math.MaxInt64)+1):
		v = math.MinInt64
	case neg:
		v = -int64(acc)
	case overflow || acc > math.MaxInt64:
		v = math.MaxInt64
	default:
		v = int64(acc)
	}
	return v, i == len(s)
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// formatMemory renders bytes the way CONFIG REWRITE writes memory options.
func formatMemory(b uint64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case b != 0 && b%gb == 0:
		return strconv.FormatUint(b/gb, 10) + "gb"
	case b != 0 && b%mb == 0:
		return strconv.FormatUint(b/mb, 10) + "mb"
	case b != 0 && b%kb == 0:
		return strconv.FormatUint(b/kb, 10) + "kb"
	default:
		return strconv.FormatUint(b, 10)
	}
}

// formatPercentile prints like Redis: "%f" with trailing zeros (and a bare
// trailing dot) trimmed.
func formatPercentile(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}
