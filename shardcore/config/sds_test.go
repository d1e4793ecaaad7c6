package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		line string
		want []string // nil = unbalanced
	}{
		{"", []string{}},
		{"   ", []string{}},
		{"port 6379", []string{"port", "6379"}},
		{"  port\t6379  ", []string{"port", "6379"}},
		{`save ""`, []string{"save", ""}},
		{`save ''`, []string{"save", ""}},
		{`dir "/my data"`, []string{"dir", "/my data"}},
		{`dir '/my data'`, []string{"dir", "/my data"}},
		{`a "x\ny"`, []string{"a", "x\ny"}},
		{`a "\n\r\t\b\a\"\\\q"`, []string{"a", "\n\r\t\b\a\"\\q"}},
		{`a "\x41\x6a\x4A\xzz"`, []string{"a", "AjJ" + "xzz"}},
		{`a 'it\'s'`, []string{"a", "it's"}},
		{`a 'no\nescape'`, []string{"a", `no\nescape`}},
		{`foo"bar baz"`, []string{"foobar baz"}},
		{`a "b"c`, nil},
		{`a 'b'c`, nil},
		{`a "b`, nil},
		{`a 'b`, nil},
		{`a "b\`, nil},
		{"a b\x00c d", []string{"a", "b"}},
		{"a\vb", []string{"a\vb"}},
	}
	for _, tc := range cases {
		got, ok := SplitArgs(tc.line)
		if tc.want == nil {
			assert.False(t, ok, "%q", tc.line)
			continue
		}
		assert.True(t, ok, "%q", tc.line)
		assert.Equal(t, tc.want, got, "%q", tc.line)
	}
}

func TestReprRoundTrip(t *testing.T) {
	assert.Equal(t, `"c\"d"`, Repr(`c"d`))
	assert.Equal(t, `"a b"`, Repr("a b"))
	assert.Equal(t, `"\x00\xff\n\\"`, Repr("\x00\xff\n\\"))
	for _, s := range []string{"", "plain", "with space", `q"uote`, "tab\tnl\n", "\x01\x7f\x80\xfe", `back\slash`, "'single'"} {
		got, ok := SplitArgs("x " + Repr(s))
		assert.True(t, ok, "%q", s)
		assert.Equal(t, []string{"x", s}, got, "%q", s)
	}
}

func TestSplitSpaces(t *testing.T) {
	assert.Nil(t, splitSpaces(""))
	assert.Equal(t, []string{"100", "1"}, splitSpaces("100 1"))
	assert.Equal(t, []string{"100", "", "1"}, splitSpaces("100  1"))
	assert.Equal(t, []string{"", "100"}, splitSpaces(" 100"))
}
