package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAOFLoadCorruptTailMaxSize(t *testing.T) {
	c := Default()
	assert.Zero(t, c.AOFLoadCorruptTailMaxSize, "off by default")
	assert.Equal(t, "0", getOne(t, c, "aof-load-corrupt-tail-max-size"))

	c, err := Parse([]string{"--aof-load-corrupt-tail-max-size", "64kb"})
	require.NoError(t, err)
	assert.EqualValues(t, 64<<10, c.AOFLoadCorruptTailMaxSize)

	require.NoError(t, c.Set("aof-load-corrupt-tail-max-size", "1mb"))
	assert.Equal(t, "1048576", getOne(t, c, "aof-load-corrupt-tail-max-size"))
	assert.Error(t, c.Set("aof-load-corrupt-tail-max-size", "-1"))
}
