package shardcore

import (
	"math"
	"math/rand/v2"
	"time"
)

// The replication and cluster commands of a standalone Redis 7.0 master
// without replicas, which is what keel is: ROLE, WAIT, FAILOVER, REPLICAOF
// (SLAVEOF), CLUSTER and the cluster connection flags (READONLY, READWRITE,
// ASKING). Plus LOLWUT.

func init() {
	const cl = FlagAdmin | FlagStale
	clusterErr := func(c *Ctx) { c.Error(errClusterDisabled) }
	sub := func(name string, arity int, flags Flags, since, summary string) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Group: "cluster", Since: since, Summary: summary, Fn: clusterErr}
	}
	register(
		&Command{Name: "role", Arity: 1, Flags: FlagNoscript | FlagLoading | FlagStale | FlagFast, Group: "server", Since: "2.8.12", Summary: "Return the role of the instance in the context of replication", Fn: cmdRole},
		&Command{Name: "wait", Arity: 3, Flags: FlagNoscript | FlagConn, Group: "generic", Since: "3.0.0", Summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection", Fn: cmdWait},
		&Command{Name: "lolwut", Arity: -1, Flags: FlagReadonly | FlagFast, Group: "server", Since: "5.0.0", Summary: "Display some computer art and the Redis version", Fn: cmdLolwut},
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
// its timeout gives) or the error; blocking commands are unblockConn's.
// A client held by CLIENT PAUSE is not blocked in a command: it stays held.
func (s *Shard) unblockClient(c *conn, withError bool) bool {
	if w := c.block; w != nil && w.op == waitReplicasOp {
		if withError {
			return s.endWait(w, waitUnblockErr)
		}
		return s.endWait(w, waitTimedOut)
	}
	return s.unblockConn(c, withError)
}

// cmdLolwut: LOLWUT [VERSION v] [args]. As Redis 7.0, version 5 draws Georg
// Nees's Schotter, version 6 a skyline after the game Plaguemon, and any
// other version (the default included) prints the version line only.
func cmdLolwut(c *Ctx) {
	args := c.Args
	version := uint32(0)
	if len(args) >= 3 && strOptIs(args[1], "version") {
		v, ok := ParseInt(args[2])
		if !ok {
			c.Error(errNotInt)
			return
		}
		// Redis formats the version as an unsigned int.
		version = uint32(v)
		args = args[2:]
	}
	switch version {
	case 5:
		p, ok := lolwutParams(c, args, 66, 8, 12) // columns, squares per row and per column
		if !ok {
			return
		}
		out := schotter(int(min(max(p[0], 1), 1000)), int(min(max(p[1], 1), 200)), int(min(max(p[2], 1), 200))).render()
		out = append(out, "\nGeorg Nees - schotter, plotter on paper, 1968. "+lolwutVersionLine+"\n"...)
		c.W.Verbatim("txt", out)
	case 6:
		p, ok := lolwutParams(c, args, 80, 20) // columns, rows
		if !ok {
			return
		}
		out := skyline(int(min(max(p[0], 1), 1000)), int(min(max(p[1], 1), 1000))).renderGray()
		out = append(out, "\nDedicated to the 8 bit game developers of past and present.\n"+
			"Original 8 bit image from Plaguemon by hikikomori. "+lolwutVersionLine+"\n"...)
		c.W.Verbatim("txt", out)
	default:
		c.W.Verbatim("txt", []byte(lolwutVersionLine+"\n"))
	}
}

// lolwutParams reads the optional integer arguments after the version,
// defaulting to defs; false when it replied an error.
func lolwutParams(c *Ctx, args [][]byte, defs ...int64) ([]int64, bool) {
	for i := range defs {
		if len(args) <= i+1 {
			break
		}
		n, ok := ParseInt(args[i+1])
		if !ok {
			c.Error(errNotInt)
			return nil, false
		}
		defs[i] = n
	}
	return defs, true
}

const lolwutVersionLine = "keel ver. " + Version

// lwCanvas is LOLWUT's pixel canvas: version 5 draws in one color and
// renders Braille characters of 2x4 pixels, version 6 paints four grays.
type lwCanvas struct {
	width, height int
	pixels        []byte
}

func newCanvas(width, height int, bg byte) *lwCanvas {
	cv := &lwCanvas{width: width, height: height, pixels: make([]byte, width*height)}
	for i := range cv.pixels {
		cv.pixels[i] = bg
	}
	return cv
}

func (cv *lwCanvas) paint(x, y int, color byte) {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return
	}
	cv.pixels[x+y*cv.width] = color
}

func (cv *lwCanvas) set(x, y int) { cv.paint(x, y, 1) }

func (cv *lwCanvas) color(x, y int) byte {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return 0
	}
	return cv.pixels[x+y*cv.width]
}

func (cv *lwCanvas) get(x, y int) bool { return cv.color(x, y) != 0 }

// line draws with Bresenham's algorithm.
func (cv *lwCanvas) line(x1, y1, x2, y2 int) {
	dx, dy := x2-x1, y2-y1
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	err := dx - dy
	for {
		cv.set(x1, y1)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

// square draws a square centred on x, y and rotated by angle, with Redis's
// single-precision arithmetic, so that the same inputs give the same pixels.
func (cv *lwCanvas) square(x, y int, size, angle float32) {
	size = float32(math.Round(float64(float32(float64(size) / 1.4142135623))))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := range 4 {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(size) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(size) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := range 4 {
		cv.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4])
	}
}

// schotter draws the squares, rotated and shifted more the lower their row.
func schotter(cols, perRow, perCol int) *lwCanvas {
	width := cols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(perRow)
	height := int(side*float32(perCol) + float32(padding*2))
	cv := newCanvas(width, height, 0)
	for y := range perCol {
		for x := range perRow {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				var r [3]float32
				for i := range r {
					r[i] = rand.Float32() / float32(perCol) * float32(y)
				}
				for i := range r {
					if rand.IntN(2) == 1 {
						r[i] = -r[i]
					}
				}
				angle = r[0]
				sx = int(float32(sx) + r[1]*side/3)
				sy = int(float32(sy) + r[2]*side/3)
			}
			cv.square(sx, sy, side, angle)
		}
	}
	return cv
}

// render turns each 2x4 block into its Braille character, rows of blocks
// separated by newlines.
func (cv *lwCanvas) render() []byte {
	var out []byte
	for y := 0; y < cv.height; y += 4 {
		for x := 0; x < cv.width; x += 2 {
			b := 0
			for i, p := range [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}} {
				if cv.get(x+p[0], y+p[1]) {
					b |= 1 << i
				}
			}
			code := 0x2800 + b
			out = append(out, byte(0xE0|code>>12), byte(0x80|(code>>6)&0x3F), byte(0x80|code&0x3F))
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// skyline draws city skyscrapers on a white canvas: two rows of plain gray
// ones behind (the lighter further back), then black ones with lit windows.
func skyline(cols, rows int) *lwCanvas {
	cv := newCanvas(cols, rows, 3)
	for color := byte(2); color >= 1; color-- {
		for offset := -10; offset < cv.width; {
			offset += rand.IntN(8)
			width := 10 + rand.IntN(9)
			height := cv.height/2 + rand.IntN(cv.height)/2
			if color == 1 {
				height = cv.height/2 + rand.IntN(cv.height)/3
			}
			cv.skyscraper(offset, width, height, color, false)
			if color == 2 {
				offset += width / 2
			} else {
				offset += width + 1
			}
		}
	}
	for offset := -10; offset < cv.width; {
		offset += rand.IntN(8)
		width := 5 + rand.IntN(14)
		if width%4 != 0 {
			width += width % 3
		}
		height := cv.height/3 + rand.IntN(cv.height)/2
		cv.skyscraper(offset, width, height, 0, true)
		offset += width + 5
	}
	return cv
}

// skyscraper paints one building standing on the bottom row; its roof is
// four pixels narrower, and its windows (two pixels wide, one tall, away
// from the walls) are one of the grays the building is not.
func (cv *lwCanvas) skyscraper(xoff, width, height int, color byte, windows bool) {
	starty := cv.height - 1
	endy := starty - height + 1
	for y := starty; y >= endy; y-- {
		for x := xoff; x < xoff+width; x++ {
			if y == endy && (x <= xoff+1 || x >= xoff+width-2) {
				continue
			}
			c := color
			if windows && x > xoff+1 && x < xoff+width-2 && y > endy+1 && y < starty-1 {
				relx, rely := x-(xoff+1), y-(endy+1)
				if relx/2%2 != 0 && rely%2 != 0 {
					for c == color {
						c = byte(1 + rand.IntN(2))
					}
					if relx%2 != 0 {
						c = cv.color(x-1, y)
					}
				}
			}
			cv.paint(x, y, c)
		}
	}
}

// renderGray renders each pixel as a space on a terminal gray, foreground
// and background both set for the same result on every terminal.
func (cv *lwCanvas) renderGray() []byte {
	var out []byte
	for y := range cv.height {
		for x := range cv.width {
			esc := "0;30;40m" // black
			switch cv.color(x, y) {
			case 1:
				esc = "0;90;100m"
			case 2:
				esc = "0;37;47m"
			case 3:
				esc = "0;97;107m"
			}
			out = append(out, "\x1b["+esc+" \x1b[0m"...)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
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
