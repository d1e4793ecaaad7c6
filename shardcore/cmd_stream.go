package shardcore

import (
	"bytes"
	"math"
	"slices"
	"strconv"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/store"
	"github.com/keeldb/keel/shardcore/types"
)

func init() {
	const wdf = FlagWrite | FlagDenyOOM | FlagFast
	const rof = FlagReadonly | FlagFast
	key1 := func(name string, arity int, flags Flags, since, summary string, fn func(*Ctx)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Group: "stream", Since: since, Summary: summary, Fn: fn}
	}
	sub := func(name string, arity int, flags Flags, since, summary string, fn func(*Ctx)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 2, LastKey: 2, Step: 1, Group: "stream", Since: since, Summary: summary, Fn: fn}
	}
	register(
		key1("xadd", -5, wdf, "5.0.0", "Appends a new entry to a stream", cmdXadd),
		key1("xlen", 2, rof, "5.0.0", "Return the number of entries in a stream", cmdXlen),
		key1("xrange", -4, FlagReadonly, "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval", func(c *Ctx) { xrangeGeneric(c, false) }),
		key1("xrevrange", -4, FlagReadonly, "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", func(c *Ctx) { xrangeGeneric(c, true) }),
		key1("xdel", -3, FlagWrite|FlagFast, "5.0.0", "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", cmdXdel),
		key1("xtrim", -4, FlagWrite, "5.0.0", "Trims the stream to (approximately if '~' is passed) a certain size", cmdXtrim),
		key1("xsetid", -3, wdf, "5.0.0", "An internal command for replicating stream values", cmdXsetid),
		key1("xack", -4, FlagWrite|FlagFast, "5.0.0", "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", cmdXack),
		key1("xpending", -3, FlagReadonly, "5.0.0", "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", cmdXpending),
		key1("xclaim", -6, FlagWrite|FlagFast, "5.0.0", "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", cmdXclaim),
		key1("xautoclaim", -6, FlagWrite|FlagFast, "6.2.0", "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", cmdXautoclaim),
		&Command{Name: "xread", Arity: -4, Flags: FlagReadonly | FlagBlocking, Keys: xreadKeys, Group: "stream", Since: "5.0.0", Summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", Fn: func(c *Ctx) { xreadGeneric(c, false) }, Multi: multiXread},
		&Command{Name: "xreadgroup", Arity: -7, Flags: FlagWrite | FlagBlocking, Keys: xreadKeys, Group: "stream", Since: "5.0.0", Summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", Fn: func(c *Ctx) { xreadGeneric(c, true) }, Multi: multiXread},
		&Command{Name: "xgroup", Arity: -2, Group: "stream", Since: "5.0.0", Summary: "A container for consumer groups commands", Sub: subcommands(
			sub("create", -5, FlagWrite|FlagDenyOOM, "5.0.0", "Create a consumer group.", cmdXgroupCreate),
			sub("setid", -5, FlagWrite, "5.0.0", "Set a consumer group to an arbitrary last delivered ID value.", cmdXgroupSetid),
			sub("destroy", 4, FlagWrite, "5.0.0", "Destroy a consumer group.", cmdXgroupDestroy),
			sub("createconsumer", 5, FlagWrite|FlagDenyOOM, "6.2.0", "Create a consumer in a consumer group.", cmdXgroupCreateconsumer),
			sub("delconsumer", 5, FlagWrite, "5.0.0", "Delete a consumer from a consumer group.", cmdXgroupDelconsumer),
			&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "stream", Since: "5.0.0", Summary: "Show helpful text about the different subcommands", Fn: helpFn("XGROUP", xgroupHelp)},
		)},
		&Command{Name: "xinfo", Arity: -2, Group: "stream", Since: "5.0.0", Summary: "A container for stream introspection commands", Sub: subcommands(
			sub("stream", -3, FlagReadonly, "5.0.0", "Get information about a stream", cmdXinfoStream),
			sub("groups", 3, FlagReadonly, "5.0.0", "List the consumer groups of a stream", cmdXinfoGroups),
			sub("consumers", 4, FlagReadonly, "5.0.0", "List the consumers in a consumer group", cmdXinfoConsumers),
			&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagConn, Group: "stream", Since: "5.0.0", Summary: "Show helpful text about the different subcommands", Fn: helpFn("XINFO", xinfoHelp)},
		)},
	)
	restoreFuncs[store.TypeStream] = streamRestore
}

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
}

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
}

// Stream replies shared by several commands.
const (
	errStreamID       = "ERR Invalid stream ID specified as stream command argument"
	errXaddSmaller    = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errXaddZero       = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamExhaust  = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errIntervalStart  = "ERR invalid start ID for the interval"
	errIntervalEnd    = "ERR invalid end ID for the interval"
	errXgroupNeedsKey = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
)

// Words of the logged effects.
var (
	xEffXadd      = []byte("XADD")
	xEffXtrim     = []byte("XTRIM")
	xEffMaxlen    = []byte("MAXLEN")
	xEffEq        = []byte("=")
	xEffXclaim    = []byte("XCLAIM")
	xEffXgroup    = []byte("XGROUP")
	xEffSetid     = []byte("SETID")
	xEffCreate    = []byte("CREATE")
	xEffCreateCon = []byte("CREATECONSUMER")
	xEffMkstream  = []byte("MKSTREAM")
	xEffEntRead   = []byte("ENTRIESREAD")
	xEffTime      = []byte("TIME")
	xEffRetry     = []byte("RETRYCOUNT")
	xEffForce     = []byte("FORCE")
	xEffJustid    = []byte("JUSTID")
	xEffLastid    = []byte("LASTID")
	xEffZero      = []byte("0")
	xEffDel       = []byte("DEL")
	xEffXsetid    = []byte("XSETID")
	xEffEntAdded  = []byte("ENTRIESADDED")
	xEffMaxDel    = []byte("MAXDELETEDID")
	xEffXdel      = []byte("XDEL")
)

// parseU64 is Redis's string2ull: string2ll for what fits, strtoull for
// the rest of the unsigned range.
func parseU64(b []byte) (uint64, bool) {
	if n, ok := ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	if i < len(b) && b[i] == '+' {
		i++
	}
	if i == len(b) || b[i] < '0' || b[i] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:]), 10, 64)
	return n, err == nil
}

// parseStreamID is Redis's streamGenericParseIDOrReply: "ms-seq" or "ms"
// (seq = missingSeq); "-" and "+" unless strict; with seqGiven non-nil,
// "ms-*" leaves the sequence to be generated.
func parseStreamID(b []byte, missingSeq uint64, strict bool, seqGiven *bool) (types.StreamID, bool) {
	if seqGiven != nil {
		*seqGiven = true
	}
	if len(b) > 127 {
		return types.StreamID{}, false
	}
	if !strict && len(b) == 1 {
		switch b[0] {
		case '-':
			return types.StreamID{}, true
		case '+':
			return types.MaxStreamID, true
		}
	}
	msPart, seqPart, hasSeq := bytes.Cut(b, []byte("-"))
	ms, ok := parseU64(msPart)
	if !ok {
		return types.StreamID{}, false
	}
	if !hasSeq {
		return types.StreamID{Ms: ms, Seq: missingSeq}, true
	}
	if seqGiven != nil && len(seqPart) == 1 && seqPart[0] == '*' {
		*seqGiven = false
		return types.StreamID{Ms: ms}, true
	}
	seq, ok := parseU64(seqPart)
	return types.StreamID{Ms: ms, Seq: seq}, ok
}

// streamIDArg parses a strict ID, replying the error when invalid.
func streamIDArg(c *Ctx, b []byte) (types.StreamID, bool) {
	id, ok := parseStreamID(b, 0, true, nil)
	if !ok {
		c.Error(errStreamID)
	}
	return id, ok
}

// parseInterval is streamParseIntervalIDOrReply: "(" makes the bound
// exclusive (and the ID strict).
func parseInterval(b []byte, missingSeq uint64) (id types.StreamID, exclusive, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, ok = parseStreamID(b[1:], missingSeq, true, nil)
		return id, true, ok
	}
	id, ok = parseStreamID(b, missingSeq, false, nil)
	return id, false, ok
}

func writeStreamID(c *Ctx, id types.StreamID) {
	var buf [48]byte
	c.W.Bulk(id.Append(buf[:0]))
}

// idArg is id's text in a buffer of its own (41 bytes fit any ID), for
// arguments kept past the call.
func idArg(id types.StreamID) []byte { return id.Append(make([]byte, 0, 41)) }

// writeEntry replies [id, [field, value, ...]].
func writeEntry(c *Ctx, id types.StreamID, fields [][]byte) {
	c.W.Array(2)
	writeStreamID(c, id)
	c.W.Array(len(fields))
	for _, f := range fields {
		c.W.Bulk(f)
	}
}

// lookupStream finds key's stream: (nil, true) when missing, ok=false
// after a WRONGTYPE reply.
func lookupStream(c *Ctx, key []byte, write bool) (*types.Stream, bool) {
	return lookupObj[*types.Stream](c, key, store.TypeStream, write)
}

func streamLimits(c *Ctx) types.StreamLimits {
	cfg := c.S.srv.config()
	return types.StreamLimits{NodeMaxBytes: int(min(cfg.StreamNodeMaxBytes, math.MaxInt32)), NodeMaxEntries: int(min(cfg.StreamNodeMaxEntries, math.MaxInt32))}
}

// trimArgs are XADD's and XTRIM's trimming options.
type trimArgs struct {
	strategy   byte // 0 none, 'm' MAXLEN, 'i' MINID
	approx     bool
	maxLen     int64
	minID      types.StreamID
	limit      int64
	limitGiven bool
	noMkStream bool
	id         types.StreamID
	idGiven    bool
	seqGiven   bool
}

// parseAddTrim is streamParseAddOrTrimArgsOrReply: it returns the index of
// the ID argument for XADD (or of the first unparsed one for XTRIM), -1
// after an error reply.
func parseAddTrim(c *Ctx, a *trimArgs, xadd bool) int {
	i := 2
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		opt := c.Args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return i
		case strOptIs(opt, "maxlen") && more > 0, strOptIs(opt, "minid") && more > 0:
			if a.strategy != 0 {
				c.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return -1
			}
			next := c.Args[i+1]
			if more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.approx = next[0] == '~'
				i++
			}
			if strOptIs(opt, "maxlen") {
				n, ok := ParseInt(c.Args[i+1])
				if !ok {
					c.Error(errNotInt)
					return -1
				}
				if n < 0 {
					c.Error("ERR The MAXLEN argument must be >= 0.")
					return -1
				}
				a.strategy, a.maxLen = 'm', n
			} else {
				id, ok := streamIDArg(c, c.Args[i+1])
				if !ok {
					return -1
				}
				a.strategy, a.minID = 'i', id
			}
			i++
		case strOptIs(opt, "limit") && more > 0:
			n, ok := ParseInt(c.Args[i+1])
			if !ok {
				c.Error(errNotInt)
				return -1
			}
			if n < 0 {
				c.Error("ERR The LIMIT argument must be >= 0.")
				return -1
			}
			a.limit, a.limitGiven = n, true
			i++
		case xadd && strOptIs(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, ok := parseStreamID(opt, 0, true, &a.seqGiven)
			if !ok {
				c.Error(errStreamID)
				return -1
			}
			a.id, a.idGiven = id, true
			return i
		default:
			c.Error(errSyntax)
			return -1
		}
	}
	return i
}

// finishTrimArgs applies Redis's strategy and LIMIT rules once the options
// are read, in Redis's order.
func finishTrimArgs(c *Ctx, a *trimArgs, xadd bool) bool {
	if a.limit != 0 && a.strategy == 0 {
		c.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return false
	}
	if !xadd && a.strategy == 0 {
		c.Error("ERR syntax error, XTRIM must be called with a trimming strategy")
		return false
	}
	if a.limitGiven {
		if !a.approx {
			c.Error("ERR syntax error, LIMIT cannot be used without the special ~ option")
			return false
		}
		return true
	}
	if a.approx {
		a.limit = 100 * c.S.srv.config().StreamNodeMaxEntries
		if a.limit <= 0 || a.limit > 1000000 {
			a.limit = 10000
		}
	} else {
		a.limit = 0
	}
	return true
}

// applyTrim trims s as a says and returns the entries removed.
func applyTrim(s *types.Stream, a *trimArgs) int {
	limit := int(min(a.limit, math.MaxInt32))
	switch a.strategy {
	case 'm':
		return s.TrimMaxLen(int(min(a.maxLen, math.MaxInt)), a.approx, limit)
	case 'i':
		return s.TrimMinID(a.minID, a.approx, limit)
	}
	return 0
}

// trimEffect is the deterministic form of a trim: the same prefix removed.
func trimEffect(key []byte, s *types.Stream) [][]byte {
	return [][]byte{xEffXtrim, key, xEffMaxlen, xEffEq, strconv.AppendInt(nil, int64(s.Len()), 10)}
}

func cmdXadd(c *Ctx) {
	var a trimArgs
	idPos := parseAddTrim(c, &a, true)
	if idPos < 0 || !finishTrimArgs(c, &a, true) {
		return
	}
	nf := len(c.Args) - idPos - 1
	if nf < 2 || nf%2 == 1 {
		c.Error(errArity("xadd"))
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.Error(errXaddZero)
		return
	}
	key := c.Args[1]
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.W.Null()
			return
		}
	} else if s.LastID == types.MaxStreamID {
		c.Error(errStreamExhaust)
		return
	}
	last := types.StreamID{}
	if s != nil {
		last = s.LastID
	}
	var id types.StreamID
	switch {
	case a.idGiven && a.seqGiven:
		id = a.id
	case a.idGiven:
		id = a.id
		if a.id.Ms == last.Ms {
			if last.Seq == math.MaxUint64 {
				c.Error(errXaddSmaller)
				return
			}
			id = types.StreamID{Ms: last.Ms, Seq: last.Seq + 1}
		}
	default:
		if ms := uint64(max(c.Now, 0)); ms > last.Ms {
			id = types.StreamID{Ms: ms}
		} else {
			id, _ = last.Incr()
		}
	}
	if id.Cmp(last) <= 0 {
		c.Error(errXaddSmaller)
		return
	}
	if s == nil {
		s = types.NewStream()
		c.Set(key, store.Entry{Type: store.TypeStream, Obj: s})
	}
	fields := c.Args[idPos+1:]
	s.Add(id, fields, streamLimits(c))
	c.Dirty(1)
	// The ID's text serves both the reply and the logged effect.
	idText := idArg(id)
	c.W.Bulk(idText)
	c.Notify(config.NotifyStream, "xadd", key)
	eff := make([][]byte, 0, 3+len(fields))
	c.Effect(append(append(eff, xEffXadd, key, idText), fields...)...)
	if applyTrim(s, &a) > 0 {
		c.Notify(config.NotifyStream, "xtrim", key)
		c.Effect(trimEffect(key, s)...)
	}
}

func cmdXlen(c *Ctx) {
	s, ok := lookupStream(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func xrangeGeneric(c *Ctx, rev bool) {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, startEx, ok := parseInterval(startArg, 0)
	if !ok {
		c.Error(errStreamID)
		return
	}
	if startEx {
		if start, ok = start.Incr(); !ok {
			c.Error(errIntervalStart)
			return
		}
	}
	end, endEx, ok := parseInterval(endArg, math.MaxUint64)
	if !ok {
		c.Error(errStreamID)
		return
	}
	if endEx {
		if end, ok = end.Decr(); !ok {
			c.Error(errIntervalEnd)
			return
		}
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if strOptIs(c.Args[j], "count") && j+1 < len(c.Args) {
			n, ok := ParseInt(c.Args[j+1])
			if !ok {
				c.Error(errNotInt)
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.Error(errSyntax)
		return
	}
	s, ok := lookupStream(c, c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Array(0)
		return
	}
	if count == 0 {
		c.W.NullArray()
		return
	}
	replyRange(c, s, start, end, count, rev)
}

// replyRange replies the entries in [start, end], at most count (-1: all).
func replyRange(c *Ctx, s *types.Stream, start, end types.StreamID, count int64, rev bool) {
	var n int64
	mark := c.W.Len()
	c.W.Array(0)
	body := c.W.Len()
	s.Range(start, end, rev, func(id types.StreamID, fields [][]byte) bool {
		writeEntry(c, id, fields)
		n++
		return count < 0 || n < count
	})
	patchArrayLen(c, mark, body, n)
}

// patchArrayLen rewrites the "*0" header written at mark to n elements.
func patchArrayLen(c *Ctx, mark, body int, n int64) {
	if n == 0 {
		return
	}
	tail := append([]byte(nil), c.W.Bytes()[body:]...)
	c.W.Truncate(mark)
	c.W.Array(int(n))
	c.W.Raw(tail)
}

func cmdXdel(c *Ctx) {
	key := c.Args[1]
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	ids := make([]types.StreamID, 0, len(c.Args)-2)
	for _, b := range c.Args[2:] {
		id, ok := streamIDArg(c, b)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted := 0
	for _, id := range ids {
		if s.Delete(id) {
			deleted++
		}
	}
	if deleted > 0 {
		c.Dirty(deleted)
		c.Notify(config.NotifyStream, "xdel", key)
	}
	c.W.Int(int64(deleted))
}

func cmdXtrim(c *Ctx) {
	key := c.Args[1]
	var a trimArgs
	i := parseAddTrim(c, &a, false)
	if i < 0 {
		return
	}
	if !finishTrimArgs(c, &a, false) {
		return
	}
	if i < len(c.Args) {
		c.Error(errSyntax)
		return
	}
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	n := applyTrim(s, &a)
	if n > 0 {
		c.Dirty(n)
		c.Notify(config.NotifyStream, "xtrim", key)
		c.Effect(trimEffect(key, s)...)
	}
	c.W.Int(int64(n))
}

func cmdXsetid(c *Ctx) {
	id, ok := streamIDArg(c, c.Args[2])
	if !ok {
		return
	}
	var maxDel types.StreamID
	entriesAdded := int64(-1)
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch {
		case strOptIs(c.Args[i], "entriesadded") && more > 0:
			n, ok := ParseInt(c.Args[i+1])
			if !ok {
				c.Error(errNotInt)
				return
			}
			if n < 0 {
				c.Error("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case strOptIs(c.Args[i], "maxdeletedid") && more > 0:
			if maxDel, ok = streamIDArg(c, c.Args[i+1]); !ok {
				return
			}
			if id.Cmp(maxDel) < 0 {
				c.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
		default:
			c.Error(errSyntax)
			return
		}
	}
	key := c.Args[1]
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.Error(errNoSuchKey)
		return
	}
	if id.Cmp(s.MaxDeletedID) < 0 {
		c.Error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
		return
	}
	if s.Len() > 0 {
		top, _ := s.LastEntryID()
		if id.Cmp(top) < 0 {
			c.Error("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && int64(s.Len()) > entriesAdded {
			c.Error("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		s.MaxDeletedID = maxDel
	}
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xsetid", key)
	c.OK()
}

// xreadKeys returns the key positions of XREAD/XREADGROUP: the first half
// of the arguments after STREAMS.
func xreadKeys(args [][]byte) []int {
	for i := 1; i < len(args); i++ {
		switch {
		case strOptIs(args[i], "streams"):
			n := (len(args) - i - 1) / 2
			pos := make([]int, n)
			for k := range pos {
				pos[k] = i + 1 + k
			}
			return pos
		case strOptIs(args[i], "block"), strOptIs(args[i], "count"):
			i++
		case strOptIs(args[i], "group"):
			i += 2
		}
	}
	return nil
}

// xreadArgs are the options of XREAD/XREADGROUP.
type xreadArgs struct {
	count      int64
	block      bool
	blockMs    int64 // BLOCK's timeout; 0: forever
	noAck      bool
	group      []byte
	consumer   []byte
	streamsArg int
	nStreams   int
}

// parseXread reads the options; false after an error reply.
func parseXread(args [][]byte, group bool, reply func(string)) (xreadArgs, bool) {
	a := xreadArgs{}
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		o := args[i]
		switch {
		case strOptIs(o, "block") && more > 0:
			i++
			n, ok := ParseInt(args[i])
			if !ok {
				reply("ERR timeout is not an integer or out of range")
				return a, false
			}
			if n < 0 {
				reply("ERR timeout is negative")
				return a, false
			}
			a.block, a.blockMs = true, n
		case strOptIs(o, "count") && more > 0:
			i++
			n, ok := ParseInt(args[i])
			if !ok {
				reply(errNotInt)
				return a, false
			}
			a.count = max(n, 0)
		case strOptIs(o, "streams") && more > 0:
			a.streamsArg = i + 1
			n := len(args) - a.streamsArg
			if n%2 != 0 {
				reply("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return a, false
			}
			a.nStreams = n / 2
			i = len(args)
		case strOptIs(o, "group") && more >= 2:
			if !group {
				reply("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.group, a.consumer = args[i+1], args[i+2]
			i += 2
		case strOptIs(o, "noack"):
			if !group {
				reply("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.noAck = true
		default:
			reply(errSyntax)
			return a, false
		}
	}
	if a.streamsArg == 0 {
		reply(errSyntax)
		return a, false
	}
	if group && a.group == nil {
		reply("ERR Missing GROUP option for XREADGROUP")
		return a, false
	}
	return a, true
}

// xreadItem is one stream of a read: where to start and for groups which
// group (and whether to serve the consumer's history).
type xreadItem struct {
	key     []byte
	s       *types.Stream
	g       *types.StreamGroup
	after   types.StreamID
	newOnly bool // ">"
}

// xreadPrepare checks one stream of a read as Redis does (type, group, ID)
// and returns where to read from, or the error reply (WRONGTYPE is
// already written).
func xreadPrepare(c *Ctx, a *xreadArgs, key, idArg []byte, group bool) (xreadItem, string) {
	s, ok := lookupStream(c, key, group)
	if !ok {
		return xreadItem{}, errWrongType
	}
	it := xreadItem{key: key, s: s}
	if group {
		if s != nil {
			it.g = s.Group(string(a.group))
		}
		if it.g == nil {
			return it, "NOGROUP No such key '" + string(key) + "' or consumer group '" + string(a.group) + "' in XREADGROUP with GROUP option"
		}
	}
	switch {
	case len(idArg) == 1 && idArg[0] == '$':
		if group {
			return it, "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
		}
		if s != nil {
			it.after = s.LastID
		}
	case len(idArg) == 1 && idArg[0] == '>':
		if !group {
			return it, "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
		}
		it.newOnly = true
	default:
		id, ok := parseStreamID(idArg, 0, true, nil)
		if !ok {
			return it, errStreamID
		}
		it.after = id
	}
	return it, ""
}

func xreadGeneric(c *Ctx, group bool) {
	a, ok := parseXread(c.Args, group, c.Error)
	if !ok {
		return
	}
	items := make([]xreadItem, a.nStreams)
	for k := range items {
		it, errMsg := xreadPrepare(c, &a, c.Args[a.streamsArg+k], c.Args[a.streamsArg+a.nStreams+k], group)
		if errMsg != "" {
			if errMsg != errWrongType {
				c.Error(errMsg)
			}
			return
		}
		items[k] = it
	}
	served := 0
	mark := c.W.Len()
	c.W.Array(0)
	body := c.W.Len()
	for _, it := range items {
		if it.s == nil {
			continue
		}
		if !group {
			top, ok := it.s.LastEntryID()
			if !ok || top.Cmp(it.after) <= 0 {
				continue
			}
			served++
			if c.Proto() < 3 {
				c.W.Array(2)
			}
			c.W.Bulk(it.key)
			start, _ := it.after.Incr()
			replyRange(c, it.s, start, types.MaxStreamID, nonZeroCount(a.count), false)
			continue
		}
		serve, history := !it.newOnly, !it.newOnly
		if it.newOnly {
			if top, ok := it.s.LastEntryID(); ok && top.Cmp(it.g.LastID) > 0 {
				serve = true
				it.after = it.g.LastID
			}
		}
		if !serve {
			continue
		}
		consumer := groupConsumer(c, it.key, it.g, string(a.consumer))
		consumer.SeenTime = c.Now
		served++
		if c.Proto() < 3 {
			c.W.Array(2)
		}
		c.W.Bulk(it.key)
		start, _ := it.after.Incr()
		if history {
			replyConsumerHistory(c, it.key, it.s, it.g, consumer, start, a.count)
		} else {
			deliverNew(c, it.key, it.s, it.g, consumer, start, a.count, a.noAck)
		}
	}
	if served > 0 {
		rest := append([]byte(nil), c.W.Bytes()[body:]...)
		c.W.Truncate(mark)
		if c.Proto() >= 3 {
			c.W.Map(served)
		} else {
			c.W.Array(served)
		}
		c.W.Raw(rest)
		return
	}
	// Nothing to serve. A blocking call outside MULTI parks instead
	// (cmd_blocking_stream.go); inside MULTI it never blocks.
	c.W.Truncate(mark)
	c.W.NullArray()
}

func nonZeroCount(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// groupConsumer returns consumer name of g, creating (and logging) it.
func groupConsumer(c *Ctx, key []byte, g *types.StreamGroup, name string) *types.StreamConsumer {
	cons, created := g.CreateConsumer(name, c.Now)
	if created {
		c.Dirty(1)
		c.Effect(xEffXgroup, xEffCreateCon, key, []byte(g.Name), []byte(name))
		c.Notify(config.NotifyStream, "xgroup-createconsumer", key)
	}
	return cons
}

// claimEffect is the XCLAIM record Redis propagates for a delivery: it
// recreates pending entry p exactly on replay.
func claimEffect(c *Ctx, key []byte, g *types.StreamGroup, p *types.StreamNACK) {
	c.Effect(xEffXclaim, key, []byte(g.Name), []byte(p.Consumer.Name), xEffZero, idArg(p.ID),
		xEffTime, strconv.AppendInt(nil, p.DeliveryTime, 10), xEffRetry, strconv.AppendUint(nil, p.DeliveryCount, 10),
		xEffForce, xEffJustid, xEffLastid, idArg(g.LastID))
}

// setidEffect logs the group's last-delivered ID and read counter.
func setidEffect(c *Ctx, key []byte, g *types.StreamGroup) {
	c.Effect(xEffXgroup, xEffSetid, key, []byte(g.Name), idArg(g.LastID), xEffEntRead, strconv.AppendInt(nil, g.EntriesRead, 10))
}

// deliverNew serves new entries to a consumer: they join the PELs (unless
// noAck) and the group's last-delivered ID moves.
func deliverNew(c *Ctx, key []byte, s *types.Stream, g *types.StreamGroup, cons *types.StreamConsumer, start types.StreamID, count int64, noAck bool) {
	var n int64
	moved := false
	mark := c.W.Len()
	c.W.Array(0)
	body := c.W.Len()
	var delivered []types.StreamID
	s.Range(start, types.MaxStreamID, false, func(id types.StreamID, fields [][]byte) bool {
		if id.Cmp(g.LastID) > 0 {
			if g.EntriesRead != -1 && !s.RangeHasTombstones(id, types.MaxStreamID) {
				g.EntriesRead++
			} else if s.EntriesAdded > 0 {
				g.EntriesRead = s.EstimateEntriesRead(id)
			}
			g.LastID = id
			moved = true
		}
		writeEntry(c, id, fields)
		if !noAck {
			delivered = append(delivered, id)
		}
		n++
		return count <= 0 || n < count
	})
	patchArrayLen(c, mark, body, n)
	for _, id := range delivered {
		p := g.FindPending(id)
		if p == nil {
			p = g.AddPending(id, cons, c.Now)
		} else {
			g.Assign(p, cons)
			p.DeliveryTime, p.DeliveryCount = c.Now, 1
		}
		cons.ActiveTime = c.Now
		claimEffect(c, key, g, p)
	}
	if moved {
		setidEffect(c, key, g)
	}
	if moved || len(delivered) > 0 {
		c.Dirty(1)
	}
}

// replyConsumerHistory serves a consumer's own pending entries from start;
// deleted entries come back with a null body.
func replyConsumerHistory(c *Ctx, key []byte, s *types.Stream, g *types.StreamGroup, cons *types.StreamConsumer, start types.StreamID, count int64) {
	pel := cons.Pending()
	i := 0
	for i < len(pel) && pel[i].ID.Cmp(start) < 0 {
		i++
	}
	end := len(pel)
	if count > 0 {
		end = min(end, i+int(min(count, math.MaxInt32)))
	}
	c.W.Array(end - i)
	for _, p := range pel[i:end] {
		fields, ok := s.Get(p.ID)
		if !ok {
			c.W.Array(2)
			writeStreamID(c, p.ID)
			c.W.NullArray()
			continue
		}
		writeEntry(c, p.ID, fields)
		p.DeliveryTime = c.Now
		p.DeliveryCount++
		claimEffect(c, key, g, p)
		c.Dirty(1)
	}
}

// multiXread serves XREAD/XREADGROUP over keys on several shards: each
// stream is read on its shard, in order, and the parts are joined.
func multiXread(m *Multi) {
	group := strOptIs(m.Args[0], "xreadgroup")
	var errMsg string
	a, ok := parseXread(m.Args, group, func(s string) { errMsg = s })
	if !ok {
		m.W.Error(errMsg)
		return
	}
	// Every stream is checked before any is read, so that an error leaves
	// no delivery behind (as in Redis, which checks them all first).
	for k := 0; k < a.nStreams; k++ {
		key, idArg := m.Args[a.streamsArg+k], m.Args[a.streamsArg+a.nStreams+k]
		errMsg := m.On(m.srv.shardOf(key), func(c *Ctx) any {
			_, e := xreadPrepare(c, &a, key, idArg, group)
			return e
		}).(string)
		if errMsg != "" {
			m.W.Error(errMsg)
			return
		}
	}
	head := m.Args[:a.streamsArg]
	var parts [][]byte
	for k := 0; k < a.nStreams; k++ {
		key := m.Args[a.streamsArg+k]
		args := append(append([][]byte(nil), head...), key, m.Args[a.streamsArg+a.nStreams+k])
		raw := m.Run(m.srv.shardOf(key), args)
		if len(raw) == 0 {
			m.W.Error("ERR internal error combining replies")
			return
		}
		if raw[0] == '-' {
			m.W.Raw(raw)
			return
		}
		if raw[0] == '_' || bytes.HasPrefix(raw, []byte("*-1\r\n")) {
			continue
		}
		// Drop the one-element header ("*1" or "%1") of the part.
		parts = append(parts, raw[bytes.Index(raw, []byte("\r\n"))+2:])
	}
	if len(parts) == 0 {
		m.W.NullArray()
		return
	}
	if m.W.Proto >= 3 {
		m.W.Map(len(parts))
	} else {
		m.W.Array(len(parts))
	}
	for _, p := range parts {
		m.W.Raw(p)
	}
}

// lookupGroup finds key's stream and group name, replying NOGROUP (with
// Redis's text for the command) when either is missing.
func lookupGroup(c *Ctx, key, name []byte, write bool) (*types.Stream, *types.StreamGroup, bool) {
	s, ok := lookupStream(c, key, write)
	if !ok {
		return nil, nil, false
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(name))
	}
	if g == nil {
		c.Error("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(name) + "'")
		return nil, nil, false
	}
	return s, g, true
}

func cmdXack(c *Ctx) {
	s, ok := lookupStream(c, c.Args[1], true)
	if !ok {
		return
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(c.Args[2]))
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	ids := make([]types.StreamID, 0, len(c.Args)-3)
	for _, b := range c.Args[3:] {
		id, ok := streamIDArg(c, b)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	n := 0
	for _, id := range ids {
		if g.Ack(id) {
			n++
		}
	}
	c.Dirty(n)
	c.W.Int(int64(n))
}

func cmdXpending(c *Ctx) {
	argc := len(c.Args)
	if argc != 3 && (argc < 6 || argc > 9) {
		c.Error(errSyntax)
		return
	}
	var start, end types.StreamID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		si := 3
		if strOptIs(c.Args[3], "idle") {
			n, ok := ParseInt(c.Args[4])
			if !ok {
				c.Error(errNotInt)
				return
			}
			minIdle = n
			if argc < 8 {
				c.Error(errSyntax)
				return
			}
			si += 2
		}
		n, ok := ParseInt(c.Args[si+2])
		if !ok {
			c.Error(errNotInt)
			return
		}
		count = max(n, 0)
		var ex bool
		if start, ex, ok = parseInterval(c.Args[si], 0); !ok {
			c.Error(errStreamID)
			return
		}
		if ex {
			if start, ok = start.Incr(); !ok {
				c.Error(errIntervalStart)
				return
			}
		}
		if end, ex, ok = parseInterval(c.Args[si+1], math.MaxUint64); !ok {
			c.Error(errStreamID)
			return
		}
		if ex {
			if end, ok = end.Decr(); !ok {
				c.Error(errIntervalEnd)
				return
			}
		}
		if si+3 < argc {
			consumerName = c.Args[si+3]
		}
	}
	_, g, ok := lookupGroup(c, c.Args[1], c.Args[2], false)
	if !ok {
		return
	}
	pel := g.Pending()
	if argc == 3 {
		c.W.Array(4)
		c.W.Int(int64(len(pel)))
		if len(pel) == 0 {
			c.W.Null()
			c.W.Null()
			c.W.NullArray()
			return
		}
		writeStreamID(c, pel[0].ID)
		writeStreamID(c, pel[len(pel)-1].ID)
		n := 0
		for _, cons := range g.Consumers() {
			if len(cons.Pending()) > 0 {
				n++
			}
		}
		c.W.Array(n)
		for _, cons := range g.Consumers() {
			if k := len(cons.Pending()); k > 0 {
				c.W.Array(2)
				c.W.BulkString(cons.Name)
				c.W.BulkInt(int64(k))
			}
		}
		return
	}
	if consumerName != nil {
		cons := g.Consumer(string(consumerName))
		if cons == nil {
			c.W.Array(0)
			return
		}
		pel = cons.Pending()
	}
	var out []*types.StreamNACK
	for i := 0; i < len(pel) && int64(len(out)) < count; i++ {
		p := pel[i]
		if p.ID.Cmp(start) < 0 {
			continue
		}
		if p.ID.Cmp(end) > 0 {
			break
		}
		if minIdle != 0 && c.Now-p.DeliveryTime < minIdle {
			continue
		}
		out = append(out, p)
	}
	c.W.Array(len(out))
	for _, p := range out {
		c.W.Array(4)
		writeStreamID(c, p.ID)
		c.W.BulkString(p.Consumer.Name)
		c.W.Int(max(c.Now-p.DeliveryTime, 0))
		c.W.Int(int64(p.DeliveryCount))
	}
}

func cmdXclaim(c *Ctx) {
	key := c.Args[1]
	s, g, ok := lookupGroup(c, key, c.Args[2], true)
	if !ok {
		return
	}
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	var ids []types.StreamID
	for ; j < len(c.Args); j++ {
		id, ok := parseStreamID(c.Args[j], 0, true, nil)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	deliveryTime, retryCount := int64(-1), int64(-1)
	var force, justID bool
	var lastID types.StreamID
	for ; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		opt := c.Args[j]
		switch {
		case strOptIs(opt, "force"):
			force = true
		case strOptIs(opt, "justid"):
			justID = true
		case strOptIs(opt, "idle") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = c.Now - n
		case strOptIs(opt, "time") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case strOptIs(opt, "retrycount") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case strOptIs(opt, "lastid") && more > 0:
			j++
			if lastID, ok = streamIDArg(c, c.Args[j]); !ok {
				return
			}
		default:
			c.Error("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > c.Now {
		deliveryTime = c.Now
	}
	setLast := false
	if lastID.Cmp(g.LastID) > 0 {
		g.LastID = lastID
		setLast = true
		c.Dirty(1)
	}
	var cons *types.StreamConsumer
	claimed := 0
	mark := c.W.Len()
	c.W.Array(0)
	body := c.W.Len()
	for _, id := range ids {
		p := g.FindPending(id)
		if !s.Exists(id) {
			if p != nil {
				claimEffect(c, key, g, p)
				setLast = false
				g.Ack(id)
				c.Dirty(1)
			}
			continue
		}
		fresh := false
		if force && p == nil {
			fresh = true
		}
		if p == nil && !fresh {
			continue
		}
		if !fresh && minIdle > 0 && c.Now-p.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = groupConsumer(c, key, g, string(c.Args[3]))
			cons.SeenTime = c.Now
		}
		if fresh {
			p = g.AddPending(id, cons, deliveryTime)
		} else {
			g.Assign(p, cons)
		}
		p.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			p.DeliveryCount = uint64(retryCount)
		} else if !justID {
			p.DeliveryCount++
		}
		if justID {
			writeStreamID(c, id)
		} else {
			fields, _ := s.Get(id)
			writeEntry(c, id, fields)
		}
		claimed++
		claimEffect(c, key, g, p)
		setLast = false
		c.Dirty(1)
	}
	patchArrayLen(c, mark, body, int64(claimed))
	if setLast {
		c.Effect(xEffXgroup, xEffSetid, key, []byte(g.Name), idArg(g.LastID), xEffEntRead, strconv.AppendInt(nil, g.EntriesRead, 10))
	}
}

func cmdXautoclaim(c *Ctx) {
	key := c.Args[1]
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := parseInterval(c.Args[5], 0)
	if !ok {
		c.Error(errStreamID)
		return
	}
	if ex {
		if start, ok = start.Incr(); !ok {
			c.Error(errIntervalStart)
			return
		}
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case strOptIs(c.Args[j], "count") && more > 0:
			n, ok := ParseInt(c.Args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.Error("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case strOptIs(c.Args[j], "justid"):
			justID = true
		default:
			c.Error(errSyntax)
			return
		}
	}
	s, g, ok := lookupGroup(c, key, c.Args[2], true)
	if !ok {
		return
	}
	attempts := count * 10
	var cons *types.StreamConsumer
	var deleted []types.StreamID
	claimed := 0
	mark := c.W.Len()
	c.W.Array(0)
	body := c.W.Len()
	i := g.PendingFrom(start)
	for ; attempts > 0 && count > 0 && i < len(g.Pending()); attempts-- {
		p := g.Pending()[i]
		if !s.Exists(p.ID) {
			claimEffect(c, key, g, p)
			deleted = append(deleted, p.ID)
			g.Ack(p.ID)
			c.Dirty(1)
			count--
			continue
		}
		i++
		if minIdle > 0 && c.Now-p.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = groupConsumer(c, key, g, string(c.Args[3]))
			cons.SeenTime = c.Now
		}
		g.Assign(p, cons)
		p.DeliveryTime = c.Now
		if !justID {
			p.DeliveryCount++
		}
		if justID {
			writeStreamID(c, p.ID)
		} else {
			fields, _ := s.Get(p.ID)
			writeEntry(c, p.ID, fields)
		}
		claimed++
		count--
		claimEffect(c, key, g, p)
		c.Dirty(1)
	}
	entries := append([]byte(nil), c.W.Bytes()[body:]...)
	c.W.Truncate(mark)
	c.W.Array(3)
	next := types.StreamID{}
	if i < len(g.Pending()) {
		next = g.Pending()[i].ID
	}
	writeStreamID(c, next)
	c.W.Array(claimed)
	c.W.Raw(entries)
	c.W.Array(len(deleted))
	for _, id := range deleted {
		writeStreamID(c, id)
	}
}

// parseEntriesRead reads an ENTRIESREAD value (>= 0 or -1).
func parseEntriesRead(c *Ctx, b []byte) (int64, bool) {
	n, ok := ParseInt(b)
	if !ok {
		c.Error(errNotInt)
		return 0, false
	}
	if n < 0 && n != -1 {
		c.Error("ERR value for ENTRIESREAD must be positive or -1")
		return 0, false
	}
	return n, true
}

func xinfoSyntaxErr(c *Ctx) {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + sanitize(c.Args[1], 128) + "'. Try XINFO HELP.")
}

func xgroupSyntaxErr(c *Ctx) {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + sanitize(c.Args[1], 128) + "'. Try XGROUP HELP.")
}

// xgroupTarget looks up key and group for XGROUP's subcommands with
// Redis's checks and errors; g is nil when the group does not exist.
func xgroupTarget(c *Ctx, mkstream, needGroup bool) (*types.Stream, *types.StreamGroup, bool) {
	s, ok := lookupStream(c, c.Args[2], true)
	if !ok {
		return nil, nil, false
	}
	if s == nil && !mkstream {
		c.Error(errXgroupNeedsKey)
		return nil, nil, false
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(c.Args[3]))
	}
	if g == nil && needGroup {
		c.Error("NOGROUP No such consumer group '" + string(c.Args[3]) + "' for key name '" + string(c.Args[2]) + "'")
		return nil, nil, false
	}
	return s, g, true
}

func cmdXgroupCreate(c *Ctx) {
	mkstream := false
	entriesRead := int64(-1)
	for i := 5; i < len(c.Args); {
		switch {
		case strOptIs(c.Args[i], "mkstream"):
			mkstream = true
			i++
		case strOptIs(c.Args[i], "entriesread") && i+1 < len(c.Args):
			n, ok := parseEntriesRead(c, c.Args[i+1])
			if !ok {
				return
			}
			entriesRead = n
			i += 2
		default:
			xgroupSyntaxErr(c)
			return
		}
	}
	s, _, ok := xgroupTarget(c, mkstream, false)
	if !ok {
		return
	}
	if len(c.Args) > 8 {
		xgroupSyntaxErr(c)
		return
	}
	var id types.StreamID
	if len(c.Args[4]) == 1 && c.Args[4][0] == '$' {
		if s != nil {
			id = s.LastID
		}
	} else if id, ok = streamIDArg(c, c.Args[4]); !ok {
		return
	}
	key := c.Args[2]
	if s == nil {
		s = types.NewStream()
		c.Set(key, store.Entry{Type: store.TypeStream, Obj: s})
	}
	if s.CreateGroup(string(c.Args[3]), id, entriesRead) == nil {
		c.Error("BUSYGROUP Consumer Group name already exists")
		return
	}
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xgroup-create", key)
	// "$" is resolved for the log; MKSTREAM is harmless when the key exists.
	c.Effect(xEffXgroup, xEffCreate, key, c.Args[3], idArg(id), xEffEntRead, strconv.AppendInt(nil, entriesRead, 10), xEffMkstream)
	c.OK()
}

func cmdXgroupSetid(c *Ctx) {
	s, g, ok := xgroupTarget(c, false, true)
	if !ok {
		return
	}
	if len(c.Args) != 5 && len(c.Args) != 7 {
		xgroupSyntaxErr(c)
		return
	}
	var id types.StreamID
	if len(c.Args[4]) == 1 && c.Args[4][0] == '$' {
		id = s.LastID
	} else if id, ok = parseStreamID(c.Args[4], 0, false, nil); !ok {
		c.Error(errStreamID)
		return
	}
	entriesRead := int64(-1)
	if len(c.Args) == 7 {
		if !strOptIs(c.Args[5], "entriesread") {
			xgroupSyntaxErr(c)
			return
		}
		n, ok := ParseInt(c.Args[6])
		if !ok {
			c.Error(errNotInt)
			return
		}
		if n < 0 && n != -1 {
			c.Error("ERR value for ENTRIESREAD must be positive or -1")
			return
		}
		entriesRead = n
	}
	g.LastID, g.EntriesRead = id, entriesRead
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xgroup-setid", c.Args[2])
	setidEffect(c, c.Args[2], g)
	c.OK()
}

func cmdXgroupDestroy(c *Ctx) {
	s, g, ok := xgroupTarget(c, false, false)
	if !ok {
		return
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	s.DestroyGroup(g.Name)
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xgroup-destroy", c.Args[2])
	c.W.Int(1)
}

func cmdXgroupCreateconsumer(c *Ctx) {
	_, g, ok := xgroupTarget(c, false, true)
	if !ok {
		return
	}
	if _, created := g.CreateConsumer(string(c.Args[4]), c.Now); !created {
		c.W.Int(0)
		return
	}
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xgroup-createconsumer", c.Args[2])
	c.W.Int(1)
}

func cmdXgroupDelconsumer(c *Ctx) {
	_, g, ok := xgroupTarget(c, false, true)
	if !ok {
		return
	}
	n := g.DeleteConsumer(string(c.Args[4]))
	if n < 0 {
		c.W.Int(0)
		return
	}
	c.Dirty(1)
	c.Notify(config.NotifyStream, "xgroup-delconsumer", c.Args[2])
	c.W.Int(int64(n))
}

// writeField writes a map key for XINFO replies (a map in RESP3, a flat
// array in RESP2: the caller wrote the header with c.W.Map).
func writeField(c *Ctx, name string) { c.W.BulkString(name) }

func cmdXinfoStream(c *Ctx) {
	s, ok := lookupStream(c, c.Args[2], false)
	if !ok {
		return
	}
	if s == nil {
		c.Error(errNoSuchKey)
		return
	}
	full := false
	count := int64(10)
	if len(c.Args) > 3 {
		if !strOptIs(c.Args[3], "full") {
			xinfoSyntaxErr(c)
			return
		}
		full = true
		if len(c.Args) == 6 && strOptIs(c.Args[4], "count") {
			n, ok := ParseInt(c.Args[5])
			if !ok {
				c.Error(errNotInt)
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		} else if len(c.Args) != 4 {
			xinfoSyntaxErr(c)
			return
		}
	}
	if full {
		c.W.Map(9)
	} else {
		c.W.Map(10)
	}
	writeField(c, "length")
	c.W.Int(int64(s.Len()))
	writeField(c, "radix-tree-keys")
	c.W.Int(int64(s.Nodes()))
	writeField(c, "radix-tree-nodes")
	c.W.Int(int64(radixNodes(s)))
	writeField(c, "last-generated-id")
	writeStreamID(c, s.LastID)
	writeField(c, "max-deleted-entry-id")
	writeStreamID(c, s.MaxDeletedID)
	writeField(c, "entries-added")
	c.W.Int(int64(s.EntriesAdded))
	writeField(c, "recorded-first-entry-id")
	writeStreamID(c, s.FirstID)
	if !full {
		writeField(c, "groups")
		c.W.Int(int64(len(s.Groups())))
		writeField(c, "first-entry")
		writeEdge(c, s, false)
		writeField(c, "last-entry")
		writeEdge(c, s, true)
		return
	}
	writeField(c, "entries")
	replyRange(c, s, types.StreamID{}, types.MaxStreamID, nonZeroCount(count), false)
	writeField(c, "groups")
	c.W.Array(len(s.Groups()))
	limit := func(n int) int {
		if count > 0 && int64(n) > count {
			return int(count)
		}
		return n
	}
	for _, g := range s.Groups() {
		c.W.Map(7)
		writeField(c, "name")
		c.W.BulkString(g.Name)
		writeField(c, "last-delivered-id")
		writeStreamID(c, g.LastID)
		writeField(c, "entries-read")
		writeEntriesRead(c, g)
		writeField(c, "lag")
		writeLag(c, s, g)
		writeField(c, "pel-count")
		c.W.Int(int64(len(g.Pending())))
		writeField(c, "pending")
		pel := g.Pending()[:limit(len(g.Pending()))]
		c.W.Array(len(pel))
		for _, p := range pel {
			c.W.Array(4)
			writeStreamID(c, p.ID)
			c.W.BulkString(p.Consumer.Name)
			c.W.Int(p.DeliveryTime)
			c.W.Int(int64(p.DeliveryCount))
		}
		writeField(c, "consumers")
		c.W.Array(len(g.Consumers()))
		for _, cons := range g.Consumers() {
			c.W.Map(4)
			writeField(c, "name")
			c.W.BulkString(cons.Name)
			writeField(c, "seen-time")
			c.W.Int(cons.SeenTime)
			writeField(c, "pel-count")
			c.W.Int(int64(len(cons.Pending())))
			writeField(c, "pending")
			cpel := cons.Pending()[:limit(len(cons.Pending()))]
			c.W.Array(len(cpel))
			for _, p := range cpel {
				c.W.Array(3)
				writeStreamID(c, p.ID)
				c.W.Int(p.DeliveryTime)
				c.W.Int(int64(p.DeliveryCount))
			}
		}
	}
}

// radixNodes approximates the node count of Redis's radix tree over the
// packed nodes (XINFO's radix-tree-nodes; an empty tree has one node).
func radixNodes(s *types.Stream) int { return 1 + s.Nodes() }

func writeEdge(c *Ctx, s *types.Stream, last bool) {
	var id types.StreamID
	var ok bool
	if last {
		id, ok = s.LastEntryID()
	} else {
		id, ok = s.FirstEntryID()
	}
	if !ok {
		c.W.Null()
		return
	}
	fields, _ := s.Get(id)
	writeEntry(c, id, fields)
}

func writeEntriesRead(c *Ctx, g *types.StreamGroup) {
	if g.EntriesRead == -1 {
		c.W.Null()
		return
	}
	c.W.Int(g.EntriesRead)
}

func writeLag(c *Ctx, s *types.Stream, g *types.StreamGroup) {
	if lag, ok := s.Lag(g); ok {
		c.W.Int(lag)
		return
	}
	c.W.Null()
}

func cmdXinfoGroups(c *Ctx) {
	s, ok := lookupStream(c, c.Args[2], false)
	if !ok {
		return
	}
	if s == nil {
		c.Error(errNoSuchKey)
		return
	}
	c.W.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		c.W.Map(6)
		writeField(c, "name")
		c.W.BulkString(g.Name)
		writeField(c, "consumers")
		c.W.Int(int64(len(g.Consumers())))
		writeField(c, "pending")
		c.W.Int(int64(len(g.Pending())))
		writeField(c, "last-delivered-id")
		writeStreamID(c, g.LastID)
		writeField(c, "entries-read")
		writeEntriesRead(c, g)
		writeField(c, "lag")
		writeLag(c, s, g)
	}
}

func cmdXinfoConsumers(c *Ctx) {
	s, ok := lookupStream(c, c.Args[2], false)
	if !ok {
		return
	}
	if s == nil {
		c.Error(errNoSuchKey)
		return
	}
	g := s.Group(string(c.Args[3]))
	if g == nil {
		c.Error("NOGROUP No such consumer group '" + string(c.Args[3]) + "' for key name '" + string(c.Args[2]) + "'")
		return
	}
	c.W.Array(len(g.Consumers()))
	for _, cons := range g.Consumers() {
		c.W.Map(3)
		writeField(c, "name")
		c.W.BulkString(cons.Name)
		writeField(c, "pending")
		c.W.Int(int64(len(cons.Pending())))
		writeField(c, "idle")
		c.W.Int(max(c.Now-cons.SeenTime, 0))
	}
}

// streamRestore gives the records that rebuild a stream from nothing:
// its entries, then (for dangling pending entries) the IDs they refer to,
// the groups with their consumers and pending entries, and the counters.
func streamRestore(key []byte, obj any) [][][]byte {
	s := obj.(*types.Stream)
	recs := [][][]byte{{xEffDel, key}}
	// Pending entries whose stream entry is gone are re-created around a
	// placeholder entry deleted afterwards, so the PEL survives the move.
	dangling := map[types.StreamID]bool{}
	for _, g := range s.Groups() {
		for _, p := range g.Pending() {
			if !s.Exists(p.ID) {
				dangling[p.ID] = true
			}
		}
	}
	var ids []types.StreamID
	for id := range dangling {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, types.StreamID.Cmp)
	emitAdd := func(id types.StreamID, fields [][]byte) {
		rec := [][]byte{xEffXadd, key, idArg(id)}
		for _, f := range fields {
			rec = append(rec, append([]byte(nil), f...))
		}
		recs = append(recs, rec)
	}
	placeholder := [][]byte{[]byte("x"), []byte("")}
	d := 0
	s.Range(types.StreamID{}, types.MaxStreamID, false, func(id types.StreamID, fields [][]byte) bool {
		for d < len(ids) && ids[d].Cmp(id) < 0 {
			emitAdd(ids[d], placeholder)
			d++
		}
		emitAdd(id, fields)
		return true
	})
	for ; d < len(ids); d++ {
		emitAdd(ids[d], placeholder)
	}
	if s.Len() == 0 && len(ids) == 0 {
		// An empty stream: add and trim one entry; XSETID below resets
		// the counters.
		recs = append(recs, [][]byte{xEffXadd, key, xEffMaxlen, xEffEq, xEffZero, []byte("0-1"), placeholder[0], placeholder[1]})
	}
	for _, g := range s.Groups() {
		name := []byte(g.Name)
		recs = append(recs, [][]byte{xEffXgroup, xEffCreate, key, name, idArg(g.LastID), xEffEntRead, strconv.AppendInt(nil, g.EntriesRead, 10)})
		for _, cons := range g.Consumers() {
			recs = append(recs, [][]byte{xEffXgroup, xEffCreateCon, key, name, []byte(cons.Name)})
		}
		for _, p := range g.Pending() {
			recs = append(recs, [][]byte{xEffXclaim, key, name, []byte(p.Consumer.Name), xEffZero, idArg(p.ID),
				xEffTime, strconv.AppendInt(nil, p.DeliveryTime, 10), xEffRetry, strconv.AppendUint(nil, p.DeliveryCount, 10), xEffForce, xEffJustid})
		}
	}
	// Placeholders before the first entry were trimmed (which leaves
	// max-deleted-entry-id alone), the others were deleted.
	first, hasFirst := s.FirstEntryID()
	del := [][]byte{xEffXdel, key}
	trimmed := false
	for _, id := range ids {
		if !hasFirst || id.Cmp(first) < 0 {
			trimmed = true
		} else {
			del = append(del, idArg(id))
		}
	}
	if trimmed {
		recs = append(recs, [][]byte{xEffXtrim, key, xEffMaxlen, xEffEq, strconv.AppendInt(nil, int64(s.Len()+len(del)-2), 10)})
	}
	if len(del) > 2 {
		recs = append(recs, del)
	}
	recs = append(recs, [][]byte{xEffXsetid, key, idArg(s.LastID), xEffEntAdded, strconv.AppendUint(nil, s.EntriesAdded, 10), xEffMaxDel, idArg(s.MaxDeletedID)})
	return recs
}
