package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The go-redis round trips run once per protocol: RESP2, and RESP3 through
// HELLO 3, where replies come back as maps, sets, doubles and nulls. Each
// protocol gets its own server, so the runs cannot see each other's keys.
func forProtocols(t *testing.T, fn func(t *testing.T, c *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			fn(t, startKeel(t).Client(t, proto))
		})
	}
}

func TestGoRedisStrings(t *testing.T) {
	forProtocols(t, func(t *testing.T, c *redis.Client) {
		ctx := ctxb()
		require.NoError(t, c.Set(ctx, "a", "hello", 0).Err())
		assert.Equal(t, "hello", c.Get(ctx, "a").Val())
		assert.Equal(t, redis.Nil, c.Get(ctx, "missing").Err())
		assert.False(t, c.SetNX(ctx, "a", "x", 0).Val())
		assert.True(t, c.SetXX(ctx, "a", "world", 0).Val())
		old, err := c.SetArgs(ctx, "a", "v2", redis.SetArgs{Get: true, TTL: time.Hour}).Result()
		require.NoError(t, err)
		assert.Equal(t, "world", old)
		ttl := c.TTL(ctx, "a").Val()
		assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "TTL %v", ttl)
		assert.Equal(t, int64(11), c.Append(ctx, "b", "hello world").Val())
		assert.Equal(t, "world", c.GetRange(ctx, "b", -5, -1).Val())
		assert.Equal(t, int64(11), c.SetRange(ctx, "b", 6, "Redis").Val())
		assert.Equal(t, "hello Redis", c.Get(ctx, "b").Val())
		assert.Equal(t, int64(11), c.StrLen(ctx, "b").Val())

		assert.Equal(t, int64(1), c.Incr(ctx, "n").Val())
		assert.Equal(t, int64(11), c.IncrBy(ctx, "n", 10).Val())
		assert.Equal(t, int64(10), c.Decr(ctx, "n").Val())
		assert.Equal(t, int64(5), c.DecrBy(ctx, "n", 5).Val())
		assert.Equal(t, 5.5, c.IncrByFloat(ctx, "n", 0.5).Val())
		assert.ErrorContains(t, c.Incr(ctx, "b").Err(), "ERR value is not an integer or out of range")
		require.NoError(t, c.Set(ctx, "max", "9223372036854775807", 0).Err())
		assert.ErrorContains(t, c.Incr(ctx, "max").Err(), "ERR increment or decrement would overflow")

		// Keys on three shards in one command.
		require.NoError(t, c.MSet(ctx, "a", "1", "b", "2", "c", "3").Err())
		assert.Equal(t, []any{"1", "2", "3", nil}, c.MGet(ctx, "a", "b", "c", "missing").Val())
		assert.False(t, c.MSetNX(ctx, "c", "x", "d", "y").Val())
		assert.Equal(t, redis.Nil, c.Get(ctx, "d").Err())
		assert.True(t, c.MSetNX(ctx, "d", "x", "e", "y").Val())

		assert.Equal(t, "1", c.GetDel(ctx, "a").Val())
		assert.Equal(t, redis.Nil, c.GetDel(ctx, "a").Err())
		assert.Equal(t, "2", c.GetEx(ctx, "b", time.Minute).Val())
		assert.Greater(t, c.TTL(ctx, "b").Val(), 50*time.Second)
		assert.Equal(t, "2", c.GetSet(ctx, "b", "22").Val())
		assert.Equal(t, time.Duration(-1), c.TTL(ctx, "b").Val(), "GETSET drops the TTL")

		require.NoError(t, c.MSet(ctx, "{l}1", "ohmytext", "{l}2", "mynewtext").Err())
		lcs, err := c.LCS(ctx, &redis.LCSQuery{Key1: "{l}1", Key2: "{l}2"}).Result()
		require.NoError(t, err)
		assert.Equal(t, "mytext", lcs.MatchString)
		lcs, err = c.LCS(ctx, &redis.LCSQuery{Key1: "{l}1", Key2: "{l}2", Idx: true, WithMatchLen: true, MinMatchLen: 4}).Result()
		require.NoError(t, err)
		assert.Equal(t, int64(6), lcs.Len)
		assert.Equal(t, []redis.LCSMatchedPosition{{Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4}}, lcs.Matches)
	})
}

func TestGoRedisBitmaps(t *testing.T) {
	forProtocols(t, func(t *testing.T, c *redis.Client) {
		ctx := ctxb()
		assert.Equal(t, int64(0), c.SetBit(ctx, "bm", 7, 1).Val())
		assert.Equal(t, int64(1), c.GetBit(ctx, "bm", 7).Val())
		assert.Equal(t, "\x01", c.Get(ctx, "bm").Val())
		require.NoError(t, c.Set(ctx, "s", "foobar", 0).Err())
		assert.Equal(t, int64(26), c.BitCount(ctx, "s", nil).Val())
		assert.Equal(t, int64(6), c.BitCount(ctx, "s", &redis.BitCount{Start: 1, End: 1}).Val())
		assert.Equal(t, int64(17), c.BitCount(ctx, "s", &redis.BitCount{Start: 5, End: 30, Unit: redis.BitCountIndexBit}).Val())
		assert.Equal(t, int64(1), c.BitPos(ctx, "s", 1).Val())
		assert.Equal(t, int64(0), c.BitPos(ctx, "s", 0).Val())
		require.NoError(t, c.Set(ctx, "{b}x", "abc", 0).Err())
		require.NoError(t, c.Set(ctx, "{b}y", "ab", 0).Err())
		assert.Equal(t, int64(3), c.BitOpOr(ctx, "{b}d", "{b}x", "{b}y").Val())
		assert.Equal(t, "abc", c.Get(ctx, "{b}d").Val())
		assert.Equal(t, int64(3), c.BitOpAnd(ctx, "{b}d", "{b}x", "{b}y").Val())
		assert.Equal(t, "ab\x00", c.Get(ctx, "{b}d").Val())
		assert.Equal(t, []int64{0, 100, -56}, c.BitField(ctx, "bf", "SET", "i8", 0, 100, "GET", "i8", 0, "INCRBY", "i8", 0, 100).Val())
		vals, err := c.BitField(ctx, "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", 100, 10).Result()
		require.NoError(t, err)
		assert.Equal(t, []int64{0}, vals, "a failed increment is a nil, which go-redis reads as 0")
		assert.Equal(t, []int64{200}, c.BitFieldRO(ctx, "bf", "u8", 0).Val())
	})
}

func TestGoRedisKeys(t *testing.T) {
	forProtocols(t, func(t *testing.T, c *redis.Client) {
		ctx := ctxb()
		require.NoError(t, c.MSet(ctx, "a", "1", "b", "2", "c", "3").Err())
		assert.Equal(t, int64(3), c.Exists(ctx, "a", "b", "c", "missing").Val())
		assert.Equal(t, "string", c.Type(ctx, "a").Val())
		assert.Equal(t, "none", c.Type(ctx, "missing").Val())
		assert.Equal(t, time.Duration(-1), c.TTL(ctx, "a").Val())
		assert.Equal(t, time.Duration(-2), c.TTL(ctx, "missing").Val())
		assert.Equal(t, time.Duration(-1), c.PTTL(ctx, "a").Val())
		assert.Equal(t, time.Duration(-2), c.PTTL(ctx, "missing").Val())
		assert.True(t, c.Expire(ctx, "a", time.Hour).Val())
		assert.False(t, c.ExpireNX(ctx, "a", time.Minute).Val())
		assert.True(t, c.ExpireGT(ctx, "a", 2*time.Hour).Val())
		assert.False(t, c.ExpireLT(ctx, "a", 3*time.Hour).Val())
		assert.Greater(t, c.PTTL(ctx, "a").Val(), time.Hour)
		at := time.Unix(4102444800, 0)
		assert.True(t, c.ExpireAt(ctx, "b", at).Val())
		assert.Equal(t, time.Duration(4102444800)*time.Second, c.ExpireTime(ctx, "b").Val())
		assert.True(t, c.Persist(ctx, "b").Val())
		assert.Equal(t, time.Duration(-1), c.TTL(ctx, "b").Val())

		require.NoError(t, c.Rename(ctx, "a", "moved").Err(), "rename across shards")
		assert.Equal(t, "1", c.Get(ctx, "moved").Val())
		assert.Greater(t, c.TTL(ctx, "moved").Val(), time.Hour, "RENAME keeps the TTL")
		assert.ErrorContains(t, c.Rename(ctx, "a", "x").Err(), "ERR no such key")
		assert.False(t, c.RenameNX(ctx, "moved", "b").Val())
		assert.True(t, c.Copy(ctx, "b", "b2", 0, false).Val() == 1)
		assert.Equal(t, "2", c.Get(ctx, "b2").Val())
		assert.Equal(t, "int", c.ObjectEncoding(ctx, "b2").Val())
		assert.Equal(t, int64(3), c.Del(ctx, "moved", "b", "b2", "missing").Val())
		assert.Equal(t, int64(1), c.Unlink(ctx, "c").Val())
		assert.Equal(t, int64(0), c.DBSize(ctx).Val())

		require.NoError(t, c.Set(ctx, "k", "db0", 0).Err())
		assert.True(t, c.Move(ctx, "k", 3).Val())
		require.NoError(t, c.Do(ctx, "SWAPDB", 0, 3).Err())
		assert.Equal(t, "db0", c.Get(ctx, "k").Val())
	})
}

func TestGoRedisServer(t *testing.T) {
	forProtocols(t, func(t *testing.T, c *redis.Client) {
		ctx := ctxb()
		assert.Equal(t, "PONG", c.Ping(ctx).Val())
		assert.Equal(t, "hi", c.Echo(ctx, "hi").Val())
		info, err := c.Info(ctx, "server").Result()
		require.NoError(t, err)
		assert.Contains(t, info, "# Server\r\n")
		assert.Contains(t, info, "redis_version:")
		all := c.Info(ctx).Val()
		for _, section := range []string{"# Clients", "# Memory", "# Stats", "# Keyspace"} {
			assert.Contains(t, all, section)
		}
		assert.Equal(t, map[string]string{"hz": "10"}, c.ConfigGet(ctx, "hz").Val())
		require.NoError(t, c.ConfigSet(ctx, "hz", "20").Err())
		assert.Equal(t, map[string]string{"hz": "20"}, c.ConfigGet(ctx, "hz").Val())
		require.NoError(t, c.ConfigSet(ctx, "hz", "10").Err())
		assert.ErrorContains(t, c.ConfigSet(ctx, "nosuch", "1").Err(), "Unknown option")

		id, err := c.ClientID(ctx).Result()
		require.NoError(t, err)
		assert.Positive(t, id)
		require.NoError(t, c.Do(ctx, "CLIENT", "SETNAME", "itest").Err())
		assert.Equal(t, "itest", c.ClientGetName(ctx).Val())
		assert.Contains(t, c.ClientList(ctx).Val(), "name=itest")
		assert.Contains(t, c.ClientInfo(ctx).Val().Name, "itest")

		cmds, err := c.Command(ctx).Result()
		require.NoError(t, err)
		get := cmds["get"]
		require.NotNil(t, get)
		assert.Equal(t, int8(2), get.Arity)
		assert.Equal(t, int8(1), get.FirstKeyPos)
		assert.Contains(t, get.Flags, "readonly")
		info2, err := c.Do(ctx, "COMMAND", "INFO", "set", "nosuch").Slice()
		require.NoError(t, err)
		require.Len(t, info2, 2)
		assert.Equal(t, []any{"set", int64(-3)}, info2[0].([]any)[:2])
		assert.Nil(t, info2[1])
		keys, err := c.CommandGetKeys(ctx, "mset", "a", "1", "b", "2").Result()
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b"}, keys)
		n, err := c.Do(ctx, "COMMAND", "COUNT").Int64()
		require.NoError(t, err)
		assert.Equal(t, int64(len(cmds)), n)

		tm, err := c.Time(ctx).Result()
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), tm, 5*time.Second)
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
		assert.Equal(t, int64(1), c.DBSize(ctx).Val())
		require.NoError(t, c.FlushAll(ctx).Err())
		assert.Equal(t, int64(0), c.DBSize(ctx).Val())
		err = c.Do(ctx, "NOSUCH", "a").Err()
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "ERR unknown command 'NOSUCH'"), err.Error())
	})
}
