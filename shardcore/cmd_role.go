package shardcore

import (
	"math"
	"time"
)

// The replication and cluster commands of a standalone Redis 7.0 master
// without replicas, which is what keel is: ROLE, WAIT, FAILOVER, REPLICAOF
// (SLAVEOF), CLUSTER and the cluster connection flags (READONLY, READWRITE,
// ASKING).

func init() {
	const cl = FlagAdmin | FlagStale
	clusterErr := func(c *Ctx) { c.Error(errClusterDisabled) }
	sub := func(name string, arity int, flags Flags, since, summary string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Group: "cluster", Since: since, Summary: summary, Fn: clusterErr}
	}
	register(
		&Command{Name: "role", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast, Group: "server", Since: "2.8.12", Summary: "Return the role of the instance in the context of replication", Fn: cmdRole},
		&Command{Name: "wait", Arity: 3, Flags: FlagNoscript | FlagConn, Group: "generic", Since: "3.0.0", Summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection", Fn: cmdWait},
		&Command{Name: "readonly", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "cluster", Since: "3.0.0", Summary: "Enables read queries for a connection to a cluster replica node", Fn: clusterErr},
		&Command{Name: "readwrite", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "cluster", Since: "3.0.0", Summary: "Disables read queries for a connection to a cluster replica node", Fn: clusterErr},
		&Command{Name: "asking", Arity: 1, Flags: FlagFast, Group: "cluster", Since: "3.0.0", Summary: "Sent by cluster clients after an -ASK redirect", Fn: clusterErr},
		&Command{Name: "failover", Arity: -1, Flags: FlagAdmin | FlagNoscript | FlagStale, Group: "server", Since: "6.2.0", Summary: "Start a coordinated failover between this server and one of its replicas.", Fn: cmdFailover},
		&Command{Name: "replicaof", Arity: 3, Flags: FlagAdmin | FlagNoscript | FlagStale, Group: "server", Since: "5.0.0", Summary: "Make the server a replica of another instance, or promote it as master.", Fn: cmdReplicaOf},
		&Command{Name: "slaveof", Arity: 3, Flags: FlagAdmin | FlagNoscript | FlagStale, Group: "server", Since: "1.0.0", Summary: "Make the server a replica of another instance, or promote it as master.", Fn: cmdReplicaOf},
		&Command{Name: "cluster", Arity: -2, Group: "cluster", Since: "3.0.0", Summary: "A container for cluster commands", Sub: subcommands(
			sub("addslots", -3, cl, "3.0.0", "Assign new hash slots to receiving node"),
			sub("addslotsrange", -4, cl, "7.0.0", "Assign new hash slots to receiving node"),
			sub("bumpepoch", 2, cl, "3.0.0", "Advance the cluster config epoch"),
			sub("count-failure-reports", 3, cl, "3.0.0", "Return the number of failure reports active for a given node"),
			sub("countkeysinslot", 3, FlagStale, "3.0.0", "Return the number of local keys in the specified hash slot"),
			sub("delslots", -3, cl, "3.0.0", "Set hash slots as unbound in receiving node"),
			sub("delslotsrange", -4, cl, "7.0.0", "Set hash slots as unbound in receiving node"),
			sub("failover", -2, cl, "3.0.0", "Forces a replica to perform a manual failover of its master."),
			sub("flushslots", 2, cl, "3.0.0", "Delete a node's own slots information"),
			sub("forget", 3, cl, "3.0.0", "Remove a node from the nodes table"),
			sub("getkeysinslot", 4, FlagStale, "3.0.0", "Return local key names in the specified hash slot"),
			sub("help", 2, FlagLoading|FlagStale, "5.0.0", "Show helpful text about the different subcommands"),
			sub("info", 2, FlagStale, "3.0.0", "Provides info about Redis Cluster node state"),
			sub("keyslot", 3, FlagStale, "3.0.0", "Returns the hash slot of the specified key"),
			sub("links", 2, FlagStale, "7.0.0", "Returns a list of all TCP links to and from peer nodes in cluster"),
			sub("meet", -4, cl, "3.0.0", "Force a node cluster to handshake with another node"),
			sub("myid", 2, FlagStale, "3.0.0", "Return the node id"),
			sub("nodes", 2, FlagStale, "3.0.0", "Get Cluster config for the node"),
			sub("replicas", 3, cl, "5.0.0", "List replica nodes of the specified master node"),
			sub("replicate", 3, cl, "3.0.0", "Reconfigure a node as a replica of the specified master node"),
			sub("reset", -2, cl|FlagNoscript, "3.0.0", "Reset a Redis Cluster node"),
			sub("saveconfig", 2, cl, "3.0.0", "Forces the node to save cluster state on disk"),
			sub("set-config-epoch", 3, cl, "3.0.0", "Set the configuration epoch in a new node"),
			sub("setslot", -4, cl, "3.0.0", "Bind a hash slot to a specific node"),
			sub("shards", 2, FlagStale, "7.0.0", "Get array of cluster slots to node mappings"),
			sub("slaves", 3, cl, "3.0.0", "List replica nodes of the specified master node"),
			sub("slots", 2, FlagStale, "3.0.0", "Get array of Cluster slot to node mappings"),
		)},
	)
}

const (
	errClusterDisabled = "ERR This instance has cluster support disabled"
	// keel never becomes a replica: replication would need a link and a
	// full resynchronisation it does not implement, so the request is
	// refused rather than acknowledged and ignored.
	errNoReplication = "ERR keel does not support replication: it runs only as a standalone master"
)

// cmdRole: a master at replication offset 0 with no replicas.
func cmdRole(c *Ctx) {
	c.W.Array(3)
	c.W.BulkString("master")
	c.W.Int(0)
	c.W.Array(0)
}

// cmdFailover checks the arguments as Redis does; with no replica to fail
// over to, a valid call ends at "requires connected replicas".
func cmdFailover(c *Ctx) {
	args := c.Args
	if len(args) == 2 && strOptIs(args[1], "abort") {
		c.Error("ERR No failover in progress.")
		return
	}
	var timeout int64
	var host bool
	force := false
	for j := 1; j < len(args); j++ {
		switch {
		case strOptIs(args[j], "timeout") && j+1 < len(args) && timeout == 0:
			n, ok := ParseInt(args[j+1])
			if !ok {
				c.Error(errNotInt)
				return
			}
			if n <= 0 {
				c.Error("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = n
			j++
		case strOptIs(args[j], "to") && j+2 < len(args) && !host:
			if _, ok := ParseInt(args[j+2]); !ok {
				c.Error(errNotInt)
				return
			}
			host = true
			j += 2
		case strOptIs(args[j], "force") && !force:
			force = true
		default:
			c.Error(errSyntax)
			return
		}
	}
	c.Error("ERR FAILOVER requires connected replicas.")
}

// cmdReplicaOf: NO ONE is a master staying a master. A master address is
// validated as Redis does, then refused (see errNoReplication).
func cmdReplicaOf(c *Ctx) {
	if strOptIs(c.Args[1], "no") && strOptIs(c.Args[2], "one") {
		c.OK()
		return
	}
	if port, ok := ParseInt(c.Args[2]); !ok || port < 0 || port > 65535 {
		c.Error("ERR Invalid master port")
		return
	}
	c.Error(errNoReplication)
}

// waitReplicasOp marks the waiters of WAIT: they watch no key and only a
// timeout, CLIENT UNBLOCK or a disconnect ends them.
var waitReplicasOp = &BlockOp{}

// cmdWait: WAIT numreplicas timeout. No replica ever acknowledges, so 0
// replies at once when no replica is asked for; otherwise the client
// blocks for the timeout (0: until CLIENT UNBLOCK) and then gets 0, as on
// a Redis master without replicas. Inside MULTI it never blocks.
func cmdWait(c *Ctx) {
	num, ok := ParseInt(c.Args[1])
	if !ok {
		c.Error(errNotInt)
		return
	}
	timeout, ok := msTimeoutArg(c, c.Args[2])
	if !ok {
		return
	}
	cn := c.Conn
	if num <= 0 || cn == nil || c.tx != nil || c.W != &cn.w {
		c.W.Int(0)
		return
	}
	s := c.S
	w := &waiter{origin: s, c: cn, op: waitReplicasOp, db: cn.db, proto: cn.w.Proto, state: waitBlocked}
	w.slot = s.newSlot(cn)
	cn.paused = true
	cn.block = w
	s.arm(w)
	// A deadline past what the clock can hold never comes, as in Redis.
	if timeout > 0 && timeout <= math.MaxInt64-c.Now {
		time.AfterFunc(time.Duration(timeout)*time.Millisecond, func() {
			s.post(message{ctrl: true, fn: func(s *Shard) { s.endWait(w, waitTimedOut) }})
		})
	}
}

var (
	waitTimedOut   = []byte(":0\r\n")
	waitUnblockErr = []byte("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
)

// endWait answers a WAIT still blocked and resumes its connection.
func (s *Shard) endWait(w *waiter, reply []byte) bool {
	if w.state != waitBlocked {
		return false
	}
	s.complete(w.slot, reply)
	s.finishWaiter(w)
	return true
}

// unblockClient is CLIENT UNBLOCK on the client's shard: WAIT gets 0 (what
// its timeout gives) or the error; WAITAOF is unblockWaitAOF's, blocking
// commands unblockConn's.
// A client held by CLIENT PAUSE is not blocked in a command: it stays held.
func (s *Shard) unblockClient(c *conn, withError bool) bool {
	if w := c.block; w != nil && w.op == waitReplicasOp {
		if withError {
			return s.endWait(w, waitUnblockErr)
		}
		return s.endWait(w, waitTimedOut)
	}
	if s.unblockWaitAOF(c, withError) {
		return true
	}
	return s.unblockConn(c, withError)
}

// msTimeoutArg parses the millisecond timeout of WAIT and CLIENT PAUSE as
// Redis does, replying the error itself.
func msTimeoutArg(c *Ctx, arg []byte) (int64, bool) {
	t, ok := ParseInt(arg)
	switch {
	case !ok:
		c.Error(errTimeoutNotInt)
	case t < 0:
		c.Error(errTimeoutNegative)
	default:
		return t, true
	}
	return 0, false
}
