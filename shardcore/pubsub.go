package shardcore

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
)

// Pub/sub.
//
// A subscription lives on the subscriber's shard (psLocal, touched only by
// that shard's loop) and in the connection (psConn). The server-wide registry
// counts, per channel and pattern, the subscribers each shard holds; shards
// update it under its own lock when a subscription starts or ends, and
// PUBLISH reads it to learn both the exact receiver count and which shards to
// post the message to, without a round trip. The keyspace path never takes
// this lock. A shard's publishes of one loop iteration go out after its log
// commit (a notification never reaches a subscriber before its write is
// durable) as one message per shard that holds a receiver; that shard
// writes to its own connections.

type psKind uint8

const (
	psChannel psKind = iota
	psPattern
	psShard // SSUBSCRIBE / SPUBLISH
	psKinds
)

var (
	psSubscribeWord   = [psKinds]string{"subscribe", "psubscribe", "ssubscribe"}
	psUnsubscribeWord = [psKinds]string{"unsubscribe", "punsubscribe", "sunsubscribe"}
	psMessageWord     = [psKinds]string{"message", "pmessage", "smessage"}
)

// psEntry is the registry's record of one channel or pattern.
type psEntry struct {
	name     []byte // the pattern, kept as bytes for GlobMatch
	total    int
	perShard []int32
}

type pubsub struct {
	srv *Server

	// active counts every subscription: PUBLISH skips the lock when zero.
	active atomic.Int64

	mu  sync.RWMutex
	reg [psKinds]map[string]*psEntry

	local []*psLocal // by shard id; each touched only by its shard's loop
	out   []psOutbox // by shard id; likewise
}

// psOutbox holds a shard's deliveries for other shards until its commit.
type psOutbox struct {
	byShard map[int][]*psDelivery
	order   []int // target shard ids, in first-use order
}

// psLocal is one shard's subscribers per channel (or pattern).
type psLocal struct {
	subs [psKinds]map[string]map[*conn]struct{}
}

// psConn is a connection's subscriptions and output-limit state.
type psConn struct {
	names     [psKinds]map[string]struct{}
	softSince int64 // unix ms when the output first passed the soft limit; 0: below
	closing   bool  // past the output limit: dropped, close scheduled
}

// subscribed reports whether the connection is in subscribed mode (any
// kind of subscription).
func (p *psConn) subscribed() bool {
	return p != nil && len(p.names[psChannel])+len(p.names[psPattern])+len(p.names[psShard]) > 0
}

// size is how many subscriptions of kind k the connection holds.
func (p *psConn) size(k psKind) int64 {
	if p == nil {
		return 0
	}
	return int64(len(p.names[k]))
}

// count is the number Redis reports after a (un)subscribe: channels plus
// patterns, or shard channels alone.
func (p *psConn) count(k psKind) int {
	if k == psShard {
		return len(p.names[psShard])
	}
	return len(p.names[psChannel]) + len(p.names[psPattern])
}

var pubsubs sync.Map // *Server -> *pubsub

func (srv *Server) pubsub() *pubsub {
	if ps, ok := pubsubs.Load(srv); ok {
		return ps.(*pubsub)
	}
	ps := &pubsub{srv: srv, local: make([]*psLocal, srv.n), out: make([]psOutbox, srv.n)}
	for k := range ps.reg {
		ps.reg[k] = map[string]*psEntry{}
	}
	for i := range ps.local {
		l := &psLocal{}
		for k := range l.subs {
			l.subs[k] = map[string]map[*conn]struct{}{}
		}
		ps.local[i] = l
	}
	got, _ := pubsubs.LoadOrStore(srv, ps)
	return got.(*pubsub)
}

// subscribe adds one subscription of cn (on shard s), if new.
func (ps *pubsub) subscribe(s *Shard, cn *conn, k psKind, name []byte) {
	if cn.sub == nil {
		cn.sub = &psConn{}
	}
	set := cn.sub.names[k]
	if set == nil {
		set = map[string]struct{}{}
		cn.sub.names[k] = set
	}
	key := string(name)
	if _, ok := set[key]; ok {
		return
	}
	set[key] = struct{}{}
	loc := ps.local[s.id].subs[k]
	conns := loc[key]
	if conns == nil {
		conns = map[*conn]struct{}{}
		loc[key] = conns
	}
	conns[cn] = struct{}{}
	ps.mu.Lock()
	e := ps.reg[k][key]
	if e == nil {
		e = &psEntry{name: []byte(key), perShard: make([]int32, len(ps.local))}
		ps.reg[k][key] = e
	}
	e.total++
	e.perShard[s.id]++
	ps.mu.Unlock()
	ps.active.Add(1)
}

// unsubscribe removes one subscription of cn, if it holds it.
func (ps *pubsub) unsubscribe(s *Shard, cn *conn, k psKind, key string) {
	if cn.sub == nil {
		return
	}
	if _, ok := cn.sub.names[k][key]; !ok {
		return
	}
	delete(cn.sub.names[k], key)
	loc := ps.local[s.id].subs[k]
	if conns := loc[key]; conns != nil {
		delete(conns, cn)
		if len(conns) == 0 {
			delete(loc, key)
		}
	}
	ps.mu.Lock()
	if e := ps.reg[k][key]; e != nil {
		e.total--
		e.perShard[s.id]--
		if e.total <= 0 {
			delete(ps.reg[k], key)
		}
	}
	ps.mu.Unlock()
	ps.active.Add(-1)
}

// list returns the connection's subscriptions of kind k, sorted (UNSUBSCRIBE without
// arguments answers in this order).
func (p *psConn) list(k psKind) []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.names[k]))
	for n := range p.names[k] {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// dropConn ends every subscription of cn without replies (RESET, close).
func (ps *pubsub) dropConn(s *Shard, cn *conn) {
	for k := psKind(0); k < psKinds; k++ {
		for _, n := range cn.sub.list(k) {
			ps.unsubscribe(s, cn, k, n)
		}
	}
	cn.sub = nil
}

// psDelivery is one published message on its way to a shard; shared
// read-only by every shard it is posted to.
type psDelivery struct {
	kind    psKind
	channel []byte
	msg     []byte
	pats    [][]byte // patterns that matched (plain channels only)
}

// publish sends msg to every subscriber of channel (and, for plain
// channels, of the patterns matching it) and returns how many receive it.
// It runs on origin's loop: origin's subscribers are written to inline.
func (ps *pubsub) publish(origin *Shard, k psKind, channel, msg []byte) int {
	if ps.active.Load() == 0 {
		return 0
	}
	var small [8]int
	targets := small[:0]
	mark := func(e *psEntry) {
		for i, n := range e.perShard {
			if n > 0 && !slices.Contains(targets, i) {
				targets = append(targets, i)
			}
		}
	}
	receivers := 0
	var pats [][]byte
	ps.mu.RLock()
	if e := ps.reg[k][string(channel)]; e != nil {
		receivers += e.total
		mark(e)
	}
	if k == psChannel {
		for _, e := range ps.reg[psPattern] {
			if config.GlobMatch(e.name, channel, false) {
				receivers += e.total
				pats = append(pats, e.name)
				mark(e)
			}
		}
	}
	ps.mu.RUnlock()
	if receivers == 0 {
		return 0
	}
	d := &psDelivery{kind: k, channel: slices.Clone(channel), msg: slices.Clone(msg), pats: pats}
	for _, id := range targets {
		if id == origin.id {
			ps.deliver(origin, d)
		} else {
			ps.queue(origin, id, d)
		}
	}
	return receivers
}

// queue holds d for shard id until origin's commit; the first delivery of
// an iteration schedules the flush.
func (ps *pubsub) queue(origin *Shard, id int, d *psDelivery) {
	ob := &ps.out[origin.id]
	if len(ob.order) == 0 {
		origin.afterCommit = append(origin.afterCommit, func() { ps.flushOut(origin) })
	}
	if ob.byShard == nil {
		ob.byShard = map[int][]*psDelivery{}
	}
	if len(ob.byShard[id]) == 0 {
		ob.order = append(ob.order, id)
	}
	ob.byShard[id] = append(ob.byShard[id], d)
}

// flushOut posts each target shard one message with its deliveries, in
// publish order.
func (ps *pubsub) flushOut(origin *Shard) {
	ob := &ps.out[origin.id]
	for _, id := range ob.order {
		ds := ob.byShard[id]
		delete(ob.byShard, id)
		ps.srv.shards[id].post(message{ctrl: true, fn: func(s *Shard) {
			for _, d := range ds {
				ps.deliver(s, d)
			}
		}})
	}
	ob.order = ob.order[:0]
}

// deliver writes d to this shard's subscribers.
func (ps *pubsub) deliver(s *Shard, d *psDelivery) {
	loc := ps.local[s.id]
	var frames [2][]byte // by protocol: RESP2, RESP3
	if conns := loc.subs[d.kind][string(d.channel)]; len(conns) > 0 {
		for cn := range conns {
			ps.push(s, cn, psFrame(&frames, cn.w.Proto, psMessageWord[d.kind], nil, d.channel, d.msg))
		}
	}
	for _, p := range d.pats {
		conns := loc.subs[psPattern][string(p)]
		if len(conns) == 0 {
			continue
		}
		frames = [2][]byte{}
		for cn := range conns {
			ps.push(s, cn, psFrame(&frames, cn.w.Proto, psMessageWord[psPattern], p, d.channel, d.msg))
		}
	}
}

// psFrame renders a message push once per protocol.
func psFrame(cache *[2][]byte, proto int, word string, pattern, channel, msg []byte) []byte {
	i := 0
	if proto >= 3 {
		i = 1
	}
	if cache[i] != nil {
		return cache[i]
	}
	var w resp.Writer
	w.Proto = proto
	if pattern != nil {
		w.Push(4)
		w.BulkString(word)
		w.Bulk(pattern)
	} else {
		w.Push(3)
		w.BulkString(word)
	}
	w.Bulk(channel)
	w.Bulk(msg)
	cache[i] = w.Bytes()
	return cache[i]
}

// push appends a message to cn's output, behind any reply still being
// produced elsewhere, then applies client-output-buffer-limit pubsub.
func (ps *pubsub) push(s *Shard, cn *conn, frame []byte) {
	if cn.closed || cn.sub == nil || cn.sub.closing {
		return
	}
	if len(cn.pending) == 0 {
		cn.wbuf = append(cn.wbuf, frame...)
		s.markDirty(cn)
	} else {
		var slot *replySlot
		if n := len(s.freeSlots); n > 0 {
			slot = s.freeSlots[n-1]
			s.freeSlots = s.freeSlots[:n-1]
		} else {
			slot = &replySlot{}
		}
		cn.queueBehind()
		slot.c, slot.drop, slot.done = cn, false, true
		slot.buf = append(slot.buf[:0], frame...)
		cn.pushPending(slot)
	}
	ps.checkLimit(s, cn)
}

// checkLimit disconnects a subscriber whose unsent output reached the hard
// limit, or stayed above the soft limit longer than its seconds, as Redis's
// checkClientOutputBufferLimits does for the pubsub class.
func (ps *pubsub) checkLimit(s *Shard, cn *conn) {
	lim := s.srv.config().ClientOutputBufferLimit[config.ClientClassPubSub]
	if lim.HardBytes == 0 && lim.SoftBytes == 0 {
		return
	}
	used := uint64(len(cn.wbuf))
	for _, p := range cn.pending {
		used += uint64(len(p.buf))
	}
	over := lim.HardBytes > 0 && used >= lim.HardBytes
	if !over && lim.SoftBytes > 0 && used >= lim.SoftBytes {
		if cn.sub.softSince == 0 {
			cn.sub.softSince = s.now
		} else if (s.now-cn.sub.softSince)/1000 > lim.SoftSeconds {
			over = true
		}
	} else if !over {
		cn.sub.softSince = 0
	}
	if !over {
		return
	}
	cn.sub.closing = true
	s.srv.log.Warn("Client scheduled to be closed ASAP for overcoming of output buffer limits.", "id", cn.id, "addr", cn.addr, "omem", used)
	cn.wbuf = nil
	// Closed from its own message: the connection may be the one whose
	// command is running now.
	s.post(message{ctrl: true, fn: func(s *Shard) { s.closeConn(cn) }})
}

// subscribedReject is the error for a command that a RESP2 connection in
// subscribed mode may not run ("" if allowed).
func subscribedReject(c *conn, cmd *Command, args [][]byte) string {
	if c.w.Proto != 2 || !c.sub.subscribed() {
		return ""
	}
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe", "punsubscribe", "quit", "reset":
		return ""
	}
	name := cmd.Name
	if parent := lookupCommand(args[0]); parent != nil && parent != cmd {
		name = parent.Name + "|" + cmd.Name
	}
	return "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// psCounts reports how many subscribers each name has in kind k.
func (ps *pubsub) psCounts(k psKind, names [][]byte) []int {
	out := make([]int, len(names))
	ps.mu.RLock()
	for i, n := range names {
		if e := ps.reg[k][string(n)]; e != nil {
			out[i] = e.total
		}
	}
	ps.mu.RUnlock()
	return out
}

// psNames lists the active names of kind k matching pattern (nil: all).
func (ps *pubsub) psNames(k psKind, pattern []byte) []string {
	ps.mu.RLock()
	out := make([]string, 0, len(ps.reg[k]))
	for n, e := range ps.reg[k] {
		if pattern == nil || config.GlobMatch(pattern, e.name, false) {
			out = append(out, n)
		}
	}
	ps.mu.RUnlock()
	slices.Sort(out)
	return out
}

// sizes counts the active channels, patterns and shard channels (INFO).
func (ps *pubsub) sizes() (chans, pats, shardChans int) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return len(ps.reg[psChannel]), len(ps.reg[psPattern]), len(ps.reg[psShard])
}

func (ps *pubsub) numPatterns() int {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return len(ps.reg[psPattern])
}

// keyspaceChannel builds __keyspace@<db>__:<key> or __keyevent@<db>__:<event>.
func keyspaceChannel(prefix string, dbi int, suffix []byte) []byte {
	b := make([]byte, 0, len(prefix)+len(suffix)+8)
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(dbi), 10)
	b = append(b, "__:"...)
	return append(b, suffix...)
}
