package shardcore

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Schotter's first two rows are drawn without randomness; these digests
// are of redis-server 7.0.15's drawings (LOLWUT VERSION 5 cols perRow
// perCol, the text before the caption).
func TestSchotterMatchesRedis(t *testing.T) {
	for _, tc := range []struct {
		cols, perRow, perCol int
		digest               string
	}{
		{1, 1, 1, "9015e4fba31fc1d6"},
		{3, 1, 1, "f35bf4a5b18adf69"},
		{2, 2, 2, "d77eeebd06e7c34f"},
		{10, 3, 2, "21bcd973f875c774"},
		{66, 8, 2, "3b9678e96bd119c3"},
		{7, 5, 1, "89cbf056a58107a3"},
	} {
		sum := sha256.Sum256(schotter(tc.cols, tc.perRow, tc.perCol).render())
		assert.Equal(t, tc.digest, hex.EncodeToString(sum[:8]), "%+v", tc)
	}
	assert.Equal(t, "\u280b\n", string(schotter(1, 1, 1).render()))
}

func TestLolwut(t *testing.T) {
	srv := testServer(t, 1)
	c := testRaw(t, srv)
	assert.Equal(t, "$17\r\nkeel ver. 7.0.15\n\r\n", c.do("LOLWUT"))
	assert.Equal(t, "$17\r\nkeel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "7"))
	// One row is too low for any skyscraper: Redis draws white pixels too.
	white := "\x1b[0;97;107m \x1b[0m"
	assert.Equal(t, "$161\r\n"+white+white+"\nDedicated to the 8 bit game developers of past and present.\n"+
		"Original 8 bit image from Plaguemon by hikikomori. keel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "6", "2", "1"))
	sky := skyline(80, 20)
	assert.Equal(t, 80*20, len(sky.pixels))
	assert.Contains(t, sky.pixels, byte(0), "foreground skyscrapers")
	assert.Equal(t, 19, strings.Count(string(sky.renderGray()), "\n"))
	assert.Equal(t, "$69\r\n\u280b\n\nGeorg Nees - schotter, plotter on paper, 1968. keel ver. 7.0.15\n\r\n", c.do("LOLWUT", "VERSION", "5", "1", "1", "1"))
	// As Redis, the version wraps as an unsigned int and sizes are clamped.
	assert.Equal(t, c.do("LOLWUT", "VERSION", "5", "0", "-3", "0"), c.do("LOLWUT", "VERSION", "4294967301", "1", "1", "1"))
	assert.Equal(t, "-ERR value is not an integer or out of range\r\n", c.do("LOLWUT", "VERSION", "5", "1", "x"))
	big := c.do("LOLWUT", "VERSION", "5", "1000", "200", "200")
	require.Greater(t, len(big), 1000)
	assert.Equal(t, "=73\r\ntxt:\u280b\n\nGeorg Nees - schotter, plotter on paper, 1968. keel ver. 7.0.15\n\r\n",
		func() string { c.do("HELLO", "3"); return c.do("LOLWUT", "VERSION", "5", "1", "1", "1") }())
}
