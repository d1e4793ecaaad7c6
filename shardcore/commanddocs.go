package shardcore

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
)

// COMMAND and the command metadata it reports. Names, arities, flags and
// the legacy key range come from the command table; what Redis documents
// beyond it (complexity, history, argument trees, key specs, tips and the
// explicit ACL categories) comes from commandMeta, at the end of this file.

func init() {
	const f = FlagLoading | FlagStale | FlagConn
	cat := []string{"connection"}
	register(&Command{Name: "command", Arity: -1, Flags: f, Categories: cat, Group: "server", Since: "2.8.13", Summary: "Returns detailed information about all commands.", Fn: cmdCommand})
	// COMMAND runs bare as well as with a subcommand, which the dispatcher's
	// container handling does not allow: it resolves these itself.
	commandSubs = subcommands(
		&Command{Name: "count", Arity: 2, Flags: f, Categories: cat, Group: "server", Since: "2.8.13", Summary: "Returns a count of commands.", Fn: cmdCommandCount},
		&Command{Name: "docs", Arity: -2, Flags: f, Categories: cat, Group: "server", Since: "7.0.0", Summary: "Returns documentary information about one, multiple or all commands.", Fn: cmdCommandDocs},
		&Command{Name: "getkeysandflags", Arity: -4, Flags: f, Categories: cat, Group: "server", Since: "7.0.0", Summary: "Extract keys and access flags given a full Redis command", Fn: cmdCommandGetKeysAndFlags},
		&Command{Name: "getkeys", Arity: -4, Flags: f, Categories: cat, Group: "server", Since: "2.8.13", Summary: "Extracts the key names from an arbitrary command.", Fn: cmdCommandGetKeys},
		&Command{Name: "help", Arity: 2, Flags: f, Categories: cat, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Fn: helpFn("COMMAND", commandHelp)},
		&Command{Name: "info", Arity: -2, Flags: f, Categories: cat, Group: "server", Since: "2.8.13", Summary: "Returns information about one, multiple or all commands.", Fn: cmdCommandInfo},
		&Command{Name: "list", Arity: -2, Flags: f, Categories: cat, Group: "server", Since: "7.0.0", Summary: "Returns a list of command names.", Fn: cmdCommandList},
	)
}

var commandSubs map[string]*Command

var commandHelp = []string{
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
}

func cmdCommand(c *Ctx) {
	if len(c.Args) == 1 {
		writeCommandInfos(c.W)
		return
	}
	sub := commandSubs[lower(c.Args[1])]
	switch {
	case sub == nil:
		c.Error(errUnknownSub(c.Args))
	case (sub.Arity > 0 && len(c.Args) != sub.Arity) || len(c.Args) < -sub.Arity:
		c.Error("ERR wrong number of arguments for 'command|" + sub.Name + "' command")
	default:
		sub.Fn(c)
	}
}

// subcommandsOf returns a command's subcommand table.
func subcommandsOf(cmd *Command) map[string]*Command {
	if cmd.Name == "command" && cmd.Sub == nil {
		return commandSubs
	}
	return cmd.Sub
}

var parentOf = sync.OnceValue(func() map[*Command]*Command {
	m := map[*Command]*Command{}
	for _, cmd := range commands {
		for _, sub := range subcommandsOf(cmd) {
			m[sub] = cmd
		}
	}
	return m
})

// fullName is the name Redis reports: "get", or "config|get" for a
// subcommand.
func (cmd *Command) fullName() string {
	if p := parentOf()[cmd]; p != nil {
		return p.Name + "|" + cmd.Name
	}
	return cmd.Name
}

// lookupFullName finds "name" or "container|sub", case-insensitively.
func lookupFullName(name []byte) *Command {
	base, sub, hasSub := strings.Cut(string(name), "|")
	cmd := lookupCommand([]byte(base))
	if cmd == nil || !hasSub {
		return cmd
	}
	return subcommandsOf(cmd)[strings.ToLower(sub)]
}

// sortedCommands lists the top-level commands by name.
func sortedCommands() []*Command {
	out := make([]*Command, 0, len(commands))
	for _, cmd := range commands {
		out = append(out, cmd)
	}
	slices.SortFunc(out, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func sortedSubcommands(cmd *Command) []*Command {
	subs := subcommandsOf(cmd)
	out := make([]*Command, 0, len(subs))
	for _, s := range subs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func cmdCommandCount(c *Ctx) { c.W.Int(int64(len(commands))) }

// cmdCommandInfo: COMMAND INFO [name ...]; unknown names reply null.
func cmdCommandInfo(c *Ctx) {
	if len(c.Args) == 2 {
		writeCommandInfos(c.W)
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, name := range c.Args[2:] {
		if cmd := lookupFullName(name); cmd != nil {
			writeCommandInfo(c.W, cmd)
		} else {
			c.W.Null()
		}
	}
}

func writeCommandInfos(w *resp.Writer) {
	all := sortedCommands()
	w.Array(len(all))
	for _, cmd := range all {
		writeCommandInfo(w, cmd)
	}
}

// flagOrder is the order Redis lists command flags in.
var flagOrder = []Flags{FlagWrite, FlagReadonly, FlagDenyOOM, FlagAdmin, FlagPubsub, FlagNoscript, FlagBlocking,
	FlagLoading, FlagStale, FlagSkipMonitor, FlagSkipSlowlog, FlagFast, FlagNoAuth, FlagNoMulti}

func commandFlagNames(cmd *Command) []string {
	var out []string
	for _, f := range flagOrder {
		if cmd.Flags&f != 0 {
			out = append(out, flagNames[bits.TrailingZeros32(uint32(f))])
		}
	}
	if cmd.Keys != nil {
		out = append(out, "movablekeys")
	}
	return out
}

// aclCategories is Redis's category table, in the order replies list them.
var aclCategories = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
	"transaction", "scripting"}

// groupCategory is the category a command of a group belongs to when
// neither the command nor Redis's metadata names its categories.
var groupCategory = map[string]string{
	"generic": "keyspace", "string": "string", "list": "list", "set": "set", "sorted_set": "sortedset",
	"sorted-set": "sortedset", "hash": "hash", "bitmap": "bitmap", "hyperloglog": "hyperloglog", "geo": "geo",
	"stream": "stream", "pubsub": "pubsub", "connection": "connection", "transactions": "transaction",
	"scripting": "scripting",
}

// commandCategories follows Redis's setImplicitACLCategories: the explicit
// categories plus those the flags imply. Explicit ones are the command's
// Categories, else Redis's for that command, else its group's; containers
// have none.
func commandCategories(cmd *Command) []string {
	set := map[string]bool{}
	switch meta, known := commandMeta[cmd.fullName()]; {
	case cmd.Categories != nil:
		for _, c := range cmd.Categories {
			set[strings.TrimPrefix(strings.ToLower(c), "@")] = true
		}
	case known:
		for _, c := range strings.Fields(meta.cats) {
			set[c] = true
		}
	case subcommandsOf(cmd) == nil:
		if g := groupCategory[cmd.Group]; g != "" {
			set[g] = true
		}
	}
	f := cmd.Flags
	set["write"] = set["write"] || f&FlagWrite != 0
	set["read"] = set["read"] || (f&FlagReadonly != 0 && !set["scripting"])
	set["admin"] = set["admin"] || f&FlagAdmin != 0
	set["dangerous"] = set["dangerous"] || f&FlagAdmin != 0
	set["pubsub"] = set["pubsub"] || f&FlagPubsub != 0
	set["fast"] = set["fast"] || f&FlagFast != 0
	set["blocking"] = set["blocking"] || f&FlagBlocking != 0
	set["slow"] = set["slow"] || !set["fast"]
	var out []string
	for _, c := range aclCategories {
		if set[c] {
			out = append(out, c)
		}
	}
	return out
}

// writeCommandInfo writes COMMAND INFO's 10-element entry.
func writeCommandInfo(w *resp.Writer, cmd *Command) {
	meta := commandMeta[cmd.fullName()]
	w.Array(10)
	w.BulkString(cmd.fullName())
	w.Int(int64(cmd.Arity))
	flags := commandFlagNames(cmd)
	w.Set(len(flags))
	for _, f := range flags {
		w.Simple(f)
	}
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	if first == 0 {
		last, step = 0, 0
	}
	w.Int(int64(first))
	w.Int(int64(last))
	w.Int(int64(step))
	cats := commandCategories(cmd)
	w.Set(len(cats))
	for _, c := range cats {
		w.Simple("@" + c)
	}
	if !writeMetaTree(w, meta.tips) {
		w.Set(0)
	}
	if !writeMetaTree(w, meta.specs) {
		writeRangeKeySpec(w, cmd)
	}
	subs := sortedSubcommands(cmd)
	if len(subs) == 0 {
		w.Set(0)
		return
	}
	w.Array(len(subs))
	for _, s := range subs {
		writeCommandInfo(w, s)
	}
}

// writeRangeKeySpec describes the legacy key range as a key spec, for
// commands Redis's metadata does not cover.
func writeRangeKeySpec(w *resp.Writer, cmd *Command) {
	if cmd.FirstKey <= 0 {
		w.Set(0)
		return
	}
	flags := []string{"RW", "access", "update"}
	if cmd.Flags&FlagWrite == 0 {
		flags = []string{"RO", "access"}
	}
	last := cmd.LastKey
	if last >= 0 {
		last -= cmd.FirstKey
	}
	w.Set(1)
	w.Map(3)
	w.BulkString("flags")
	w.Set(len(flags))
	for _, f := range flags {
		w.Simple(f)
	}
	w.BulkString("begin_search")
	w.Map(2)
	w.BulkString("type")
	w.BulkString("index")
	w.BulkString("spec")
	w.Map(1)
	w.BulkString("index")
	w.Int(int64(cmd.FirstKey))
	w.BulkString("find_keys")
	w.Map(2)
	w.BulkString("type")
	w.BulkString("range")
	w.BulkString("spec")
	w.Map(3)
	w.BulkString("lastkey")
	w.Int(int64(last))
	w.BulkString("keystep")
	w.Int(int64(max(cmd.Step, 1)))
	w.BulkString("limit")
	w.Int(0)
}

// cmdCommandDocs: COMMAND DOCS [name ...], a map of name to documentation;
// unknown names are left out.
func cmdCommandDocs(c *Ctx) {
	var cmds []*Command
	if len(c.Args) == 2 {
		cmds = sortedCommands()
	} else {
		for _, name := range c.Args[2:] {
			if cmd := lookupFullName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.W.Map(len(cmds))
	for _, cmd := range cmds {
		c.W.BulkString(cmd.fullName())
		writeCommandDocs(c.W, cmd)
	}
}

func writeCommandDocs(w *resp.Writer, cmd *Command) {
	var docs docNode
	if m, ok := commandMeta[cmd.fullName()]; ok && m.docs != "" {
		docs, _ = parseMetaTree(m.docs)
	}
	subs := sortedSubcommands(cmd)
	n := len(docs.kids) / 2
	for _, s := range []string{cmd.Summary, cmd.Since, cmd.Group} {
		if s != "" {
			n++
		}
	}
	if len(subs) > 0 {
		n++
	}
	w.Map(n)
	for _, kv := range [][2]string{{"summary", cmd.Summary}, {"since", cmd.Since}, {"group", docGroup(cmd.Group)}} {
		if kv[1] != "" {
			w.BulkString(kv[0])
			w.BulkString(kv[1])
		}
	}
	for i := 0; i+1 < len(docs.kids); i += 2 {
		docs.kids[i].write(w)
		docs.kids[i+1].write(w)
	}
	if len(subs) > 0 {
		w.BulkString("subcommands")
		w.Map(len(subs))
		for _, s := range subs {
			w.BulkString(s.fullName())
			writeCommandDocs(w, s)
		}
	}
}

// docGroup spells a group as COMMAND DOCS does.
func docGroup(g string) string { return strings.ReplaceAll(g, "_", "-") }

// cmdCommandList: COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p].
func cmdCommandList(c *Ctx) {
	var match func(cmd *Command) bool
	switch {
	case len(c.Args) == 2:
		match = func(*Command) bool { return true }
	case len(c.Args) == 5 && lower(c.Args[2]) == "filterby":
		arg := c.Args[4]
		switch lower(c.Args[3]) {
		case "module":
			match = func(*Command) bool { return false } // keel has no modules
		case "aclcat":
			want := strings.ToLower(string(arg))
			match = func(cmd *Command) bool { return slices.Contains(commandCategories(cmd), want) }
		case "pattern":
			match = func(cmd *Command) bool { return config.GlobMatch(arg, []byte(cmd.fullName()), true) }
		default:
			c.Error(errSyntax)
			return
		}
	default:
		c.Error(errSyntax)
		return
	}
	var names []string
	for _, cmd := range sortedCommands() {
		if match(cmd) {
			names = append(names, cmd.fullName())
		}
		for _, s := range sortedSubcommands(cmd) {
			if match(s) {
				names = append(names, s.fullName())
			}
		}
	}
	c.W.Array(len(names))
	for _, n := range names {
		c.W.BulkString(n)
	}
}

// cmdCommandGetKeys: COMMAND GETKEYS <command> [arg ...].
func cmdCommandGetKeys(c *Ctx) {
	cmd, args := getKeysTarget(c)
	if cmd == nil {
		return
	}
	pos := cmd.keyPositions(args, nil)
	if len(pos) == 0 {
		c.Error("ERR Invalid arguments specified for command")
		return
	}
	c.W.Array(len(pos))
	for _, p := range pos {
		c.W.Bulk(args[p])
	}
}

// Metadata trees. commandMeta stores Redis's replies in a compact text form,
// generated from redis-server 7.0.15 (COMMAND DOCS and COMMAND INFO over
// RESP3): {…} map, […] array, <…> set, "…" or a bare word: bulk string,
// +word: status, :n: integer.

type cmdMeta struct {
	cats  string // explicit ACL categories, space separated
	tips  string // tree: set of tips
	specs string // tree: set of key specs
	docs  string // tree: map of documentation fields (summary, since, group excluded)
}

type docNode struct {
	kind byte // '{' map, '[' array, '<' set, '$' bulk, '+' status, ':' integer
	str  string
	n    int64
	kids []docNode
}

func (d *docNode) write(w *resp.Writer) {
	switch d.kind {
	case '{':
		w.Map(len(d.kids) / 2)
	case '[':
		w.Array(len(d.kids))
	case '<':
		w.Set(len(d.kids))
	case '$':
		w.BulkString(d.str)
	case '+':
		w.Simple(d.str)
	case ':':
		w.Int(d.n)
	}
	for i := range d.kids {
		d.kids[i].write(w)
	}
}

// writeMetaTree writes an encoded tree; false when there is none.
func writeMetaTree(w *resp.Writer, src string) bool {
	if src == "" {
		return false
	}
	d, err := parseMetaTree(src)
	if err != nil {
		return false
	}
	d.write(w)
	return true
}

func parseMetaTree(src string) (docNode, error) {
	p := treeParser{src: src}
	d, err := p.value()
	if err == nil {
		p.space()
		if p.pos != len(p.src) {
			err = fmt.Errorf("command metadata: trailing text at %d", p.pos)
		}
	}
	return d, err
}

type treeParser struct {
	src string
	pos int
}

func (p *treeParser) space() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *treeParser) value() (docNode, error) {
	p.space()
	if p.pos >= len(p.src) {
		return docNode{}, fmt.Errorf("command metadata: unexpected end at %d", p.pos)
	}
	switch ch := p.src[p.pos]; ch {
	case '{', '[', '<':
		end := map[byte]byte{'{': '}', '[': ']', '<': '>'}[ch]
		p.pos++
		d := docNode{kind: ch}
		for {
			p.space()
			if p.pos < len(p.src) && p.src[p.pos] == end {
				p.pos++
				if ch == '{' && len(d.kids)%2 != 0 {
					return d, fmt.Errorf("command metadata: odd map at %d", p.pos)
				}
				return d, nil
			}
			k, err := p.value()
			if err != nil {
				return d, err
			}
			d.kids = append(d.kids, k)
		}
	case '"':
		q, err := strconv.QuotedPrefix(p.src[p.pos:])
		if err != nil {
			return docNode{}, fmt.Errorf("command metadata: bad string at %d: %w", p.pos, err)
		}
		p.pos += len(q)
		s, err := strconv.Unquote(q)
		return docNode{kind: '$', str: s}, err
	case ':':
		w := p.word(p.pos + 1)
		n, err := strconv.ParseInt(w, 10, 64)
		return docNode{kind: ':', n: n}, err
	case '+':
		return docNode{kind: '+', str: p.word(p.pos + 1)}, nil
	default:
		start := p.pos
		w := p.word(p.pos)
		if w == "" {
			return docNode{}, fmt.Errorf("command metadata: unexpected %q at %d", p.src[start], start)
		}
		return docNode{kind: '$', str: w}, nil
	}
}

// word reads a bare word starting at from: up to a space or a closing bracket.
func (p *treeParser) word(from int) string {
	end := from
	for end < len(p.src) && !strings.ContainsRune(" }]>", rune(p.src[end])) {
		end++
	}
	p.pos = end
	return p.src[from:end]
}

var commandMeta = map[string]cmdMeta{
	"acl":                           {docs: `{complexity "Depends on subcommand."}`},
	"acl|cat":                       {docs: `{complexity "O(1) since the categories and commands are a fixed set." arguments [{name categoryname type string flags <+optional>}]}`},
	"acl|deluser":                   {docs: `{complexity "O(1) amortized time considering the typical user." arguments [{name username type string flags <+multiple>}]}`},
	"acl|dryrun":                    {docs: `{complexity "O(1)." arguments [{name username type string} {name command type string} {name arg type string flags <+optional +multiple>}]}`},
	"acl|genpass":                   {docs: `{complexity "O(1)" arguments [{name bits type integer flags <+optional>}]}`},
	"acl|getuser":                   {docs: `{complexity "O(N). Where N is the number of password, command and pattern rules that the user has." history <[6.2.0 "Added Pub/Sub channel patterns."] [7.0.0 "Added selectors and changed the format of key and channel patterns from a list to their rule representation."]> arguments [{name username type string}]}`},
	"acl|help":                      {docs: `{complexity "O(1)"}`},
	"acl|list":                      {docs: `{complexity "O(N). Where N is the number of configured users."}`},
	"acl|load":                      {docs: `{complexity "O(N). Where N is the number of configured users."}`},
	"acl|log":                       {docs: `{complexity "O(N) with N being the number of entries shown." arguments [{name operation type oneof flags <+optional> arguments [{name count type integer} {name reset type pure-token token RESET}]}]}`},
	"acl|save":                      {docs: `{complexity "O(N). Where N is the number of configured users."}`},
	"acl|setuser":                   {docs: `{complexity "O(N). Where N is the number of rules provided." history <[6.2.0 "Added Pub/Sub channel patterns."] [7.0.0 "Added selectors and key based permissions."]> arguments [{name username type string} {name rule type string flags <+optional +multiple>}]}`},
	"acl|users":                     {docs: `{complexity "O(N). Where N is the number of configured users."}`},
	"acl|whoami":                    {docs: `{complexity "O(1)"}`},
	"append":                        {cats: "string", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation." arguments [{name key type key key_spec_index :0} {name value type string}]}`},
	"asking":                        {cats: "connection", docs: `{complexity "O(1)"}`},
	"auth":                          {cats: "connection", docs: `{complexity "O(N) where N is the number of passwords defined for the user" history <[6.0.0 "Added ACL style (username and password)."]> arguments [{name username type string since 6.0.0 flags <+optional>} {name password type string}]}`},
	"bgrewriteaof":                  {docs: `{complexity "O(1)"}`},
	"bgsave":                        {docs: `{complexity "O(1)" history <[3.2.2 "Added the \x60SCHEDULE\x60 option."]> arguments [{name schedule type pure-token token SCHEDULE since 3.2.2 flags <+optional>}]}`},
	"bitcount":                      {cats: "bitmap", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N)" history <[7.0.0 "Added the \x60BYTE|BIT\x60 option."]> arguments [{name key type key key_spec_index :0} {name index type block flags <+optional> arguments [{name start type integer} {name end type integer} {name index_unit type oneof since 7.0.0 flags <+optional> arguments [{name byte type pure-token token BYTE} {name bit type pure-token token BIT}]}]}]}`},
	"bitfield":                      {cats: "bitmap", specs: `<{notes "This command allows both access and modification of the key" flags <+RW +access +update +variable_flags> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each subcommand specified" arguments [{name key type key key_spec_index :0} {name operation type oneof flags <+optional +multiple> arguments [{name encoding_offset type block token GET arguments [{name encoding type string} {name offset type integer}]} {name write type block arguments [{name wrap_sat_fail type oneof token OVERFLOW flags <+optional> arguments [{name wrap type pure-token token WRAP} {name sat type pure-token token SAT} {name fail type pure-token token FAIL}]} {name write_operation type oneof arguments [{name encoding_offset_value type block token SET arguments [{name encoding type string} {name offset type integer} {name value type integer}]} {name encoding_offset_increment type block token INCRBY arguments [{name encoding type string} {name offset type integer} {name increment type integer}]}]}]}]}]}`},
	"bitfield_ro":                   {cats: "bitmap", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each subcommand specified" arguments [{name key type key key_spec_index :0} {name encoding_offset type block token GET flags <+optional +multiple +multiple_token> arguments [{name encoding type string} {name offset type integer}]}]}`},
	"bitop":                         {cats: "bitmap", specs: `<{flags <+OW +update> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :3}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N)" arguments [{name operation type string} {name destkey type key key_spec_index :0} {name key type key key_spec_index :1 flags <+multiple>}]}`},
	"bitpos":                        {cats: "bitmap", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N)" history <[7.0.0 "Added the \x60BYTE|BIT\x60 option."]> arguments [{name key type key key_spec_index :0} {name bit type integer} {name index type block flags <+optional> arguments [{name start type integer} {name end_index type block flags <+optional> arguments [{name end type integer} {name index_unit type oneof since 7.0.0 flags <+optional> arguments [{name byte type pure-token token BYTE} {name bit type pure-token token BIT}]}]}]}]}`},
	"blmove":                        {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1} {name wherefrom type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]} {name whereto type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]} {name timeout type double}]}`},
	"blmpop":                        {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N+M) where N is the number of provided keys and M is the number of elements returned." arguments [{name timeout type double} {name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name where type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]} {name count type integer token COUNT flags <+optional>}]}`},
	"blpop":                         {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-2 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of provided keys." history <[6.0.0 "\x60timeout\x60 is interpreted as a double instead of an integer."]> arguments [{name key type key key_spec_index :0 flags <+multiple>} {name timeout type double}]}`},
	"brpop":                         {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-2 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of provided keys." history <[6.0.0 "\x60timeout\x60 is interpreted as a double instead of an integer."]> arguments [{name key type key key_spec_index :0 flags <+multiple>} {name timeout type double}]}`},
	"brpoplpush":                    {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60BLMOVE\x60 with the \x60RIGHT\x60 and \x60LEFT\x60 arguments" history <[6.0.0 "\x60timeout\x60 is interpreted as a double instead of an integer."]> arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1} {name timeout type double}]}`},
	"bzmpop":                        {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped." arguments [{name timeout type double} {name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name where type oneof arguments [{name min type pure-token token MIN} {name max type pure-token token MAX}]} {name count type integer token COUNT flags <+optional>}]}`},
	"bzpopmax":                      {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-2 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) with N being the number of elements in the sorted set." history <[6.0.0 "\x60timeout\x60 is interpreted as a double instead of an integer."]> arguments [{name key type key key_spec_index :0 flags <+multiple>} {name timeout type double}]}`},
	"bzpopmin":                      {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-2 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) with N being the number of elements in the sorted set." history <[6.0.0 "\x60timeout\x60 is interpreted as a double instead of an integer."]> arguments [{name key type key key_spec_index :0 flags <+multiple>} {name timeout type double}]}`},
	"client":                        {docs: `{complexity "Depends on subcommand."}`},
	"client|caching":                {cats: "connection", docs: `{complexity "O(1)" arguments [{name mode type oneof arguments [{name yes type pure-token token YES} {name no type pure-token token NO}]}]}`},
	"client|getname":                {cats: "connection", docs: `{complexity "O(1)"}`},
	"client|getredir":               {cats: "connection", docs: `{complexity "O(1)"}`},
	"client|help":                   {cats: "connection", docs: `{complexity "O(1)"}`},
	"client|id":                     {cats: "connection", docs: `{complexity "O(1)"}`},
	"client|info":                   {cats: "connection", tips: `<nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"client|kill":                   {cats: "connection", docs: `{complexity "O(N) where N is the number of client connections" history <[2.8.12 "Added new filter format."] [2.8.12 "\x60ID\x60 option."] [3.2.0 "Added \x60master\x60 type in for \x60TYPE\x60 option."] [5.0.0 "Replaced \x60slave\x60 \x60TYPE\x60 with \x60replica\x60. \x60slave\x60 still supported for backward compatibility."] [6.2.0 "\x60LADDR\x60 option."]> arguments [{name filter type oneof arguments [{name "ip:port" type string deprecated_since 2.8.12} {name new-format type oneof flags <+multiple> arguments [{name client-id type integer token ID since 2.8.12 flags <+optional>} {name normal_master_slave_pubsub type oneof token TYPE since 2.8.12 flags <+optional> arguments [{name normal type pure-token token NORMAL} {name master type pure-token token MASTER since 3.2.0} {name slave type pure-token token SLAVE} {name replica type pure-token token REPLICA since 5.0.0} {name pubsub type pure-token token PUBSUB}]} {name username type string token USER flags <+optional>} {name "ip:port" type string token ADDR flags <+optional>} {name "ip:port" type string token LADDR since 6.2.0 flags <+optional>} {name "yes/no" type string token SKIPME flags <+optional>}]}]}]}`},
	"client|list":                   {cats: "connection", tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the number of client connections" history <[2.8.12 "Added unique client \x60id\x60 field."] [5.0.0 "Added optional \x60TYPE\x60 filter."] [6.0.0 "Added \x60user\x60 field."] [6.2.0 "Added \x60argv-mem\x60, \x60tot-mem\x60, \x60laddr\x60 and \x60redir\x60 fields and the optional \x60ID\x60 filter."] [7.0.0 "Added \x60resp\x60, \x60multi-mem\x60, \x60rbs\x60 and \x60rbp\x60 fields."] [7.0.3 "Added \x60ssub\x60 field."]> arguments [{name normal_master_replica_pubsub type oneof token TYPE since 5.0.0 flags <+optional> arguments [{name normal type pure-token token NORMAL} {name master type pure-token token MASTER} {name replica type pure-token token REPLICA} {name pubsub type pure-token token PUBSUB}]} {name id type block token ID since 6.2.0 flags <+optional> arguments [{name client-id type integer flags <+multiple>}]}]}`},
	"client|no-evict":               {cats: "connection", docs: `{complexity "O(1)" arguments [{name enabled type oneof arguments [{name on type pure-token token ON} {name off type pure-token token OFF}]}]}`},
	"client|pause":                  {cats: "connection", docs: `{complexity "O(1)" history <[6.2.0 "\x60CLIENT PAUSE WRITE\x60 mode added along with the \x60mode\x60 option."]> arguments [{name timeout type integer} {name mode type oneof since 6.2.0 flags <+optional> arguments [{name write type pure-token token WRITE} {name all type pure-token token ALL}]}]}`},
	"client|reply":                  {cats: "connection", docs: `{complexity "O(1)" arguments [{name on_off_skip type oneof arguments [{name on type pure-token token ON} {name off type pure-token token OFF} {name skip type pure-token token SKIP}]}]}`},
	"client|setname":                {cats: "connection", docs: `{complexity "O(1)" arguments [{name connection-name type string}]}`},
	"client|tracking":               {cats: "connection", docs: `{complexity "O(1). Some options may introduce additional complexity." arguments [{name status type oneof arguments [{name on type pure-token token ON} {name off type pure-token token OFF}]} {name client-id type integer token REDIRECT flags <+optional>} {name prefix type string token PREFIX flags <+optional +multiple +multiple_token>} {name bcast type pure-token token BCAST flags <+optional>} {name optin type pure-token token OPTIN flags <+optional>} {name optout type pure-token token OPTOUT flags <+optional>} {name noloop type pure-token token NOLOOP flags <+optional>}]}`},
	"client|trackinginfo":           {cats: "connection", docs: `{complexity "O(1)"}`},
	"client|unblock":                {cats: "connection", docs: `{complexity "O(log N) where N is the number of client connections" arguments [{name client-id type integer} {name timeout_error type oneof flags <+optional> arguments [{name timeout type pure-token token TIMEOUT} {name error type pure-token token ERROR}]}]}`},
	"client|unpause":                {cats: "connection", docs: `{complexity "O(N) Where N is the number of paused clients"}`},
	"cluster":                       {docs: `{complexity "Depends on subcommand."}`},
	"cluster|addslots":              {docs: `{complexity "O(N) where N is the total number of hash slot arguments" arguments [{name slot type integer flags <+multiple>}]}`},
	"cluster|addslotsrange":         {docs: `{complexity "O(N) where N is the total number of the slots between the start slot and end slot arguments." arguments [{name start-slot_end-slot type block flags <+multiple> arguments [{name start-slot type integer} {name end-slot type integer}]}]}`},
	"cluster|bumpepoch":             {tips: `<nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"cluster|count-failure-reports": {tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the number of failure reports" arguments [{name node-id type string}]}`},
	"cluster|countkeysinslot":       {docs: `{complexity "O(1)" arguments [{name slot type integer}]}`},
	"cluster|delslots":              {docs: `{complexity "O(N) where N is the total number of hash slot arguments" arguments [{name slot type integer flags <+multiple>}]}`},
	"cluster|delslotsrange":         {docs: `{complexity "O(N) where N is the total number of the slots between the start slot and end slot arguments." arguments [{name start-slot_end-slot type block flags <+multiple> arguments [{name start-slot type integer} {name end-slot type integer}]}]}`},
	"cluster|failover":              {docs: `{complexity "O(1)" arguments [{name options type oneof flags <+optional> arguments [{name force type pure-token token FORCE} {name takeover type pure-token token TAKEOVER}]}]}`},
	"cluster|flushslots":            {docs: `{complexity "O(1)"}`},
	"cluster|forget":                {docs: `{complexity "O(1)" arguments [{name node-id type string}]}`},
	"cluster|getkeysinslot":         {tips: `<nondeterministic_output>`, docs: `{complexity "O(log(N)) where N is the number of requested keys" arguments [{name slot type integer} {name count type integer}]}`},
	"cluster|help":                  {docs: `{complexity "O(1)"}`},
	"cluster|info":                  {tips: `<nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"cluster|keyslot":               {docs: `{complexity "O(N) where N is the number of bytes in the key" arguments [{name key type string}]}`},
	"cluster|links":                 {tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the total number of Cluster nodes"}`},
	"cluster|meet":                  {docs: `{complexity "O(1)" history <[4.0.0 "Added the optional \x60cluster_bus_port\x60 argument."]> arguments [{name ip type string} {name port type integer} {name cluster_bus_port type integer since 4.0.0 flags <+optional>}]}`},
	"cluster|myid":                  {docs: `{complexity "O(1)"}`},
	"cluster|nodes":                 {tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the total number of Cluster nodes"}`},
	"cluster|replicas":              {tips: `<nondeterministic_output>`, docs: `{complexity "O(1)" arguments [{name node-id type string}]}`},
	"cluster|replicate":             {docs: `{complexity "O(1)" arguments [{name node-id type string}]}`},
	"cluster|reset":                 {docs: `{complexity "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect." arguments [{name hard_soft type oneof flags <+optional> arguments [{name hard type pure-token token HARD} {name soft type pure-token token SOFT}]}]}`},
	"cluster|saveconfig":            {docs: `{complexity "O(1)"}`},
	"cluster|set-config-epoch":      {docs: `{complexity "O(1)" arguments [{name config-epoch type integer}]}`},
	"cluster|setslot":               {docs: `{complexity "O(1)" arguments [{name slot type integer} {name subcommand type oneof arguments [{name node-id type string token IMPORTING} {name node-id type string token MIGRATING} {name node-id type string token NODE} {name stable type pure-token token STABLE}]}]}`},
	"cluster|shards":                {tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the total number of cluster nodes"}`},
	"cluster|slaves":                {tips: `<nondeterministic_output>`, docs: `{complexity "O(1)" doc_flags <+deprecated> deprecated_since 5.0.0 replaced_by "\x60CLUSTER REPLICAS\x60" arguments [{name node-id type string}]}`},
	"cluster|slots":                 {tips: `<nondeterministic_output>`, docs: `{complexity "O(N) where N is the total number of Cluster nodes" doc_flags <+deprecated> deprecated_since 7.0.0 replaced_by "\x60CLUSTER SHARDS\x60" history <[4.0.0 "Added node IDs."] [7.0.0 "Added additional networking metadata field."]>}`},
	"command":                       {cats: "connection", tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the total number of Redis commands"}`},
	"command|count":                 {cats: "connection", docs: `{complexity "O(1)"}`},
	"command|docs":                  {cats: "connection", tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the number of commands to look up" arguments [{name command-name type string flags <+optional +multiple>}]}`},
	"command|getkeys":               {cats: "connection", docs: `{complexity "O(N) where N is the number of arguments to the command"}`},
	"command|getkeysandflags":       {cats: "connection", docs: `{complexity "O(N) where N is the number of arguments to the command"}`},
	"command|help":                  {cats: "connection", docs: `{complexity "O(1)"}`},
	"command|info":                  {cats: "connection", tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the number of commands to look up" history <[7.0.0 "Allowed to be called with no argument to get info on all commands."]> arguments [{name command-name type string flags <+optional +multiple>}]}`},
	"command|list":                  {cats: "connection", tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the total number of Redis commands" arguments [{name filterby type oneof token FILTERBY flags <+optional> arguments [{name module-name type string token MODULE} {name category type string token ACLCAT} {name pattern type pattern token PATTERN}]}]}`},
	"config":                        {docs: `{complexity "Depends on subcommand."}`},
	"config|get":                    {docs: `{complexity "O(N) when N is the number of configuration parameters provided" history <[7.0.0 "Added the ability to pass multiple pattern parameters in one call"]> arguments [{name parameter type block flags <+multiple> arguments [{name parameter type string}]}]}`},
	"config|help":                   {docs: `{complexity "O(1)"}`},
	"config|resetstat":              {docs: `{complexity "O(1)"}`},
	"config|rewrite":                {docs: `{complexity "O(1)"}`},
	"config|set":                    {tips: `<"request_policy:all_nodes" "response_policy:all_succeeded">`, docs: `{complexity "O(N) when N is the number of configuration parameters provided" history <[7.0.0 "Added the ability to set multiple parameters in one call."]> arguments [{name parameter_value type block flags <+multiple> arguments [{name parameter type string} {name value type string}]}]}`},
	"copy":                          {cats: "keyspace", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) worst case for collections, where N is the number of nested items. O(1) for string values." arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1} {name destination-db type integer token DB flags <+optional>} {name replace type pure-token token REPLACE flags <+optional>}]}`},
	"dbsize":                        {cats: "keyspace", tips: `<"request_policy:all_shards" "response_policy:agg_sum">`, docs: `{complexity "O(1)"}`},
	"debug":                         {docs: `{complexity "Depends on subcommand." doc_flags <+syscmd>}`},
	"decr":                          {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"decrby":                        {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name decrement type integer}]}`},
	"del":                           {cats: "keyspace", tips: `<"request_policy:multi_shard" "response_policy:agg_sum">`, specs: `<{flags <+RM +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"discard":                       {cats: "transaction", docs: `{complexity "O(N), when N is the number of queued commands"}`},
	"dump":                          {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)." arguments [{name key type key key_spec_index :0}]}`},
	"echo":                          {cats: "connection", docs: `{complexity "O(1)" arguments [{name message type string}]}`},
	"eval":                          {cats: "scripting", specs: `<{notes "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE" flags <+RW +access +update> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the script that is executed." arguments [{name script type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"eval_ro":                       {cats: "scripting", specs: `<{notes "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS" flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the script that is executed." arguments [{name script type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"evalsha":                       {cats: "scripting", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the script that is executed." arguments [{name sha1 type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"evalsha_ro":                    {cats: "scripting", specs: `<{flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the script that is executed." arguments [{name sha1 type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"exec":                          {cats: "transaction", docs: `{complexity "Depends on commands in the transaction"}`},
	"exists":                        {cats: "keyspace", tips: `<"request_policy:multi_shard" "response_policy:agg_sum">`, specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys to check." history <[3.0.3 "Accepts multiple \x60key\x60 arguments."]> arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"expire":                        {cats: "keyspace", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added options: \x60NX\x60, \x60XX\x60, \x60GT\x60 and \x60LT\x60."]> arguments [{name key type key key_spec_index :0} {name seconds type integer} {name condition type oneof since 7.0.0 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX} {name gt type pure-token token GT} {name lt type pure-token token LT}]}]}`},
	"expireat":                      {cats: "keyspace", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added options: \x60NX\x60, \x60XX\x60, \x60GT\x60 and \x60LT\x60."]> arguments [{name key type key key_spec_index :0} {name unix-time-seconds type unix-time} {name condition type oneof since 7.0.0 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX} {name gt type pure-token token GT} {name lt type pure-token token LT}]}]}`},
	"expiretime":                    {cats: "keyspace", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"failover":                      {docs: `{complexity "O(1)" arguments [{name target type block token TO flags <+optional> arguments [{name host type string} {name port type integer} {name force type pure-token token FORCE flags <+optional>}]} {name abort type pure-token token ABORT flags <+optional>} {name milliseconds type integer token TIMEOUT flags <+optional>}]}`},
	"fcall":                         {cats: "scripting", specs: `<{notes "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE" flags <+RW +access +update> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the function that is executed." arguments [{name function type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"fcall_ro":                      {cats: "scripting", specs: `<{notes "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS" flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "Depends on the function that is executed." arguments [{name function type string} {name numkeys type integer} {name key type key key_spec_index :0 flags <+optional +multiple>} {name arg type string flags <+optional +multiple>}]}`},
	"flushall":                      {cats: "keyspace dangerous", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(N) where N is the total number of keys in all databases" history <[4.0.0 "Added the \x60ASYNC\x60 flushing mode modifier."] [6.2.0 "Added the \x60SYNC\x60 flushing mode modifier."]> arguments [{name async type oneof flags <+optional> arguments [{name async type pure-token token ASYNC since 4.0.0} {name sync type pure-token token SYNC since 6.2.0}]}]}`},
	"flushdb":                       {cats: "keyspace dangerous", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(N) where N is the number of keys in the selected database" history <[4.0.0 "Added the \x60ASYNC\x60 flushing mode modifier."] [6.2.0 "Added the \x60SYNC\x60 flushing mode modifier."]> arguments [{name async type oneof flags <+optional> arguments [{name async type pure-token token ASYNC since 4.0.0} {name sync type pure-token token SYNC since 6.2.0}]}]}`},
	"function":                      {docs: `{complexity "Depends on subcommand."}`},
	"function|delete":               {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(1)" arguments [{name library-name type string}]}`},
	"function|dump":                 {cats: "scripting", docs: `{complexity "O(N) where N is the number of functions"}`},
	"function|flush":                {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(N) where N is the number of functions deleted" arguments [{name async type oneof flags <+optional> arguments [{name async type pure-token token ASYNC} {name sync type pure-token token SYNC}]}]}`},
	"function|help":                 {cats: "scripting", docs: `{complexity "O(1)"}`},
	"function|kill":                 {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:one_succeeded">`, docs: `{complexity "O(1)"}`},
	"function|list":                 {cats: "scripting", tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the number of functions" arguments [{name library-name-pattern type string token LIBRARYNAME flags <+optional>} {name withcode type pure-token token WITHCODE flags <+optional>}]}`},
	"function|load":                 {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(1) (considering compilation time is redundant)" arguments [{name replace type pure-token token REPLACE flags <+optional>} {name function-code type string}]}`},
	"function|restore":              {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(N) where N is the number of functions on the payload" arguments [{name serialized-value type string} {name policy type oneof flags <+optional> arguments [{name flush type pure-token token FLUSH} {name append type pure-token token APPEND} {name replace type pure-token token REPLACE}]}]}`},
	"function|stats":                {cats: "scripting", tips: `<nondeterministic_output "request_policy:all_shards" "response_policy:special">`, docs: `{complexity "O(1)"}`},
	"geoadd":                        {cats: "geo", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) for each item added, where N is the number of elements in the sorted set." history <[6.2.0 "Added the \x60CH\x60, \x60NX\x60 and \x60XX\x60 options."]> arguments [{name key type key key_spec_index :0} {name condition type oneof since 6.2.0 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX}]} {name change type pure-token token CH since 6.2.0 flags <+optional>} {name longitude_latitude_member type block flags <+multiple> arguments [{name longitude type double} {name latitude type double} {name member type string}]}]}`},
	"geodist":                       {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N))" arguments [{name key type key key_spec_index :0} {name member1 type string} {name member2 type string} {name unit type oneof flags <+optional> arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]}]}`},
	"geohash":                       {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) for each member requested, where N is the number of elements in the sorted set." arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"geopos":                        {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of members requested." arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"georadius":                     {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type keyword spec {keyword STORE startfrom :6}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type keyword spec {keyword STOREDIST startfrom :6}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60GEOSEARCH\x60 and \x60GEOSEARCHSTORE\x60 with the \x60BYRADIUS\x60 argument" history <[6.2.0 "Added the \x60ANY\x60 option for \x60COUNT\x60."] [7.0.0 "Added support for uppercase unit names."]> arguments [{name key type key key_spec_index :0} {name longitude type double} {name latitude type double} {name radius type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]} {name withcoord type pure-token token WITHCOORD flags <+optional>} {name withdist type pure-token token WITHDIST flags <+optional>} {name withhash type pure-token token WITHHASH flags <+optional>} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY since 6.2.0 flags <+optional>}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name key type key key_spec_index :1 token STORE flags <+optional>} {name key type key key_spec_index :2 token STOREDIST flags <+optional>}]}`},
	"georadius_ro":                  {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60GEOSEARCH\x60 with the \x60BYRADIUS\x60 argument" history <[6.2.0 "Added the \x60ANY\x60 option for \x60COUNT\x60."]> arguments [{name key type key key_spec_index :0} {name longitude type double} {name latitude type double} {name radius type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]} {name withcoord type pure-token token WITHCOORD flags <+optional>} {name withdist type pure-token token WITHDIST flags <+optional>} {name withhash type pure-token token WITHHASH flags <+optional>} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY since 6.2.0 flags <+optional>}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]}]}`},
	"georadiusbymember":             {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type keyword spec {keyword STORE startfrom :5}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type keyword spec {keyword STOREDIST startfrom :5}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60GEOSEARCH\x60 and \x60GEOSEARCHSTORE\x60 with the \x60BYRADIUS\x60 and \x60FROMMEMBER\x60 arguments" history <[7.0.0 "Added support for uppercase unit names."]> arguments [{name key type key key_spec_index :0} {name member type string} {name radius type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]} {name withcoord type pure-token token WITHCOORD flags <+optional>} {name withdist type pure-token token WITHDIST flags <+optional>} {name withhash type pure-token token WITHHASH flags <+optional>} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY flags <+optional>}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name key type key key_spec_index :1 token STORE flags <+optional>} {name key type key key_spec_index :2 token STOREDIST flags <+optional>}]}`},
	"georadiusbymember_ro":          {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60GEOSEARCH\x60 with the \x60BYRADIUS\x60 and \x60FROMMEMBER\x60 arguments" arguments [{name key type key key_spec_index :0} {name member type string} {name radius type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]} {name withcoord type pure-token token WITHCOORD flags <+optional>} {name withdist type pure-token token WITHDIST flags <+optional>} {name withhash type pure-token token WITHHASH flags <+optional>} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY flags <+optional>}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]}]}`},
	"geosearch":                     {cats: "geo", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape" history <[7.0.0 "Added support for uppercase unit names."]> arguments [{name key type key key_spec_index :0} {name from type oneof arguments [{name member type string token FROMMEMBER} {name longitude_latitude type block token FROMLONLAT arguments [{name longitude type double} {name latitude type double}]}]} {name by type oneof arguments [{name circle type block arguments [{name radius type double token BYRADIUS} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]}]} {name box type block arguments [{name width type double token BYBOX} {name height type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]}]}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY flags <+optional>}]} {name withcoord type pure-token token WITHCOORD flags <+optional>} {name withdist type pure-token token WITHDIST flags <+optional>} {name withhash type pure-token token WITHHASH flags <+optional>}]}`},
	"geosearchstore":                {cats: "geo", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape" history <[7.0.0 "Added support for uppercase unit names."]> arguments [{name destination type key key_spec_index :0} {name source type key key_spec_index :1} {name from type oneof arguments [{name member type string token FROMMEMBER} {name longitude_latitude type block token FROMLONLAT arguments [{name longitude type double} {name latitude type double}]}]} {name by type oneof arguments [{name circle type block arguments [{name radius type double token BYRADIUS} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]}]} {name box type block arguments [{name width type double token BYBOX} {name height type double} {name unit type oneof arguments [{name m type pure-token token M} {name km type pure-token token KM} {name ft type pure-token token FT} {name mi type pure-token token MI}]}]}]} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name count type block flags <+optional> arguments [{name count type integer token COUNT} {name any type pure-token token ANY flags <+optional>}]} {name storedist type pure-token token STOREDIST flags <+optional>}]}`},
	"get":                           {cats: "string", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"getbit":                        {cats: "bitmap", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name offset type integer}]}`},
	"getdel":                        {cats: "string", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"getex":                         {cats: "string", specs: `<{notes "RW and UPDATE because it changes the TTL" flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name expiration type oneof flags <+optional> arguments [{name seconds type integer token EX} {name milliseconds type integer token PX} {name unix-time-seconds type unix-time token EXAT} {name unix-time-milliseconds type unix-time token PXAT} {name persist type pure-token token PERSIST}]}]}`},
	"getrange":                      {cats: "string", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." arguments [{name key type key key_spec_index :0} {name start type integer} {name end type integer}]}`},
	"getset":                        {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60SET\x60 with the \x60!GET\x60 argument" arguments [{name key type key key_spec_index :0} {name value type string}]}`},
	"hdel":                          {cats: "hash", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of fields to be removed." history <[2.4.0 "Accepts multiple \x60field\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name field type string flags <+multiple>}]}`},
	"hello":                         {cats: "connection", docs: `{complexity "O(1)" history <[6.2.0 "\x60protover\x60 made optional; when called without arguments the command reports the current connection's context."]> arguments [{name arguments type block flags <+optional> arguments [{name protover type integer} {name username_password type block token AUTH flags <+optional> arguments [{name username type string} {name password type string}]} {name clientname type string token SETNAME flags <+optional>}]}]}`},
	"hexists":                       {cats: "hash", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string}]}`},
	"hget":                          {cats: "hash", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string}]}`},
	"hgetall":                       {cats: "hash", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the size of the hash." arguments [{name key type key key_spec_index :0}]}`},
	"hincrby":                       {cats: "hash", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string} {name increment type integer}]}`},
	"hincrbyfloat":                  {cats: "hash", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string} {name increment type double}]}`},
	"hkeys":                         {cats: "hash", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the size of the hash." arguments [{name key type key key_spec_index :0}]}`},
	"hlen":                          {cats: "hash", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"hmget":                         {cats: "hash", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of fields being requested." arguments [{name key type key key_spec_index :0} {name field type string flags <+multiple>}]}`},
	"hmset":                         {cats: "hash", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of fields being set." doc_flags <+deprecated> deprecated_since 4.0.0 replaced_by "\x60HSET\x60 with multiple field-value pairs" arguments [{name key type key key_spec_index :0} {name field_value type block flags <+multiple> arguments [{name field type string} {name value type string}]}]}`},
	"hrandfield":                    {cats: "hash", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of fields returned" arguments [{name key type key key_spec_index :0} {name options type block flags <+optional> arguments [{name count type integer} {name withvalues type pure-token token WITHVALUES flags <+optional>}]}]}`},
	"hscan":                         {cats: "hash", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." arguments [{name key type key key_spec_index :0} {name cursor type integer} {name pattern type pattern token MATCH flags <+optional>} {name count type integer token COUNT flags <+optional>}]}`},
	"hset":                          {cats: "hash", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs." history <[4.0.0 "Accepts multiple \x60field\x60 and \x60value\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name field_value type block flags <+multiple> arguments [{name field type string} {name value type string}]}]}`},
	"hsetnx":                        {cats: "hash", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string} {name value type string}]}`},
	"hstrlen":                       {cats: "hash", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name field type string}]}`},
	"hvals":                         {cats: "hash", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the size of the hash." arguments [{name key type key key_spec_index :0}]}`},
	"incr":                          {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"incrby":                        {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name increment type integer}]}`},
	"incrbyfloat":                   {cats: "string", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name increment type double}]}`},
	"info":                          {cats: "dangerous", tips: `<nondeterministic_output "request_policy:all_shards" "response_policy:special">`, docs: `{complexity "O(1)" history <[7.0.0 "Added support for taking multiple section arguments."]> arguments [{name section type string flags <+optional +multiple>}]}`},
	"keys":                          {cats: "keyspace dangerous", tips: `<"request_policy:all_shards" nondeterministic_output_order>`, docs: `{complexity "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length." arguments [{name pattern type pattern}]}`},
	"lastsave":                      {cats: "admin dangerous", tips: `<nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"latency":                       {docs: `{complexity "Depends on subcommand."}`},
	"latency|doctor":                {tips: `<nondeterministic_output "request_policy:all_nodes" "response_policy:special">`, docs: `{complexity "O(1)"}`},
	"latency|graph":                 {tips: `<nondeterministic_output "request_policy:all_nodes" "response_policy:special">`, docs: `{complexity "O(1)" arguments [{name event type string}]}`},
	"latency|help":                  {docs: `{complexity "O(1)"}`},
	"latency|histogram":             {tips: `<nondeterministic_output "request_policy:all_nodes" "response_policy:special">`, docs: `{complexity "O(N) where N is the number of commands with latency information being retrieved." arguments [{name command type string flags <+optional +multiple>}]}`},
	"latency|history":               {tips: `<nondeterministic_output "request_policy:all_nodes" "response_policy:special">`, docs: `{complexity "O(1)" arguments [{name event type string}]}`},
	"latency|latest":                {tips: `<nondeterministic_output "request_policy:all_nodes" "response_policy:special">`, docs: `{complexity "O(1)"}`},
	"latency|reset":                 {tips: `<"request_policy:all_nodes" "response_policy:all_succeeded">`, docs: `{complexity "O(1)" arguments [{name event type string flags <+optional +multiple>}]}`},
	"lcs":                           {cats: "string", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N*M) where N and M are the lengths of s1 and s2, respectively" arguments [{name key1 type key key_spec_index :0} {name key2 type key key_spec_index :0} {name len type pure-token token LEN flags <+optional>} {name idx type pure-token token IDX flags <+optional>} {name len type integer token MINMATCHLEN flags <+optional>} {name withmatchlen type pure-token token WITHMATCHLEN flags <+optional>}]}`},
	"lindex":                        {cats: "list", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)." arguments [{name key type key key_spec_index :0} {name index type integer}]}`},
	"linsert":                       {cats: "list", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)." arguments [{name key type key key_spec_index :0} {name where type oneof arguments [{name before type pure-token token BEFORE} {name after type pure-token token AFTER}]} {name pivot type string} {name element type string}]}`},
	"llen":                          {cats: "list", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"lmove":                         {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1} {name wherefrom type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]} {name whereto type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]}]}`},
	"lmpop":                         {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N+M) where N is the number of provided keys and M is the number of elements returned." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name where type oneof arguments [{name left type pure-token token LEFT} {name right type pure-token token RIGHT}]} {name count type integer token COUNT flags <+optional>}]}`},
	"lolwut":                        {docs: `{arguments [{name version type integer token VERSION flags <+optional>}]}`},
	"lpop":                          {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements returned" history <[6.2.0 "Added the \x60count\x60 argument."]> arguments [{name key type key key_spec_index :0} {name count type integer since 6.2.0 flags <+optional>}]}`},
	"lpos":                          {cats: "list", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time." arguments [{name key type key key_spec_index :0} {name element type string} {name rank type integer token RANK flags <+optional>} {name num-matches type integer token COUNT flags <+optional>} {name len type integer token MAXLEN flags <+optional>}]}`},
	"lpush":                         {cats: "list", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." history <[2.4.0 "Accepts multiple \x60element\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name element type string flags <+multiple>}]}`},
	"lpushx":                        {cats: "list", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." history <[4.0.0 "Accepts multiple \x60element\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name element type string flags <+multiple>}]}`},
	"lrange":                        {cats: "list", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range." arguments [{name key type key key_spec_index :0} {name start type integer} {name stop type integer}]}`},
	"lrem":                          {cats: "list", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N+M) where N is the length of the list and M is the number of elements removed." arguments [{name key type key key_spec_index :0} {name count type integer} {name element type string}]}`},
	"lset":                          {cats: "list", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)." arguments [{name key type key key_spec_index :0} {name index type integer} {name element type string}]}`},
	"ltrim":                         {cats: "list", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements to be removed by the operation." arguments [{name key type key key_spec_index :0} {name start type integer} {name stop type integer}]}`},
	"memory":                        {docs: `{complexity "Depends on subcommand."}`},
	"memory|doctor":                 {tips: `<nondeterministic_output "request_policy:all_shards" "response_policy:special">`, docs: `{complexity "O(1)"}`},
	"memory|help":                   {docs: `{complexity "O(1)"}`},
	"memory|malloc-stats":           {tips: `<nondeterministic_output "request_policy:all_shards" "response_policy:special">`, docs: `{complexity "Depends on how much memory is allocated, could be slow"}`},
	"memory|purge":                  {tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "Depends on how much memory is allocated, could be slow"}`},
	"memory|stats":                  {tips: `<nondeterministic_output "request_policy:all_shards" "response_policy:special">`, docs: `{complexity "O(1)"}`},
	"memory|usage":                  {specs: `<{flags <+RO> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of samples." arguments [{name key type key key_spec_index :0} {name count type integer token SAMPLES flags <+optional>}]}`},
	"mget":                          {cats: "string", tips: `<"request_policy:multi_shard">`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys to retrieve." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"migrate":                       {cats: "keyspace dangerous", tips: `<nondeterministic_output>`, specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :3}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +access +delete +incomplete> begin_search {type keyword spec {keyword KEYS startfrom :-2}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed." history <[3.0.0 "Added the \x60COPY\x60 and \x60REPLACE\x60 options."] [3.0.6 "Added the \x60KEYS\x60 option."] [4.0.7 "Added the \x60AUTH\x60 option."] [6.0.0 "Added the \x60AUTH2\x60 option."]> arguments [{name host type string} {name port type integer} {name key_or_empty_string type oneof arguments [{name key type key key_spec_index :0} {name empty_string type pure-token token ""}]} {name destination-db type integer} {name timeout type integer} {name copy type pure-token token COPY since 3.0.0 flags <+optional>} {name replace type pure-token token REPLACE since 3.0.0 flags <+optional>} {name authentication type oneof flags <+optional> arguments [{name password type string token AUTH since 4.0.7 flags <+optional>} {name username_password type block token AUTH2 since 6.0.0 flags <+optional> arguments [{name username type string} {name password type string}]}]} {name key type key key_spec_index :1 token KEYS since 3.0.6 flags <+optional +multiple>}]}`},
	"module":                        {docs: `{complexity "Depends on subcommand."}`},
	"module|help":                   {docs: `{complexity "O(1)"}`},
	"module|list":                   {tips: `<nondeterministic_output_order>`, docs: `{complexity "O(N) where N is the number of loaded modules."}`},
	"module|load":                   {docs: `{complexity "O(1)" arguments [{name path type string} {name arg type string flags <+optional +multiple>}]}`},
	"module|loadex":                 {docs: `{complexity "O(1)" arguments [{name path type string} {name configs type block token CONFIG flags <+optional +multiple +multiple_token> arguments [{name name type string} {name value type string}]} {name args type block token ARGS flags <+optional +multiple> arguments [{name arg type string}]}]}`},
	"module|unload":                 {docs: `{complexity "O(1)" arguments [{name name type string}]}`},
	"monitor":                       {},
	"move":                          {cats: "keyspace", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name db type integer}]}`},
	"mset":                          {cats: "string", tips: `<"request_policy:multi_shard" "response_policy:all_succeeded">`, specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :2 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys to set." arguments [{name key_value type block flags <+multiple> arguments [{name key type key key_spec_index :0} {name value type string}]}]}`},
	"msetnx":                        {cats: "string", tips: `<"request_policy:multi_shard" "response_policy:agg_min">`, specs: `<{flags <+OW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :2 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys to set." arguments [{name key_value type block flags <+multiple> arguments [{name key type key key_spec_index :0} {name value type string}]}]}`},
	"multi":                         {cats: "transaction", docs: `{complexity "O(1)"}`},
	"object":                        {docs: `{complexity "Depends on subcommand."}`},
	"object|encoding":               {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"object|freq":                   {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"object|help":                   {cats: "keyspace", docs: `{complexity "O(1)"}`},
	"object|idletime":               {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"object|refcount":               {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"persist":                       {cats: "keyspace", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"pexpire":                       {cats: "keyspace", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added options: \x60NX\x60, \x60XX\x60, \x60GT\x60 and \x60LT\x60."]> arguments [{name key type key key_spec_index :0} {name milliseconds type integer} {name condition type oneof since 7.0.0 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX} {name gt type pure-token token GT} {name lt type pure-token token LT}]}]}`},
	"pexpireat":                     {cats: "keyspace", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added options: \x60NX\x60, \x60XX\x60, \x60GT\x60 and \x60LT\x60."]> arguments [{name key type key key_spec_index :0} {name unix-time-milliseconds type unix-time} {name condition type oneof since 7.0.0 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX} {name gt type pure-token token GT} {name lt type pure-token token LT}]}]}`},
	"pexpiretime":                   {cats: "keyspace", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"pfadd":                         {cats: "hyperloglog", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) to add every element." arguments [{name key type key key_spec_index :0} {name element type string flags <+optional +multiple>}]}`},
	"pfcount":                       {cats: "hyperloglog", specs: `<{notes "RW because it may change the internal representation of the key, and propagate to replicas" flags <+RW +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"pfdebug":                       {cats: "hyperloglog", specs: `<{flags <+RW +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "N/A" doc_flags <+syscmd> arguments [{name subcommand type string} {name key type key key_spec_index :0}]}`},
	"pfmerge":                       {cats: "hyperloglog", specs: `<{flags <+RW +access +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) to merge N HyperLogLogs, but with high constant times." arguments [{name destkey type key key_spec_index :0} {name sourcekey type key key_spec_index :1 flags <+multiple>}]}`},
	"pfselftest":                    {cats: "hyperloglog", docs: `{complexity "N/A" doc_flags <+syscmd>}`},
	"ping":                          {cats: "connection", tips: `<"request_policy:all_shards" "response_policy:all_succeeded">`, docs: `{complexity "O(1)" arguments [{name message type string flags <+optional>}]}`},
	"psetex":                        {cats: "string", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name milliseconds type integer} {name value type string}]}`},
	"psubscribe":                    {docs: `{complexity "O(N) where N is the number of patterns the client is already subscribed to." arguments [{name pattern type block flags <+multiple> arguments [{name pattern type pattern}]}]}`},
	"psync":                         {docs: `{arguments [{name replicationid type string} {name offset type integer}]}`},
	"pttl":                          {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[2.8.0 "Added the -2 reply."]> arguments [{name key type key key_spec_index :0}]}`},
	"publish":                       {docs: `{complexity "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)." arguments [{name channel type string} {name message type string}]}`},
	"pubsub":                        {docs: `{complexity "Depends on subcommand."}`},
	"pubsub|channels":               {docs: `{complexity "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)" arguments [{name pattern type pattern flags <+optional>}]}`},
	"pubsub|help":                   {docs: `{complexity "O(1)"}`},
	"pubsub|numpat":                 {docs: `{complexity "O(1)"}`},
	"pubsub|numsub":                 {docs: `{complexity "O(N) for the NUMSUB subcommand, where N is the number of requested channels" arguments [{name channel type string flags <+optional +multiple>}]}`},
	"pubsub|shardchannels":          {docs: `{complexity "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)." arguments [{name pattern type pattern flags <+optional>}]}`},
	"pubsub|shardnumsub":            {docs: `{complexity "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels" arguments [{name shardchannel type string flags <+optional +multiple>}]}`},
	"punsubscribe":                  {docs: `{complexity "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)." arguments [{name pattern type pattern flags <+optional +multiple>}]}`},
	"quit":                          {cats: "connection", docs: `{complexity "O(1)"}`},
	"randomkey":                     {cats: "keyspace", tips: `<"request_policy:all_shards" nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"readonly":                      {cats: "connection", docs: `{complexity "O(1)"}`},
	"readwrite":                     {cats: "connection", docs: `{complexity "O(1)"}`},
	"rename":                        {cats: "keyspace", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +update> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name newkey type key key_spec_index :1}]}`},
	"renamenx":                      {cats: "keyspace", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+OW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[3.2.0 "The command no longer returns an error when source and destination names are the same."]> arguments [{name key type key key_spec_index :0} {name newkey type key key_spec_index :1}]}`},
	"replconf":                      {docs: `{complexity "O(1)" doc_flags <+syscmd>}`},
	"replicaof":                     {docs: `{complexity "O(1)" arguments [{name args type oneof arguments [{name host-port type block arguments [{name host type string} {name port type integer}]} {name no-one type block arguments [{name no type pure-token token NO} {name one type pure-token token ONE}]}]}]}`},
	"reset":                         {cats: "connection", docs: `{complexity "O(1)"}`},
	"restore":                       {cats: "keyspace dangerous", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))." history <[3.0.0 "Added the \x60REPLACE\x60 modifier."] [5.0.0 "Added the \x60ABSTTL\x60 modifier."] [5.0.0 "Added the \x60IDLETIME\x60 and \x60FREQ\x60 options."]> arguments [{name key type key key_spec_index :0} {name ttl type integer} {name serialized-value type string} {name replace type pure-token token REPLACE since 3.0.0 flags <+optional>} {name absttl type pure-token token ABSTTL since 5.0.0 flags <+optional>} {name seconds type integer token IDLETIME since 5.0.0 flags <+optional>} {name frequency type integer token FREQ since 5.0.0 flags <+optional>}]}`},
	"restore-asking":                {cats: "keyspace dangerous", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))." doc_flags <+syscmd> history <[3.0.0 "Added the \x60REPLACE\x60 modifier."] [5.0.0 "Added the \x60ABSTTL\x60 modifier."] [5.0.0 "Added the \x60IDLETIME\x60 and \x60FREQ\x60 options."]> arguments [{name key type key key_spec_index :0} {name ttl type integer} {name serialized-value type string} {name replace type pure-token token REPLACE since 3.0.0 flags <+optional>} {name absttl type pure-token token ABSTTL since 5.0.0 flags <+optional>} {name seconds type integer token IDLETIME since 5.0.0 flags <+optional>} {name frequency type integer token FREQ since 5.0.0 flags <+optional>}]}`},
	"role":                          {cats: "admin dangerous", docs: `{complexity "O(1)"}`},
	"rpop":                          {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements returned" history <[6.2.0 "Added the \x60count\x60 argument."]> arguments [{name key type key key_spec_index :0} {name count type integer since 6.2.0 flags <+optional>}]}`},
	"rpoplpush":                     {cats: "list", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60LMOVE\x60 with the \x60RIGHT\x60 and \x60LEFT\x60 arguments" arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1}]}`},
	"rpush":                         {cats: "list", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." history <[2.4.0 "Accepts multiple \x60element\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name element type string flags <+multiple>}]}`},
	"rpushx":                        {cats: "list", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." history <[4.0.0 "Accepts multiple \x60element\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name element type string flags <+multiple>}]}`},
	"sadd":                          {cats: "set", specs: `<{flags <+RW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments." history <[2.4.0 "Accepts multiple \x60member\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"save":                          {docs: `{complexity "O(N) where N is the total number of keys in all databases"}`},
	"scan":                          {cats: "keyspace", tips: `<nondeterministic_output "request_policy:special">`, docs: `{complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection." history <[6.0.0 "Added the \x60TYPE\x60 subcommand."]> arguments [{name cursor type integer} {name pattern type pattern token MATCH flags <+optional>} {name count type integer token COUNT flags <+optional>} {name type type string token TYPE since 6.0.0 flags <+optional>}]}`},
	"scard":                         {cats: "set", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"script":                        {docs: `{complexity "Depends on subcommand."}`},
	"script|debug":                  {cats: "scripting", docs: `{complexity "O(1)" arguments [{name mode type oneof arguments [{name yes type pure-token token YES} {name sync type pure-token token SYNC} {name no type pure-token token NO}]}]}`},
	"script|exists":                 {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:agg_logical_and">`, docs: `{complexity "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)." arguments [{name sha1 type string flags <+multiple>}]}`},
	"script|flush":                  {cats: "scripting", tips: `<"request_policy:all_nodes" "response_policy:all_succeeded">`, docs: `{complexity "O(N) with N being the number of scripts in cache" history <[6.2.0 "Added the \x60ASYNC\x60 and \x60SYNC\x60 flushing mode modifiers."]> arguments [{name async type oneof since 6.2.0 flags <+optional> arguments [{name async type pure-token token ASYNC} {name sync type pure-token token SYNC}]}]}`},
	"script|help":                   {cats: "scripting", docs: `{complexity "O(1)"}`},
	"script|kill":                   {cats: "scripting", tips: `<"request_policy:all_shards" "response_policy:one_succeeded">`, docs: `{complexity "O(1)"}`},
	"script|load":                   {cats: "scripting", tips: `<"request_policy:all_nodes" "response_policy:all_succeeded">`, docs: `{complexity "O(N) with N being the length in bytes of the script body." arguments [{name script type string}]}`},
	"sdiff":                         {cats: "set", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the total number of elements in all given sets." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"sdiffstore":                    {cats: "set", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the total number of elements in all given sets." arguments [{name destination type key key_spec_index :0} {name key type key key_spec_index :1 flags <+multiple>}]}`},
	"select":                        {cats: "connection", docs: `{complexity "O(1)" arguments [{name index type integer}]}`},
	"set":                           {cats: "string", specs: `<{notes "RW and ACCESS due to the optional \x60GET\x60 argument" flags <+RW +access +update +variable_flags> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[2.6.12 "Added the \x60EX\x60, \x60PX\x60, \x60NX\x60 and \x60XX\x60 options."] [6.0.0 "Added the \x60KEEPTTL\x60 option."] [6.2.0 "Added the \x60GET\x60, \x60EXAT\x60 and \x60PXAT\x60 option."] [7.0.0 "Allowed the \x60NX\x60 and \x60GET\x60 options to be used together."]> arguments [{name key type key key_spec_index :0} {name value type string} {name condition type oneof since 2.6.12 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX}]} {name get type pure-token token GET since 6.2.0 flags <+optional>} {name expiration type oneof flags <+optional> arguments [{name seconds type integer token EX since 2.6.12} {name milliseconds type integer token PX since 2.6.12} {name unix-time-seconds type unix-time token EXAT since 6.2.0} {name unix-time-milliseconds type unix-time token PXAT since 6.2.0} {name keepttl type pure-token token KEEPTTL since 6.0.0}]}]}`},
	"setbit":                        {cats: "bitmap", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name offset type integer} {name value type integer}]}`},
	"setex":                         {cats: "string", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name seconds type integer} {name value type string}]}`},
	"setnx":                         {cats: "string", specs: `<{flags <+OW +insert> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name value type string}]}`},
	"setrange":                      {cats: "string", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument." arguments [{name key type key key_spec_index :0} {name offset type integer} {name value type string}]}`},
	"shutdown":                      {docs: `{complexity "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)" history <[7.0.0 "Added the \x60NOW\x60, \x60FORCE\x60 and \x60ABORT\x60 modifiers."]> arguments [{name nosave_save type oneof flags <+optional> arguments [{name nosave type pure-token token NOSAVE} {name save type pure-token token SAVE}]} {name now type pure-token token NOW since 7.0.0 flags <+optional>} {name force type pure-token token FORCE since 7.0.0 flags <+optional>} {name abort type pure-token token ABORT since 7.0.0 flags <+optional>}]}`},
	"sinter":                        {cats: "set", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"sintercard":                    {cats: "set", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name limit type integer token LIMIT flags <+optional>}]}`},
	"sinterstore":                   {cats: "set", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets." arguments [{name destination type key key_spec_index :0} {name key type key key_spec_index :1 flags <+multiple>}]}`},
	"sismember":                     {cats: "set", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name member type string}]}`},
	"slaveof":                       {docs: `{complexity "O(1)" doc_flags <+deprecated> deprecated_since 5.0.0 replaced_by "\x60REPLICAOF\x60" arguments [{name args type oneof arguments [{name host-port type block arguments [{name host type string} {name port type integer}]} {name no-one type block arguments [{name no type pure-token token NO} {name one type pure-token token ONE}]}]}]}`},
	"slowlog":                       {docs: `{complexity "Depends on subcommand."}`},
	"slowlog|get":                   {tips: `<"request_policy:all_nodes" nondeterministic_output>`, docs: `{complexity "O(N) where N is the number of entries returned" history <[4.0.0 "Added client IP address, port and name to the reply."]> arguments [{name count type integer flags <+optional>}]}`},
	"slowlog|help":                  {docs: `{complexity "O(1)"}`},
	"slowlog|len":                   {tips: `<"request_policy:all_nodes" "response_policy:agg_sum" nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"slowlog|reset":                 {tips: `<"request_policy:all_nodes" "response_policy:all_succeeded">`, docs: `{complexity "O(N) where N is the number of entries in the slowlog"}`},
	"smembers":                      {cats: "set", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the set cardinality." arguments [{name key type key key_spec_index :0}]}`},
	"smismember":                    {cats: "set", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements being checked for membership" arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"smove":                         {cats: "set", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name source type key key_spec_index :0} {name destination type key key_spec_index :1} {name member type string}]}`},
	"sort":                          {cats: "set sortedset list dangerous", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {notes "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort" flags <+RO +access> begin_search {type unknown spec {}} find_keys {type unknown spec {}}} {notes "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array" flags <+OW +update> begin_search {type unknown spec {}} find_keys {type unknown spec {}}}>`, docs: `{complexity "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)." arguments [{name key type key key_spec_index :0} {name pattern type pattern key_spec_index :1 token BY flags <+optional>} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]} {name pattern type pattern key_spec_index :1 token GET flags <+optional +multiple +multiple_token>} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name sorting type pure-token token ALPHA flags <+optional>} {name destination type key key_spec_index :2 token STORE flags <+optional>}]}`},
	"sort_ro":                       {cats: "set sortedset list dangerous", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {notes "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort" flags <+RO +access> begin_search {type unknown spec {}} find_keys {type unknown spec {}}}>`, docs: `{complexity "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)." arguments [{name key type key key_spec_index :0} {name pattern type pattern key_spec_index :1 token BY flags <+optional>} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]} {name pattern type pattern key_spec_index :1 token GET flags <+optional +multiple +multiple_token>} {name order type oneof flags <+optional> arguments [{name asc type pure-token token ASC} {name desc type pure-token token DESC}]} {name sorting type pure-token token ALPHA flags <+optional>}]}`},
	"spop":                          {cats: "set", tips: `<nondeterministic_output>`, specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "Without the count argument O(1), otherwise O(N) where N is the value of the passed count." history <[3.2.0 "Added the \x60count\x60 argument."]> arguments [{name key type key key_spec_index :0} {name count type integer since 3.2.0 flags <+optional>}]}`},
	"spublish":                      {specs: `<{flags <+not_key> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of clients subscribed to the receiving shard channel." arguments [{name shardchannel type string} {name message type string}]}`},
	"srandmember":                   {cats: "set", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count." history <[2.6.0 "Added the optional \x60count\x60 argument."]> arguments [{name key type key key_spec_index :0} {name count type integer since 2.6.0 flags <+optional>}]}`},
	"srem":                          {cats: "set", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of members to be removed." history <[2.4.0 "Accepts multiple \x60member\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"sscan":                         {cats: "set", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." arguments [{name key type key key_spec_index :0} {name cursor type integer} {name pattern type pattern token MATCH flags <+optional>} {name count type integer token COUNT flags <+optional>}]}`},
	"ssubscribe":                    {specs: `<{flags <+not_key> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of shard channels to subscribe to." arguments [{name shardchannel type string flags <+multiple>}]}`},
	"strlen":                        {cats: "string", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"subscribe":                     {docs: `{complexity "O(N) where N is the number of channels to subscribe to." arguments [{name channel type string flags <+multiple>}]}`},
	"substr":                        {cats: "string", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." doc_flags <+deprecated> deprecated_since 2.0.0 replaced_by "\x60GETRANGE\x60" arguments [{name key type key key_spec_index :0} {name start type integer} {name end type integer}]}`},
	"sunion":                        {cats: "set", tips: `<nondeterministic_output_order>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the total number of elements in all given sets." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"sunionstore":                   {cats: "set", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the total number of elements in all given sets." arguments [{name destination type key key_spec_index :0} {name key type key key_spec_index :1 flags <+multiple>}]}`},
	"sunsubscribe":                  {specs: `<{flags <+not_key> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of clients already subscribed to a shard channel." arguments [{name shardchannel type string flags <+optional +multiple>}]}`},
	"swapdb":                        {cats: "keyspace dangerous", docs: `{complexity "O(N) where N is the count of clients watching or blocking on keys from both databases." arguments [{name index1 type integer} {name index2 type integer}]}`},
	"sync":                          {},
	"time":                          {tips: `<nondeterministic_output>`, docs: `{complexity "O(1)"}`},
	"touch":                         {cats: "keyspace", tips: `<"request_policy:multi_shard" "response_policy:agg_sum">`, specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of keys that will be touched." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"ttl":                           {cats: "keyspace", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[2.8.0 "Added the -2 reply."]> arguments [{name key type key key_spec_index :0}]}`},
	"type":                          {cats: "keyspace", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"unlink":                        {cats: "keyspace", tips: `<"request_policy:multi_shard" "response_policy:agg_sum">`, specs: `<{flags <+RM +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"unsubscribe":                   {docs: `{complexity "O(N) where N is the number of clients already subscribed to a channel." arguments [{name channel type string flags <+optional +multiple>}]}`},
	"unwatch":                       {cats: "transaction", docs: `{complexity "O(1)"}`},
	"wait":                          {cats: "connection", tips: `<"request_policy:all_shards" "response_policy:agg_min">`, docs: `{complexity "O(1)" arguments [{name numreplicas type integer} {name timeout type integer}]}`},
	"watch":                         {cats: "transaction", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for every key." arguments [{name key type key key_spec_index :0 flags <+multiple>}]}`},
	"xack":                          {cats: "stream", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each message ID processed." arguments [{name key type key key_spec_index :0} {name group type string} {name id type string flags <+multiple>}]}`},
	"xadd":                          {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{notes "UPDATE instead of INSERT because of the optional trimming feature" flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted." history <[6.2.0 "Added the \x60NOMKSTREAM\x60 option, \x60MINID\x60 trimming strategy and the \x60LIMIT\x60 option."] [7.0.0 "Added support for the \x60<ms>-*\x60 explicit ID form."]> arguments [{name key type key key_spec_index :0} {name nomkstream type pure-token token NOMKSTREAM since 6.2.0 flags <+optional>} {name trim type block flags <+optional> arguments [{name strategy type oneof arguments [{name maxlen type pure-token token MAXLEN} {name minid type pure-token token MINID since 6.2.0}]} {name operator type oneof flags <+optional> arguments [{name equal type pure-token token "="} {name approximately type pure-token token "~"}]} {name threshold type string} {name count type integer token LIMIT since 6.2.0 flags <+optional>}]} {name id_or_auto type oneof arguments [{name auto_id type pure-token token "*"} {name id type string}]} {name field_value type block flags <+multiple> arguments [{name field type string} {name value type string}]}]}`},
	"xautoclaim":                    {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) if COUNT is small." history <[7.0.0 "Added an element to the reply array, containing deleted entries the command cleared from the PEL"]> arguments [{name key type key key_spec_index :0} {name group type string} {name consumer type string} {name min-idle-time type string} {name start type string} {name count type integer token COUNT flags <+optional>} {name justid type pure-token token JUSTID flags <+optional>}]}`},
	"xclaim":                        {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log N) with N being the number of messages in the PEL of the consumer group." arguments [{name key type key key_spec_index :0} {name group type string} {name consumer type string} {name min-idle-time type string} {name id type string flags <+multiple>} {name ms type integer token IDLE flags <+optional>} {name unix-time-milliseconds type unix-time token TIME flags <+optional>} {name count type integer token RETRYCOUNT flags <+optional>} {name force type pure-token token FORCE flags <+optional>} {name justid type pure-token token JUSTID flags <+optional>} {name id type string token LASTID flags <+optional>}]}`},
	"xdel":                          {cats: "stream", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for each single item to delete in the stream, regardless of the stream size." arguments [{name key type key key_spec_index :0} {name id type string flags <+multiple>}]}`},
	"xgroup":                        {docs: `{complexity "Depends on subcommand."}`},
	"xgroup|create":                 {cats: "stream", specs: `<{flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added the \x60entries_read\x60 named argument."]> arguments [{name key type key key_spec_index :0} {name groupname type string} {name id type oneof arguments [{name id type string} {name new_id type pure-token token "$"}]} {name mkstream type pure-token token MKSTREAM flags <+optional>} {name entries_read type integer token ENTRIESREAD flags <+optional>}]}`},
	"xgroup|createconsumer":         {cats: "stream", specs: `<{flags <+RW +insert> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name groupname type string} {name consumername type string}]}`},
	"xgroup|delconsumer":            {cats: "stream", specs: `<{flags <+RW +delete> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name groupname type string} {name consumername type string}]}`},
	"xgroup|destroy":                {cats: "stream", specs: `<{flags <+RW +delete> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of entries in the group's pending entries list (PEL)." arguments [{name key type key key_spec_index :0} {name groupname type string}]}`},
	"xgroup|help":                   {cats: "stream", docs: `{complexity "O(1)"}`},
	"xgroup|setid":                  {cats: "stream", specs: `<{flags <+RW +update> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added the optional \x60entries_read\x60 argument."]> arguments [{name key type key key_spec_index :0} {name groupname type string} {name id type oneof arguments [{name id type string} {name new_id type pure-token token "$"}]} {name entries_read type integer token ENTRIESREAD flags <+optional>}]}`},
	"xinfo":                         {docs: `{complexity "Depends on subcommand."}`},
	"xinfo|consumers":               {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name groupname type string}]}`},
	"xinfo|groups":                  {cats: "stream", specs: `<{flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added the \x60entries-read\x60 and \x60lag\x60 fields"]> arguments [{name key type key key_spec_index :0}]}`},
	"xinfo|help":                    {cats: "stream", docs: `{complexity "O(1)"}`},
	"xinfo|stream":                  {cats: "stream", specs: `<{flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[6.0.0 "Added the \x60FULL\x60 modifier."] [7.0.0 "Added the \x60max-deleted-entry-id\x60, \x60entries-added\x60, \x60recorded-first-entry-id\x60, \x60entries-read\x60 and \x60lag\x60 fields"]> arguments [{name key type key key_spec_index :0} {name full type block token FULL flags <+optional> arguments [{name count type integer token COUNT flags <+optional>}]}]}`},
	"xlen":                          {cats: "stream", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"xpending":                      {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer." history <[6.2.0 "Added the \x60IDLE\x60 option and exclusive range intervals."]> arguments [{name key type key key_spec_index :0} {name group type string} {name filters type block flags <+optional> arguments [{name min-idle-time type integer token IDLE since 6.2.0 flags <+optional>} {name start type string} {name end type string} {name count type integer} {name consumer type string flags <+optional>}]}]}`},
	"xrange":                        {cats: "stream", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)." history <[6.2.0 "Added exclusive ranges."]> arguments [{name key type key key_spec_index :0} {name start type string} {name end type string} {name count type integer token COUNT flags <+optional>}]}`},
	"xread":                         {cats: "stream", specs: `<{flags <+RO +access> begin_search {type keyword spec {keyword STREAMS startfrom :1}} find_keys {type range spec {lastkey :-1 keystep :1 limit :2}}}>`, docs: `{complexity "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data." arguments [{name count type integer token COUNT flags <+optional>} {name milliseconds type integer token BLOCK flags <+optional>} {name streams type block token STREAMS arguments [{name key type key key_spec_index :0 flags <+multiple>} {name id type string flags <+multiple>}]}]}`},
	"xreadgroup":                    {cats: "stream", specs: `<{flags <+RO +access> begin_search {type keyword spec {keyword STREAMS startfrom :4}} find_keys {type range spec {lastkey :-1 keystep :1 limit :2}}}>`, docs: `{complexity "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data." arguments [{name group_consumer type block token GROUP arguments [{name group type string} {name consumer type string}]} {name count type integer token COUNT flags <+optional>} {name milliseconds type integer token BLOCK flags <+optional>} {name noack type pure-token token NOACK flags <+optional>} {name streams type block token STREAMS arguments [{name key type key key_spec_index :0 flags <+multiple>} {name id type string flags <+multiple>}]}]}`},
	"xrevrange":                     {cats: "stream", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)." history <[6.2.0 "Added exclusive ranges."]> arguments [{name key type key key_spec_index :0} {name end type string} {name start type string} {name count type integer token COUNT flags <+optional>}]}`},
	"xsetid":                        {cats: "stream", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" history <[7.0.0 "Added the \x60entries_added\x60 and \x60max_deleted_entry_id\x60 arguments."]> arguments [{name key type key key_spec_index :0} {name last-id type string} {name entries_added type integer token ENTRIESADDED since 7.0.0 flags <+optional>} {name max_deleted_entry_id type string token MAXDELETEDID since 7.0.0 flags <+optional>}]}`},
	"xtrim":                         {cats: "stream", tips: `<nondeterministic_output>`, specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation." history <[6.2.0 "Added the \x60MINID\x60 trimming strategy and the \x60LIMIT\x60 option."]> arguments [{name key type key key_spec_index :0} {name trim type block arguments [{name strategy type oneof arguments [{name maxlen type pure-token token MAXLEN} {name minid type pure-token token MINID since 6.2.0}]} {name operator type oneof flags <+optional> arguments [{name equal type pure-token token "="} {name approximately type pure-token token "~"}]} {name threshold type string} {name count type integer token LIMIT since 6.2.0 flags <+optional>}]}]}`},
	"zadd":                          {cats: "sortedset", specs: `<{flags <+RW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) for each item added, where N is the number of elements in the sorted set." history <[2.4.0 "Accepts multiple elements."] [3.0.2 "Added the \x60XX\x60, \x60NX\x60, \x60CH\x60 and \x60INCR\x60 options."] [6.2.0 "Added the \x60GT\x60 and \x60LT\x60 options."]> arguments [{name key type key key_spec_index :0} {name condition type oneof since 3.0.2 flags <+optional> arguments [{name nx type pure-token token NX} {name xx type pure-token token XX}]} {name comparison type oneof since 6.2.0 flags <+optional> arguments [{name gt type pure-token token GT} {name lt type pure-token token LT}]} {name change type pure-token token CH since 3.0.2 flags <+optional>} {name increment type pure-token token INCR since 3.0.2 flags <+optional>} {name score_member type block flags <+multiple> arguments [{name score type double} {name member type string}]}]}`},
	"zcard":                         {cats: "sortedset", specs: `<{flags <+RO> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0}]}`},
	"zcount":                        {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) with N being the number of elements in the sorted set." arguments [{name key type key key_spec_index :0} {name min type double} {name max type double}]}`},
	"zdiff":                         {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name withscores type pure-token token WITHSCORES flags <+optional>}]}`},
	"zdiffstore":                    {cats: "sortedset", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set." arguments [{name destination type key key_spec_index :0} {name numkeys type integer} {name key type key key_spec_index :1 flags <+multiple>}]}`},
	"zincrby":                       {cats: "sortedset", specs: `<{flags <+RW +access +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) where N is the number of elements in the sorted set." arguments [{name key type key key_spec_index :0} {name increment type integer} {name member type string}]}`},
	"zinter":                        {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name weight type integer token WEIGHTS flags <+optional +multiple>} {name aggregate type oneof token AGGREGATE flags <+optional> arguments [{name sum type pure-token token SUM} {name min type pure-token token MIN} {name max type pure-token token MAX}]} {name withscores type pure-token token WITHSCORES flags <+optional>}]}`},
	"zintercard":                    {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name limit type integer token LIMIT flags <+optional>}]}`},
	"zinterstore":                   {cats: "sortedset", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set." arguments [{name destination type key key_spec_index :0} {name numkeys type integer} {name key type key key_spec_index :1 flags <+multiple>} {name weight type integer token WEIGHTS flags <+optional +multiple>} {name aggregate type oneof token AGGREGATE flags <+optional> arguments [{name sum type pure-token token SUM} {name min type pure-token token MIN} {name max type pure-token token MAX}]}]}`},
	"zlexcount":                     {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)) with N being the number of elements in the sorted set." arguments [{name key type key key_spec_index :0} {name min type string} {name max type string}]}`},
	"zmpop":                         {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name where type oneof arguments [{name min type pure-token token MIN} {name max type pure-token token MAX}]} {name count type integer token COUNT flags <+optional>}]}`},
	"zmscore":                       {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of members being requested." arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"zpopmax":                       {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped." arguments [{name key type key key_spec_index :0} {name count type integer flags <+optional>}]}`},
	"zpopmin":                       {cats: "sortedset", specs: `<{flags <+RW +access +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped." arguments [{name key type key key_spec_index :0} {name count type integer flags <+optional>}]}`},
	"zrandmember":                   {cats: "sortedset", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(N) where N is the number of elements returned" arguments [{name key type key key_spec_index :0} {name options type block flags <+optional> arguments [{name count type integer} {name withscores type pure-token token WITHSCORES flags <+optional>}]}]}`},
	"zrange":                        {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned." history <[6.2.0 "Added the \x60REV\x60, \x60BYSCORE\x60, \x60BYLEX\x60 and \x60LIMIT\x60 options."]> arguments [{name key type key key_spec_index :0} {name start type string} {name stop type string} {name sortby type oneof since 6.2.0 flags <+optional> arguments [{name byscore type pure-token token BYSCORE} {name bylex type pure-token token BYLEX}]} {name rev type pure-token token REV since 6.2.0 flags <+optional>} {name offset_count type block token LIMIT since 6.2.0 flags <+optional> arguments [{name offset type integer} {name count type integer}]} {name withscores type pure-token token WITHSCORES flags <+optional>}]}`},
	"zrangebylex":                   {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60ZRANGE\x60 with the \x60BYLEX\x60 argument" arguments [{name key type key key_spec_index :0} {name min type string} {name max type string} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]}]}`},
	"zrangebyscore":                 {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60ZRANGE\x60 with the \x60BYSCORE\x60 argument" history <[2.0.0 "Added the \x60WITHSCORES\x60 modifier."]> arguments [{name key type key key_spec_index :0} {name min type double} {name max type double} {name withscores type pure-token token WITHSCORES since 2.0.0 flags <+optional>} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]}]}`},
	"zrangestore":                   {cats: "sortedset", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key." arguments [{name dst type key key_spec_index :0} {name src type key key_spec_index :1} {name min type string} {name max type string} {name sortby type oneof flags <+optional> arguments [{name byscore type pure-token token BYSCORE} {name bylex type pure-token token BYLEX}]} {name rev type pure-token token REV flags <+optional>} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]}]}`},
	"zrank":                         {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N))" arguments [{name key type key key_spec_index :0} {name member type string}]}`},
	"zrem":                          {cats: "sortedset", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed." history <[2.4.0 "Accepts multiple elements."]> arguments [{name key type key key_spec_index :0} {name member type string flags <+multiple>}]}`},
	"zremrangebylex":                {cats: "sortedset", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." arguments [{name key type key key_spec_index :0} {name min type string} {name max type string}]}`},
	"zremrangebyrank":               {cats: "sortedset", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." arguments [{name key type key key_spec_index :0} {name start type integer} {name stop type integer}]}`},
	"zremrangebyscore":              {cats: "sortedset", specs: `<{flags <+RW +delete> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation." arguments [{name key type key key_spec_index :0} {name min type double} {name max type double}]}`},
	"zrevrange":                     {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60ZRANGE\x60 with the \x60REV\x60 argument" arguments [{name key type key key_spec_index :0} {name start type integer} {name stop type integer} {name withscores type pure-token token WITHSCORES flags <+optional>}]}`},
	"zrevrangebylex":                {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60ZRANGE\x60 with the \x60REV\x60 and \x60BYLEX\x60 arguments" arguments [{name key type key key_spec_index :0} {name max type string} {name min type string} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]}]}`},
	"zrevrangebyscore":              {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))." doc_flags <+deprecated> deprecated_since 6.2.0 replaced_by "\x60ZRANGE\x60 with the \x60REV\x60 and \x60BYSCORE\x60 arguments" history <[2.1.6 "\x60min\x60 and \x60max\x60 can be exclusive."]> arguments [{name key type key key_spec_index :0} {name max type double} {name min type double} {name withscores type pure-token token WITHSCORES flags <+optional>} {name offset_count type block token LIMIT flags <+optional> arguments [{name offset type integer} {name count type integer}]}]}`},
	"zrevrank":                      {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(log(N))" arguments [{name key type key key_spec_index :0} {name member type string}]}`},
	"zscan":                         {cats: "sortedset", tips: `<nondeterministic_output>`, specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.." arguments [{name key type key key_spec_index :0} {name cursor type integer} {name pattern type pattern token MATCH flags <+optional>} {name count type integer token COUNT flags <+optional>}]}`},
	"zscore":                        {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}}>`, docs: `{complexity "O(1)" arguments [{name key type key key_spec_index :0} {name member type string}]}`},
	"zunion":                        {cats: "sortedset", specs: `<{flags <+RO +access> begin_search {type index spec {index :1}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set." arguments [{name numkeys type integer} {name key type key key_spec_index :0 flags <+multiple>} {name weight type integer token WEIGHTS flags <+optional +multiple>} {name aggregate type oneof token AGGREGATE flags <+optional> arguments [{name sum type pure-token token SUM} {name min type pure-token token MIN} {name max type pure-token token MAX}]} {name withscores type pure-token token WITHSCORES flags <+optional>}]}`},
	"zunionstore":                   {cats: "sortedset", specs: `<{flags <+OW +update> begin_search {type index spec {index :1}} find_keys {type range spec {lastkey :0 keystep :1 limit :0}}} {flags <+RO +access> begin_search {type index spec {index :2}} find_keys {type keynum spec {keynumidx :0 firstkey :1 keystep :1}}}>`, docs: `{complexity "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set." arguments [{name destination type key key_spec_index :0} {name numkeys type integer} {name key type key key_spec_index :1 flags <+multiple>} {name weight type integer token WEIGHTS flags <+optional +multiple>} {name aggregate type oneof token AGGREGATE flags <+optional> arguments [{name sum type pure-token token SUM} {name min type pure-token token MIN} {name max type pure-token token MAX}]}]}`},
}

// getKeysTarget finds the command COMMAND GETKEYS and GETKEYSANDFLAGS are
// asked about, and checks it as Redis does; nil when it has replied an
// error.
func getKeysTarget(c *Ctx) (*Command, [][]byte) {
	args := c.Args[2:]
	cmd := lookupCommand(args[0])
	if cmd != nil && len(args) > 1 {
		if subs := subcommandsOf(cmd); subs != nil {
			cmd = subs[lower(args[1])]
		}
	}
	switch {
	case cmd == nil:
		c.Error("ERR Invalid command specified")
		return nil, nil
	case cmd.FirstKey <= 0 && cmd.Keys == nil:
		c.Error("ERR The command has no key arguments")
		return nil, nil
	case (cmd.Arity > 0 && cmd.Arity != len(args)) || len(args) < -cmd.Arity:
		c.Error("ERR Invalid number of arguments specified for command")
		return nil, nil
	}
	return cmd, args
}
