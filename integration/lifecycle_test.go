package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSigtermExitsZero(t *testing.T) {
	p := startKeel(t)
	rc := p.Raw(t)
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "SET", "k", "v"))
	require.Equal(t, 0, p.Stop())
	require.Contains(t, p.Log(), "shutting down")
	closed, _ := rc.Closed(5 * time.Second)
	require.True(t, closed, "client connection closed by the exiting server")
}

func TestShutdownCommand(t *testing.T) {
	onBoth(t, nil, func(t *testing.T, p *proc) {
		rc := p.Raw(t)
		require.Equal(t, "-ERR syntax error\r\n", rc.MustDo(t, "SHUTDOWN", "LATER"))
		require.Equal(t, "-ERR syntax error\r\n", rc.MustDo(t, "SHUTDOWN", "NOSAVE", "SAVE"))
		require.Equal(t, "-ERR No shutdown in progress.\r\n", rc.MustDo(t, "SHUTDOWN", "ABORT"))
		require.Equal(t, "+PONG\r\n", rc.MustDo(t, "PING"))

		require.NoError(t, rc.Send([]byte("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")))
		closed, got := rc.Closed(10 * time.Second)
		require.True(t, closed, "SHUTDOWN closes the connection")
		require.Empty(t, got, "SHUTDOWN does not reply on success")
		require.Equal(t, 0, p.Wait(15*time.Second))
	})
}

// TestKillAndRestart is the smallest crash: SIGKILL, then a new process on
// the same directory starts and serves.
func TestKillAndRestart(t *testing.T) {
	p := startKeel(t, "--shards", "2")
	rc := p.Raw(t)
	require.Equal(t, "+OK\r\n", rc.MustDo(t, "SET", "k", "v"))
	p.Kill()
	require.True(t, p.Exited())
	require.Equal(t, -1, p.exitCode(), "killed by a signal")

	again := startKeelDir(t, p.Dir, "--shards", "2")
	require.Equal(t, "+PONG\r\n", again.Raw(t).MustDo(t, "PING"))
	require.False(t, strings.Contains(again.Log(), "panic"), again.Log())
}
