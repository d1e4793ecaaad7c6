package config

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMemory(t *testing.T) {
	ok := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"100", 100},
		{"", 0}, // as memtoull
		{"b", 0},
		{"10b", 10},
		{"1k", 1000},
		{"1K", 1000},
		{"1kb", 1024},
		{"1KB", 1024},
		{"1kB", 1024},
		{"2m", 2000000},
		{"2mb", 2 << 20},
		{"1g", 1000000000},
		{"1gb", 1 << 30},
		{"5GB", 5 << 30},
		{"512mb", 512 << 20},
		{"9223372036854775807", math.MaxInt64},
	}
	for _, tc := range ok {
		got, err := ParseMemory(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, in := range []string{"-1", "1tb", "1.5mb", " 1", "+1", "1 kb", "x", "1kbb", "9223372036854775808", "18446744073709551615kb"} {
		_, err := ParseMemory(in)
		assert.Error(t, err, in)
	}
}

func TestMemToUint64(t *testing.T) {
	v, err := memToUint64("18446744073709551615")
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64), v)
	// strtoull saturates; Redis keeps the saturated value without a unit.
	v, err = memToUint64("99999999999999999999")
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64), v)
	_, err = memToUint64("99999999999999999999kb")
	assert.Equal(t, errMemory, err)
}

func TestString2ll(t *testing.T) {
	ok := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "65535": 65535,
		"9223372036854775807":  math.MaxInt64,
		"-9223372036854775808": math.MinInt64,
	}
	for in, want := range ok {
		got, valid := string2ll(in)
		require.True(t, valid, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1x", "0x10", "9223372036854775808", "-9223372036854775809", "1.0"} {
		_, valid := string2ll(in)
		assert.False(t, valid, in)
	}
}

func TestStrtoll(t *testing.T) {
	cases := []struct {
		in   string
		v    int64
		full bool
	}{
		{"1", 1, true},
		{"+1", 1, true},
		{"-5", -5, true},
		{" 7", 7, true},
		{"05", 5, true},
		{"", 0, true},
		{" ", 0, false},
		{"abc", 0, false},
		{"1x", 1, false},
		{"0x1", 0, false},
		{"99999999999999999999", math.MaxInt64, true},
		{"-99999999999999999999", math.MinInt64, true},
	}
	for _, tc := range cases {
		v, full := strtoll(tc.in)
		assert.Equal(t, tc.v, v, tc.in)
		assert.Equal(t, tc.full, full, tc.in)
	}
}

func TestFormatMemory(t *testing.T) {
	assert.Equal(t, "0", formatMemory(0))
	assert.Equal(t, "1000", formatMemory(1000))
	assert.Equal(t, "1kb", formatMemory(1024))
	assert.Equal(t, "64mb", formatMemory(64<<20))
	assert.Equal(t, "1gb", formatMemory(1<<30))
	assert.Equal(t, "1025kb", formatMemory(1025*1024))
}

func TestFormatPercentile(t *testing.T) {
	assert.Equal(t, "50", formatPercentile(50))
	assert.Equal(t, "99.9", formatPercentile(99.9))
	assert.Equal(t, "99.999", formatPercentile(99.999))
	assert.Equal(t, "0", formatPercentile(0))
	assert.Equal(t, "1.5", formatPercentile(1.5))
}
