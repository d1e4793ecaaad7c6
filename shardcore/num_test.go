package shardcore

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStrtodGlibcRules(t *testing.T) {
	cases := []struct {
		in     string
		f      float64
		n      int
		erange bool
	}{
		{"1.5", 1.5, 3, false},
		{"  -2e3x", -2000, 6, false},
		{"0x10", 16, 4, false},
		{"0X.8", 0.5, 4, false},
		{"0x1p3", 8, 5, false},
		{"0x1p", 1, 3, false}, // 'p' without digits is not consumed
		{"0x", 0, 1, false},   // only the "0" converts
		{"0xg", 0, 1, false},  // idem
		{"1e", 1, 1, false},   // 'e' without digits is not consumed
		{"1e+", 1, 1, false},  // idem
		{".5", 0.5, 2, false}, // no integer part
		{"5.", 5, 2, false},   // no fraction
		{".", 0, 0, false},    // nothing converts
		{"", 0, 0, false},     // idem
		{"+", 0, 0, false},    // idem
		{"1_0", 1, 1, false},  // Go's digit separators are not strtod's
		{"INFINITY", math.Inf(1), 8, false},
		{"-inf", math.Inf(-1), 4, false},
		{"infin", math.Inf(1), 3, false},
		{"1e400", math.Inf(1), 5, true},
		{"-1e400", math.Inf(-1), 6, true},
		{"1e-400", 0, 6, true},
		{"0e-400", 0, 6, false},
		{"4e-320", 4e-320, 6, true}, // subnormal
		{"0x1p-1100", 0, 9, true},
	}
	for _, tc := range cases {
		f, n, erange := strtod([]byte(tc.in))
		assert.Equal(t, tc.f, f, "value of %q", tc.in)
		assert.Equal(t, tc.n, n, "length of %q", tc.in)
		assert.Equal(t, tc.erange, erange, "ERANGE of %q", tc.in)
	}
	f, n, _ := strtod([]byte("nan(abc_1)x"))
	assert.True(t, math.IsNaN(f))
	assert.Equal(t, 10, n)
	_, n, _ = strtod([]byte("nan(abc"))
	assert.Equal(t, 3, n, "an unclosed nan( stops after nan")
}

func TestParseFloatStrtodRules(t *testing.T) {
	ok := map[string]float64{
		"0x10": 16, "1e5": 100000, "inf": math.Inf(1), "-Infinity": math.Inf(-1),
		"4e-320": 4e-320, "+.5": 0.5, "0x1.8p1": 3,
	}
	for in, want := range ok {
		f, good := ParseFloat([]byte(in))
		require.True(t, good, in)
		assert.Equal(t, want, f, in)
	}
	for _, in := range []string{"", " 1", "1 ", "nan", "-nan", "1e400", "1e-400", "0x", "abc", "1_0", "1\x00"} {
		_, good := ParseFloat([]byte(in))
		assert.False(t, good, "%q", in)
	}
}

func TestParseScoreBound(t *testing.T) {
	ok := map[string]float64{
		"": 0, " 1": 1, "0x10": 16, "1e400": math.Inf(1), "1e-400": 0, "-inf": math.Inf(-1), "1\x00x": 1,
	}
	for in, want := range ok {
		f, good := ParseScoreBound([]byte(in))
		require.True(t, good, "%q", in)
		assert.Equal(t, want, f, "%q", in)
	}
	for _, in := range []string{"1 ", "nan", "0x", "abc", "(1"} {
		_, good := ParseScoreBound([]byte(in))
		assert.False(t, good, "%q", in)
	}
}

func TestFormatCFloat(t *testing.T) {
	assert.Equal(t, "inf", FormatCFloat(math.Inf(1)))
	assert.Equal(t, "-inf", FormatCFloat(math.Inf(-1)))
	assert.Equal(t, "200.000000", FormatCFloat(200))
	assert.Equal(t, "-0.500000", FormatCFloat(-0.5))
}

func TestBlockTimeoutArg(t *testing.T) {
	ms := map[string]int64{
		"0": 0, "1": 1000, "0x10": 16000, "0.001": 1, "0.0009": 1, "1e-400": 1,
		"-0.0001": 0, "-0": 0, "0.5": 500,
	}
	for in, want := range ms {
		got, errMsg := blockTimeoutArg([]byte(in))
		require.Empty(t, errMsg, in)
		assert.Equal(t, want, got, in)
	}
	errs := map[string]string{
		" 1":     "ERR timeout is not a float or out of range",
		"1 ":     "ERR timeout is not a float or out of range",
		"nan":    "ERR timeout is not a float or out of range",
		"1e5000": "ERR timeout is not a float or out of range",
		"1e400":  "ERR timeout is negative",
		"inf":    "ERR timeout is negative",
		"-1":     "ERR timeout is negative",
		"1e16":   "ERR timeout is negative",
	}
	for in, want := range errs {
		_, errMsg := blockTimeoutArg([]byte(in))
		assert.Equal(t, want, errMsg, in)
	}
}

// ParseInt takes what strconv takes, in canonical form only, and rejects
// every overflow, at both ends of int64 and past uint64.
func TestParseIntAsString2ll(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "-99999999999999999999", "12345678901234567890", "007", "+1", " 1", "1 ", "", "-", "1a", "10"} {
		want, err := strconv.ParseInt(s, 10, 64)
		ok := err == nil && isCanonicalInt([]byte(s))
		got, gotOK := ParseInt([]byte(s))
		require.Equal(t, ok, gotOK, s)
		if ok {
			require.Equal(t, want, got, s)
		}
	}
}

// isCanonicalInt, the reference of TestParseIntAsString2ll, reports whether
// b is how Redis's string2ll would accept an integer: no leading '+', no
// leading zeros, no spaces.
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	i := 0
	if b[0] == '-' {
		i = 1
		if len(b) == 1 {
			return false
		}
	}
	if b[i] == '0' && len(b) > i+1 {
		return false
	}
	if b[i] == '0' && i == 1 {
		return false
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}
