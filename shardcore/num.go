package shardcore

import (
	"math"
	"strconv"
	"strings"
)

// ParseInt parses b as Redis's string2ll does: optional '-', digits, no
// leading zeros or '+', no spaces, within int64.
func ParseInt(b []byte) (int64, bool) {
	if !isCanonicalInt(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// ParseFloat parses b as Redis's string2d/getDoubleFromObject do: the whole
// string must be a number, no surrounding spaces, "inf"/"-inf" accepted,
// NaN refused.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return 0, false
	}
	s := string(b)
	if strings.ContainsAny(s, "_") && !isInfWord(s) {
		return 0, false // Go's syntax, not strtod's
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false // includes ERANGE, which Redis refuses too
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isInfWord(s string) bool {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+"))
	return s == "inf" || s == "infinity"
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
