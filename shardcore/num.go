package shardcore

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ParseInt parses b as Redis's string2ll does: optional '-', digits, no
// leading zeros or '+', no spaces, within int64. One pass: INCR parses on
// every call.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// ParseFloat parses b as Redis's getDoubleFromObject does: C strtod must
// consume the whole string, with no leading space; hex ("0x10"), "inf" and
// "infinity" are accepted, NaN and results out of range (overflow, or
// underflow to zero) refused.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	f, n, erange := strtod(b)
	if n != len(b) || math.IsNaN(f) || (erange && (f == 0 || math.IsInf(f, 0))) {
		return 0, false
	}
	return f, true
}

// ParseScoreBound parses a sorted-set score bound (without its '(') as
// zslParseRange does: strtod may skip leading space and must stop at the
// end of the string or at a NUL byte; the empty string is 0, out of range
// values saturate, NaN is refused.
func ParseScoreBound(b []byte) (float64, bool) {
	f, n, _ := strtod(b)
	if (n != len(b) && b[n] != 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// strtod converts the longest prefix of b that glibc's strtod accepts:
// leading white space, a sign, then a decimal or hexadecimal (binary
// exponent optional) number, "inf", "infinity" or "nan[(chars)]". It
// returns the value, the bytes consumed (0 when nothing converts) and
// whether strtod would set ERANGE (overflow, or a non-zero value that
// underflows below the normal range).
func strtod(b []byte) (f float64, n int, erange bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	sign := func(v float64) float64 {
		if neg {
			return -v
		}
		return v
	}
	switch {
	case hasPrefixFold(b[i:], "inf"):
		i += 3
		if hasPrefixFold(b[i:], "inity") {
			i += 5
		}
		return sign(math.Inf(1)), i, false
	case hasPrefixFold(b[i:], "nan"):
		i += 3
		if i < len(b) && b[i] == '(' {
			j := i + 1
			for j < len(b) && (isAlnum(b[j]) || b[j] == '_') {
				j++
			}
			if j < len(b) && b[j] == ')' {
				i = j + 1
			}
		}
		return math.NaN(), i, false
	}
	if i+1 < len(b) && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X') {
		if end, nonzero, hasExp := scanHex(b, i+2); end > 0 {
			text := "0x" + string(b[i+2:end])
			if !hasExp {
				text += "p0"
			}
			return finishStrtod(text, end, neg, nonzero)
		}
		// "0x" without hex digits: strtod converts the "0" alone.
		return sign(0), i + 1, false
	}
	start := i
	digits, nonzero := 0, false
	for i < len(b) && isDigit(b[i]) {
		nonzero = nonzero || b[i] != '0'
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			nonzero = nonzero || b[i] != '0'
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	i = scanExponent(b, i, 'e', 'E')
	return finishStrtod(string(b[start:i]), i, neg, nonzero)
}

// scanHex scans a hex mantissa and optional binary exponent starting at
// i; end is 0 when there is no hex digit.
func scanHex(b []byte, i int) (end int, nonzero, hasExp bool) {
	digits := 0
	for i < len(b) && isHexDigit(b[i]) {
		nonzero = nonzero || b[i] != '0'
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isHexDigit(b[i]) {
			nonzero = nonzero || b[i] != '0'
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	e := scanExponent(b, i, 'p', 'P')
	return e, nonzero, e != i
}

// scanExponent consumes an exponent marker, sign and digits at i, or
// nothing when no digit follows.
func scanExponent(b []byte, i int, lower, upper byte) int {
	if i >= len(b) || (b[i] != lower && b[i] != upper) {
		return i
	}
	j := i + 1
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		j++
	}
	if j >= len(b) || !isDigit(b[j]) {
		return i
	}
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	return j
}

const minNormal = 0x1p-1022

func finishStrtod(text string, n int, neg, nonzero bool) (float64, int, bool) {
	f, err := strconv.ParseFloat(text, 64)
	// glibc reports ERANGE for overflow and for any result below the
	// normal range (zero or subnormal) from a non-zero mantissa.
	erange := errors.Is(err, strconv.ErrRange) || (nonzero && math.Abs(f) < minNormal)
	if neg {
		f = -f
	}
	return f, n, erange
}

func hasPrefixFold(b []byte, word string) bool {
	return len(b) >= len(word) && strings.EqualFold(string(b[:len(word)]), word)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// FormatCFloat renders f as C's printf("%f"): six decimals, "inf"/"-inf".
func FormatCFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// FormatFloat renders f as Redis's human-friendly long double formatting
// (ld2string LD_STR_HUMAN) used by INCRBYFLOAT and HINCRBYFLOAT: fixed
// notation, no exponent, trailing zeros trimmed. Redis computes in long
// double and prints 17 decimals; the shortest float64 representation gives
// the same text for the values a float64 can hold.
func FormatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "inf"
	}
	if math.IsInf(f, -1) {
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if s == "-0" {
		s = "0"
	}
	return s
}
