package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// globCases were checked against redis-server 7.0 (KEYS, case-sensitive).
var globCases = []struct {
	pattern, s string
	match      bool
}{
	{"*", "", false}, // as stringmatchlen (KEYS * short-cuts before matching)
	{"*", "anything", true},
	{"", "", true},
	{"", "a", false},
	{"a", "", false},
	{"?", "", false},
	{"?", "a", true},
	{"??", "a", false},
	{"h?llo", "hello", true},
	{"h?llo", "hllo", false},
	{"h*llo", "hllo", true},
	{"h*llo", "heeeello", true},
	{"h*llo", "hellox", false},
	{"*llo", "hello", true},
	{"he*", "hello", true},
	{"he**", "he", true},
	{"**", "", false},
	{"a*b*c", "axxbyyc", true},
	{"a*b*c", "axxbyy", false},
	{"a*b*c*d*e*f", "abcdef", true},
	{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	{"h[ae]llo", "hello", true},
	{"h[ae]llo", "hallo", true},
	{"h[ae]llo", "hillo", false},
	{"h[^e]llo", "hallo", true},
	{"h[^e]llo", "hello", false},
	{"h[a-b]llo", "hbllo", true},
	{"h[a-b]llo", "hcllo", false},
	{"h[b-a]llo", "hallo", true}, // reversed range
	{"[a-z]", "m", true},
	{"[a-z]", "M", false},
	{"[^a-z]", "M", true},
	{"[^a-z]", "m", false},
	{"[a-]", "-", false},     // "a-]" is the range ']'..'a' (swapped); the class never closes
	{"[a-]", "]", true},      // ...so ']' is in it
	{"[a-]", "_", true},      // ...and so is '_'
	{"[a-]", "b", false},     // ...but not 'b'
	{"[]a]", "a", false},     // ']' right after '[' closes an empty class
	{"[\\]]", "]", true},     // escaped ']' inside a class
	{"[\\-]", "-", true},     // escaped '-'
	{"[a\\-z]", "b", false},  // escaped dash is not a range
	{"[a\\-z]", "-", true},   // ...it is a literal
	{"[abc", "b", true},      // unterminated class ends at the pattern's end
	{"[abc", "bx", false},    // ...and consumed the whole pattern
	{"[", "a", false},        // empty unterminated class
	{"[^", "a", true},        // negated empty unterminated class
	{"[^]", "a", true},       // negated empty class
	{"a[]", "a", false},      // an empty class matches nothing
	{"\\*", "*", true},       // escaped star
	{"\\*", "a", false},      // ...is literal
	{"\\?", "?", true},       // escaped question mark
	{"a\\", "a\\", true},     // trailing backslash is literal
	{"\\[a]", "[a]", true},   // escaped bracket
	{"*\\*", "abc*", true},   // star then literal star
	{"*[0-9]", "key7", true}, // star then class
	{"user:*:name", "user:42:name", true},
	{"user:*:name", "user:42:age", false},
	{"[[]", "[", true},      // '[' inside a class is literal
	{"[*]", "*", true},      // '*' inside a class is literal
	{"[*]", "a", false},     // ...and only that
	{"[?]", "?", true},      // '?' inside a class is literal
	{"*?", "", false},       // star then one required byte
	{"*?", "a", true},       // ...
	{"?*?", "a", false},     // two required bytes
	{"?*?", "ab", true},     // ...
	{"[^^]", "^", false},    // negated caret
	{"[^^]", "a", true},     // ...
	{"[a-c-e]", "d", false}, // range then literal '-' then 'e'
	{"[a-c-e]", "-", true},  // ...
	{"[a-c-e]", "e", true},  // ...
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range globCases {
		assert.Equal(t, tc.match, GlobMatch([]byte(tc.pattern), []byte(tc.s), false), "pattern %q string %q", tc.pattern, tc.s)
	}
}

func TestGlobMatchNocase(t *testing.T) {
	cases := []struct {
		pattern, s string
		match      bool
	}{
		{"PORT", "port", true},
		{"p?RT", "Port", true},
		{"hash-*", "HASH-MAX-LISTPACK-ENTRIES", true},
		{"[A-Z]", "m", true},
		{"[a-z]", "M", true},
		{"[^A-Z]", "m", false},
		{"[M]", "m", true},
		{"[\\M]", "m", false}, // escaped bytes in a class compare exactly
		{"\\M", "m", true},    // outside a class they fold
	}
	for _, tc := range cases {
		assert.Equal(t, tc.match, GlobMatch([]byte(tc.pattern), []byte(tc.s), true), "pattern %q string %q", tc.pattern, tc.s)
	}
}

func TestGlobMatchHostilePatterns(t *testing.T) {
	// Exponential without the early exit; must finish at once.
	p := strings.Repeat("a*", 30) + "b"
	s := strings.Repeat("a", 60)
	assert.False(t, GlobMatch([]byte(p), []byte(s), false))

	// Deep nesting gives up instead of exhausting the stack.
	p = strings.Repeat("*a", 5000)
	s = strings.Repeat("a", 5000)
	assert.False(t, GlobMatch([]byte(p), []byte(s), false))
	p = strings.Repeat("*a", 500)
	s = strings.Repeat("a", 500)
	assert.True(t, GlobMatch([]byte(p), []byte(s), false))
}
