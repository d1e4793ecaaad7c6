package integration

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	noAuth    = "-NOAUTH Authentication required.\r\n"
	wrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
)

func TestRequirePass(t *testing.T) {
	onBoth(t, []string{"--requirepass", "sekret"}, func(t *testing.T, p *proc) {
		rc := p.Raw(t)
		assert.Equal(t, noAuth, rc.MustDo(t, "GET", "k"))
		assert.Equal(t, noAuth, rc.MustDo(t, "PING"))
		assert.Equal(t, noAuth, rc.MustDo(t, "CLIENT", "ID"))
		// Redis looks the command up before checking authentication.
		assert.Equal(t, "-ERR unknown command 'nosuch', with args beginning with: 'x' \r\n", rc.MustDo(t, "nosuch", "x"))
		assert.Equal(t, "-ERR wrong number of arguments for 'auth' command\r\n", rc.MustDo(t, "AUTH"))
		// ... and its arity (and subcommand) too.
		assert.Equal(t, "-ERR wrong number of arguments for 'get' command\r\n", rc.MustDo(t, "GET"))
		assert.Equal(t, "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n", rc.MustDo(t, "CONFIG", "FOO"))
		assert.Equal(t, "-ERR wrong number of arguments for 'config|get' command\r\n", rc.MustDo(t, "CONFIG", "GET"))
		assert.Equal(t, noAuth, rc.MustDo(t, "CONFIG", "GET", "x"))
		assert.Equal(t, "-ERR syntax error\r\n", rc.MustDo(t, "AUTH", "a", "b", "c"))
		assert.Equal(t, wrongPass, rc.MustDo(t, "AUTH", "wrong"))
		assert.Equal(t, wrongPass, rc.MustDo(t, "AUTH", "nobody", "sekret"))
		assert.Equal(t, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
			rc.MustDo(t, "HELLO", "3"))
		assert.Equal(t, wrongPass, rc.MustDo(t, "HELLO", "3", "AUTH", "default", "wrong"))
		assert.Equal(t, noAuth, rc.MustDo(t, "SET", "k", "v"))

		require.Equal(t, "+OK\r\n", rc.MustDo(t, "AUTH", "sekret"))
		require.Equal(t, "+OK\r\n", rc.MustDo(t, "SET", "k", "v"))
		require.Equal(t, "$1\r\nv\r\n", rc.MustDo(t, "GET", "k"))
		// A failed AUTH does not log an authenticated client out.
		assert.Equal(t, wrongPass, rc.MustDo(t, "AUTH", "wrong"))
		require.Equal(t, "$1\r\nv\r\n", rc.MustDo(t, "GET", "k"))

		other := p.Raw(t)
		require.Equal(t, "+OK\r\n", other.MustDo(t, "AUTH", "default", "sekret"))
		require.Equal(t, "$1\r\nv\r\n", other.MustDo(t, "GET", "k"))

		hello := p.Raw(t)
		reply := hello.MustDo(t, "HELLO", "3", "AUTH", "default", "sekret")
		require.Equal(t, byte('%'), reply[0], "HELLO 3 with AUTH answers a map: %q", reply)
		require.Equal(t, "$1\r\nv\r\n", hello.MustDo(t, "GET", "k"))
		require.Equal(t, "_\r\n", hello.MustDo(t, "GET", "missing"))

		// Before authentication only tiny requests are read at all.
		got, closed := exchange(t, p, "*11\r\n", 5*time.Second)
		require.Equal(t, protoErr("unauthenticated multibulk length"), got)
		require.True(t, closed)
		got, closed = exchange(t, p, "*1\r\n$20000\r\n", 5*time.Second)
		require.Equal(t, protoErr("unauthenticated bulk length"), got)
		require.True(t, closed)

		for _, proto := range []int{2, 3} {
			c := p.Client(t, proto, func(o *redis.Options) { o.Password = "sekret" })
			require.Equal(t, "v", c.Get(ctxb(), "k").Val())
			bad := p.Client(t, proto, func(o *redis.Options) { o.Password = "wrong" })
			require.ErrorContains(t, bad.Get(ctxb(), "k").Err(), "WRONGPASS")
		}
	})
}

func TestAuthWithoutPassword(t *testing.T) {
	onBoth(t, nil, func(t *testing.T, p *proc) {
		rc := p.Raw(t)
		require.Equal(t, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
			rc.MustDo(t, "AUTH", "x"))
		require.Equal(t, "+PONG\r\n", rc.MustDo(t, "PING"))
	})
}

// TestConfigSetRequirePass turns a password on at run time: existing
// connections stay authenticated, new ones must AUTH.
func TestConfigSetRequirePass(t *testing.T) {
	onBoth(t, nil, func(t *testing.T, p *proc) {
		rc := p.Raw(t)
		require.Equal(t, "+OK\r\n", rc.MustDo(t, "CONFIG", "SET", "requirepass", "pw"))
		require.Equal(t, "+PONG\r\n", rc.MustDo(t, "PING"))
		fresh := p.Raw(t)
		require.Equal(t, noAuth, fresh.MustDo(t, "PING"))
		require.Equal(t, "+OK\r\n", fresh.MustDo(t, "AUTH", "pw"))
		require.Equal(t, "+OK\r\n", rc.MustDo(t, "CONFIG", "SET", "requirepass", ""))
		require.Equal(t, "+PONG\r\n", p.Raw(t).MustDo(t, "PING"))
	})
}
