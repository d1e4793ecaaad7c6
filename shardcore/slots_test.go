package shardcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSlotMatchesRedisCluster(t *testing.T) {
	// Reference values from CLUSTER KEYSLOT.
	require.Equal(t, 12739, Slot([]byte("123456789")))
	require.Equal(t, 12182, Slot([]byte("foo")))
	require.Equal(t, Slot([]byte("user1000")), Slot([]byte("{user1000}.following")))
	require.Equal(t, Slot([]byte("{user1000}.followers")), Slot([]byte("{user1000}.following")))
	require.Equal(t, Slot([]byte("foo{}{bar}")), Slot([]byte("foo{}{bar}")))
	require.NotEqual(t, Slot([]byte("bar")), Slot([]byte("foo{}{bar}")))
	require.Equal(t, Slot([]byte("{bar")), Slot([]byte("{bar")))
}
