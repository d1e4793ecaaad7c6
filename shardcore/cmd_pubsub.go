package shardcore

import "strings"

func init() {
	const f = FlagPubsub | FlagNoscript | FlagLoading | FlagStale | FlagConn
	register(
		&Command{Name: "subscribe", Arity: -2, Flags: f, Group: "pubsub", Since: "2.0.0", Summary: "Listens for messages published to channels.", Fn: subscribeCmd(psChannel)},
		&Command{Name: "psubscribe", Arity: -2, Flags: f, Group: "pubsub", Since: "2.0.0", Summary: "Listens for messages published to channels that match one or more patterns.", Fn: subscribeCmd(psPattern)},
		&Command{Name: "ssubscribe", Arity: -2, Flags: f, FirstKey: 1, LastKey: -1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Listens for messages published to shard channels.", Fn: subscribeCmd(psShard)},
		&Command{Name: "unsubscribe", Arity: -1, Flags: f, Group: "pubsub", Since: "2.0.0", Summary: "Stops listening to messages posted to channels.", Fn: unsubscribeCmd(psChannel)},
		&Command{Name: "punsubscribe", Arity: -1, Flags: f, Group: "pubsub", Since: "2.0.0", Summary: "Stops listening to messages published to channels that match one or more patterns.", Fn: unsubscribeCmd(psPattern)},
		&Command{Name: "sunsubscribe", Arity: -1, Flags: f, FirstKey: 1, LastKey: -1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Stops listening to messages posted to shard channels.", Fn: unsubscribeCmd(psShard)},
		&Command{Name: "publish", Arity: 3, Flags: FlagPubsub | FlagLoading | FlagStale | FlagFast | FlagConn, Group: "pubsub", Since: "2.0.0", Summary: "Posts a message to a channel.", Fn: publishCmd(psChannel)},
		&Command{Name: "spublish", Arity: 3, Flags: FlagPubsub | FlagLoading | FlagStale | FlagFast | FlagConn, FirstKey: 1, LastKey: 1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Post a message to a shard channel", Fn: publishCmd(psShard)},
		&Command{Name: "pubsub", Arity: -2, Group: "pubsub", Since: "2.8.0", Summary: "A container for Pub/Sub commands.", Sub: subcommands(
			&Command{Name: "channels", Arity: -2, Flags: FlagPubsub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns the active channels.", Fn: pubsubNamesCmd(psChannel)},
			&Command{Name: "shardchannels", Arity: -2, Flags: FlagPubsub | FlagLoading | FlagStale, Group: "pubsub", Since: "7.0.0", Summary: "Returns the active shard channels.", Fn: pubsubNamesCmd(psShard)},
			&Command{Name: "numsub", Arity: -2, Flags: FlagPubsub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns a count of subscribers to channels.", Fn: pubsubNumsubCmd(psChannel)},
			&Command{Name: "shardnumsub", Arity: -2, Flags: FlagPubsub | FlagLoading | FlagStale, Group: "pubsub", Since: "7.0.0", Summary: "Returns the count of subscribers of shard channels.", Fn: pubsubNumsubCmd(psShard)},
			&Command{Name: "numpat", Arity: 2, Flags: FlagPubsub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns a count of unique pattern subscriptions.", Fn: func(c *Ctx) {
				c.W.Int(int64(c.S.srv.pubsub().numPatterns()))
			}},
			&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "pubsub", Since: "6.2.0", Summary: "Returns helpful text about the different subcommands.", Fn: helpFn("PUBSUB", pubsubHelpLines)},
		)},
	)
}

// psReply writes one (un)subscribe confirmation: a push in RESP3, an array
// in RESP2; a nil name (nothing to unsubscribe from) is a null.
func psReply(c *Ctx, word string, name []byte, count int) {
	c.W.Push(3)
	c.W.BulkString(word)
	if name == nil {
		c.W.Null()
	} else {
		c.W.Bulk(name)
	}
	c.W.Int(int64(count))
}

func subscribeCmd(k psKind) func(*Ctx) {
	return func(c *Ctx) {
		if c.Conn == nil {
			c.Error("ERR " + strings.ToUpper(psSubscribeWord[k]) + " isn't allowed for a DENY BLOCKING client")
			return
		}
		ps := c.S.srv.pubsub()
		for _, name := range c.Args[1:] {
			ps.subscribe(c.S, c.Conn, k, name)
			psReply(c, psSubscribeWord[k], name, c.Conn.sub.count(k))
		}
	}
}

func unsubscribeCmd(k psKind) func(*Ctx) {
	return func(c *Ctx) {
		cn := c.Conn
		if cn == nil {
			c.Error("ERR " + strings.ToUpper(psUnsubscribeWord[k]) + " isn't allowed for a DENY BLOCKING client")
			return
		}
		ps := c.S.srv.pubsub()
		count := func() int {
			if cn.sub == nil {
				return 0
			}
			return cn.sub.count(k)
		}
		if len(c.Args) == 1 {
			names := cn.sub.list(k)
			if len(names) == 0 {
				psReply(c, psUnsubscribeWord[k], nil, count())
			}
			for _, n := range names {
				ps.unsubscribe(c.S, cn, k, n)
				psReply(c, psUnsubscribeWord[k], []byte(n), count())
			}
		} else {
			for _, name := range c.Args[1:] {
				ps.unsubscribe(c.S, cn, k, string(name))
				psReply(c, psUnsubscribeWord[k], name, count())
			}
		}
		if cn.sub != nil && !cn.sub.subscribed() {
			cn.sub = nil
		}
	}
}

func publishCmd(k psKind) func(*Ctx) {
	return func(c *Ctx) {
		c.W.Int(int64(c.S.srv.pubsub().publish(c.S, k, c.Args[1], c.Args[2])))
	}
}

func pubsubNamesCmd(k psKind) func(*Ctx) {
	return func(c *Ctx) {
		if len(c.Args) > 3 {
			c.Error(errSubSyntax(c.Args))
			return
		}
		var pattern []byte
		if len(c.Args) == 3 {
			pattern = c.Args[2]
		}
		names := c.S.srv.pubsub().psNames(k, pattern)
		c.W.Array(len(names))
		for _, n := range names {
			c.W.BulkString(n)
		}
	}
}

func pubsubNumsubCmd(k psKind) func(*Ctx) {
	return func(c *Ctx) {
		names := c.Args[2:]
		counts := c.S.srv.pubsub().psCounts(k, names)
		c.W.Array(2 * len(names))
		for i, n := range names {
			c.W.Bulk(n)
			c.W.Int(int64(counts[i]))
		}
	}
}

var pubsubHelpLines = []string{
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
}

// pingSubscribed is PING for a RESP2 connection in subscribed mode: a
// ["pong", <message or "">] array, as Redis sends.
func pingSubscribed(c *Ctx) {
	c.W.Array(2)
	c.W.BulkString("pong")
	if len(c.Args) == 2 {
		c.W.Bulk(c.Args[1])
	} else {
		c.W.BulkString("")
	}
}
