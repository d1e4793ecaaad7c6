package shardcore

import (
	"fmt"
	"strings"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/store"
)

// Flags describe a command the way Redis's command table does; COMMAND INFO
// reports them and the dispatcher uses them.
type Flags uint32

const (
	FlagWrite Flags = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubsub
	FlagNoscript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagNoAuth
	FlagFast
	FlagConn     // runs on the connection's own shard with access to the connection
	FlagAllShard // fans out to every shard (FLUSHALL, DBSIZE, KEYS, ...)
	FlagNoMulti
	FlagSkipMonitor
	FlagSkipSlowlog
)

var flagNames = []string{"write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading", "stale", "no_auth", "fast", "", "", "no_multi", "skip_monitor", "skip_slowlog"}

// Command is one entry of the command table.
type Command struct {
	Name     string
	Arity    int // as Redis: n exact, -n at least n (the name included)
	Flags    Flags
	FirstKey int
	LastKey  int // -1: the last argument
	Step     int
	Group    string
	Summary  string
	Since    string
	// Fn runs the command against one shard's keyspace (every key of the
	// call lives there) or, with FlagConn, on the connection's own shard.
	Fn func(c *Ctx)
	// Multi runs the command when its keys live on several shards, from a
	// transaction coordinator; nil means such calls are refused.
	Multi func(m *Multi)
	// Local is one shard's part of a FlagAllShard write (FLUSHALL on this
	// shard's keys), which is also what each shard logs and replays.
	Local func(c *Ctx)
	// Keys returns the key positions when FirstKey/LastKey/Step can't say.
	Keys func(args [][]byte) []int
	// Spread, if set, reports whether a call may also read keys its
	// arguments don't name off home, its first key's shard (SORT's BY and
	// GET patterns): such a call holds every shard.
	Spread func(srv *Server, home *Shard, args [][]byte) bool
	// Route, if set, names the one shard serving a call that has no key
	// but reads one shard's data all the same (SCAN's cursor); nil from it
	// means the caller's shard. Dispatch and EXEC route such calls by it.
	Route func(srv *Server, args [][]byte) *Shard
	// Sub holds subcommands (CONFIG GET, CLIENT LIST ...), keyed lowercase.
	Sub        map[string]*Command
	Categories []string

	calls, usec, rejected, failed int64 // per-shard copies live in shardStats
}

var commands = map[string]*Command{}

func register(cmds ...*Command) {
	for _, c := range cmds {
		if c.Step == 0 && c.FirstKey > 0 {
			c.Step = 1
		}
		commands[c.Name] = c
	}
}

func lookupCommand(name []byte) *Command {
	if len(name) > 32 {
		return nil
	}
	var buf [32]byte
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	return commands[string(buf[:len(name)])]
}

// renameCommands builds the table clients see after redis.conf's
// rename-command directives; an empty new name removes the command. Logged
// effects keep the original names, so internal lookups use the full table.
func renameCommands(renames [][2]string) (map[string]*Command, error) {
	if len(renames) == 0 {
		return nil, nil
	}
	table := make(map[string]*Command, len(commands))
	for name, c := range commands {
		table[name] = c
	}
	for _, r := range renames {
		from, to := strings.ToLower(r[0]), strings.ToLower(r[1])
		c := table[from]
		if c == nil {
			return nil, fmt.Errorf("rename-command %s %s: no such command", r[0], r[1])
		}
		if to != "" && table[to] != nil {
			return nil, fmt.Errorf("rename-command %s %s: target command name already exists", r[0], r[1])
		}
		delete(table, from)
		if to != "" {
			table[to] = c
		}
	}
	return table, nil
}

// lookupClient finds a command by the name a client uses.
func (srv *Server) lookupClient(name []byte) *Command {
	if srv.renamed == nil {
		return lookupCommand(name)
	}
	if len(name) > 32 {
		return nil
	}
	return srv.renamed[strings.ToLower(string(name))]
}

// keyPositions returns the argument indexes holding keys.
func (cmd *Command) keyPositions(args [][]byte, dst []int) []int {
	if cmd.Keys != nil {
		return append(dst, cmd.Keys(args)...)
	}
	if cmd.FirstKey == 0 {
		return dst
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(args) + last
	}
	for i := cmd.FirstKey; i <= last && i < len(args); i += cmd.Step {
		dst = append(dst, i)
	}
	return dst
}

// Ctx is what a command handler sees: its arguments, the keyspace of the
// shard it runs on, and the reply writer.
type Ctx struct {
	S    *Shard
	DB   *store.Table
	DBi  int
	Args [][]byte
	W    *resp.Writer
	Now  int64 // unix ms
	// Conn is the calling connection for FlagConn commands; nil elsewhere.
	Conn *conn
	// tx is set when the command runs as part of a multi-shard transaction.
	tx *tx
	// effect overrides the logged form of the write (nil: the arguments).
	effect  [][]byte
	effects [][][]byte
	dirty   int
	// num formats a number stored as a string value: a local buffer would
	// escape through store.Entry, and the store copies the value anyway.
	num [20]byte
}

// Dirty records that the command changed n keys; only dirty writes are
// logged, and the count feeds the save rules.
func (c *Ctx) Dirty(n int) { c.dirty += n }

// Effect replaces what is logged for this write with args (for example a
// relative TTL logged as PEXPIREAT). Several calls log several records.
func (c *Ctx) Effect(args ...[]byte) {
	c.effects = append(c.effects, args)
}

// Error replies with a Redis error string (including its code).
func (c *Ctx) Error(msg string) { c.W.Error(msg) }

func (c *Ctx) OK() { c.W.Simple("OK") }

// Proto is the caller's RESP version.
func (c *Ctx) Proto() int { return c.W.Proto }

func lower(b []byte) string { return strings.ToLower(string(b)) }

// Standard Redis error replies.
const (
	errWrongType   = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errSyntax      = "ERR syntax error"
	errNotInt      = "ERR value is not an integer or out of range"
	errNotFloat    = "ERR value is not a valid float"
	errOverflow    = "ERR increment or decrement would overflow"
	errNoSuchKey   = "ERR no such key"
	errNoAuth      = "NOAUTH Authentication required."
	errDBIndex     = "ERR DB index is out of range"
	errInvalidExp  = "ERR invalid expire time in '%s' command"
	errOutOfRange  = "ERR index out of range"
	errBitOffset   = "ERR bit offset is not an integer or out of range"
	errStrTooLarge = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
)

func errArity(name string) string {
	return "ERR wrong number of arguments for '" + strings.ToLower(name) + "' command"
}

// errUnknown mirrors Redis's "unknown command" reply with its argument preview.
func errUnknown(args [][]byte) string {
	var a strings.Builder
	for _, arg := range args[1:] {
		if a.Len() >= 128 {
			break
		}
		limit := 128 - a.Len()
		a.WriteString("'")
		a.WriteString(sanitize(arg, limit))
		a.WriteString("' ")
	}
	return "ERR unknown command '" + sanitize(args[0], 128) + "', with args beginning with: " + a.String()
}

func errUnknownSub(args [][]byte) string {
	return "ERR unknown subcommand '" + sanitize(args[1], 128) + "'. Try " + strings.ToUpper(string(args[0])) + " HELP."
}

// sanitize mimics Redis: replies cannot carry newlines, so they become spaces.
func sanitize(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
	}
	out := []byte(string(b))
	for i, c := range out {
		if c == '\r' || c == '\n' {
			out[i] = ' '
		}
	}
	return string(out)
}
