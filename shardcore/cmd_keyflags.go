package shardcore

import "strings"

// COMMAND GETKEYSANDFLAGS: COMMAND GETKEYS with each key's access flags,
// found as Redis 7.0 finds them. The command's key specs (Redis's, from
// commandMeta) are evaluated over the arguments. Where Redis's specs cannot
// say (SORT's are of unknown shape) or their flags depend on the arguments
// (SET, BITFIELD), the command's own key finder gives the keys, with the
// flags Redis's key-extraction functions give.

type keyRef struct {
	pos   int
	flags []string
}

func cmdCommandGetKeysAndFlags(c *Ctx) {
	cmd, args := getKeysTarget(c)
	if cmd == nil {
		return
	}
	refs := commandKeyFlags(cmd, args)
	if len(refs) == 0 {
		c.Error("ERR Invalid arguments specified for command")
		return
	}
	c.W.Array(len(refs))
	for _, r := range refs {
		c.W.Array(2)
		c.W.Bulk(args[r.pos])
		c.W.Set(len(r.flags))
		for _, f := range r.flags {
			c.W.Simple(f)
		}
	}
}

func commandKeyFlags(cmd *Command, args [][]byte) []keyRef {
	var specs []docNode
	if src := commandMeta[cmd.fullName()].specs; src != "" {
		if d, err := parseMetaTree(src); err == nil {
			specs = d.kids
		}
	}
	if specs == nil {
		// A keel command Redis documents no key spec for: the range spec
		// COMMAND INFO reports for it.
		flags := []string{"RW", "access", "update"}
		if cmd.Flags&FlagWrite == 0 {
			flags = []string{"RO", "access"}
		}
		return refsAt(cmd.keyPositions(args, nil), func(int) []string { return flags })
	}
	pos := cmd.keyPositions(args, nil)
	switch cmd.Name {
	case "set":
		flags := []string{"OW", "update"}
		for _, a := range args[min(3, len(args)):] {
			if strOptIs(a, "get") {
				flags = []string{"RW", "access", "update"}
				break
			}
		}
		return refsAt(pos, func(int) []string { return flags })
	case "bitfield":
		flags := []string{"RW", "access", "update"}
		if bitfieldReadOnly(args) {
			flags = []string{"RO", "access"}
		}
		return refsAt(pos, func(int) []string { return flags })
	case "sort", "sort_ro":
		return refsAt(pos, func(i int) []string {
			if i == 0 {
				return []string{"RO", "access"}
			}
			return []string{"OW", "update"}
		})
	}
	// Specs that cannot be evaluated mean arguments Redis's own key finders
	// reject too.
	refs, ok := evalKeySpecs(specs, args)
	if !ok {
		return nil
	}
	return refs
}

func refsAt(pos []int, flags func(i int) []string) []keyRef {
	refs := make([]keyRef, len(pos))
	for i, p := range pos {
		refs[i] = keyRef{pos: p, flags: flags(i)}
	}
	return refs
}

// bitfieldReadOnly mirrors Redis's bitfieldGetKeys: only GETs (and
// OVERFLOWs) make a read; anything else, a syntax error included, counts
// as a write.
func bitfieldReadOnly(args [][]byte) bool {
	for i := 2; i < len(args); i++ {
		rem := len(args) - i - 1
		switch {
		case strOptIs(args[i], "get") && rem >= 2:
			i += 2
		case (strOptIs(args[i], "set") || strOptIs(args[i], "incrby")) && rem >= 3:
			return false
		case strOptIs(args[i], "overflow") && rem >= 1:
			i++
		default:
			return false
		}
	}
	return true
}

// evalKeySpecs finds keys as Redis's getKeysUsingKeySpecs does; ok is
// false when a spec cannot be evaluated over these arguments.
func evalKeySpecs(specs []docNode, args [][]byte) (refs []keyRef, ok bool) {
	argc := len(args)
	for _, sp := range specs {
		bs, fk := field(sp, "begin_search"), field(sp, "find_keys")
		first := 0
		switch metaStr(field(bs, "type")) {
		case "index":
			first = int(field(field(bs, "spec"), "index").n)
		case "keyword":
			spec := field(bs, "spec")
			kw, from := metaStr(field(spec, "keyword")), int(field(spec, "startfrom").n)
			start, end := from, argc-1
			if from <= 0 {
				start, end = argc+from, 1
			}
			dir := 1
			if start > end {
				dir = -1
			}
			// As Redis, the search stops short of end.
			for i := start; i != end && i < argc && i >= 1; i += dir {
				if strings.EqualFold(string(args[i]), kw) {
					first = i + 1
					break
				}
			}
			if first == 0 {
				continue // keyword absent: no key from this spec
			}
		default:
			return nil, false
		}
		var last, step int
		spec := field(fk, "spec")
		switch metaStr(field(fk, "type")) {
		case "range":
			lastkey, limit := int(field(spec, "lastkey").n), int(field(spec, "limit").n)
			step = int(field(spec, "keystep").n)
			switch {
			case lastkey >= 0:
				last = first + lastkey
			case limit == 0:
				last = argc + lastkey
			default:
				last = first + ((argc-first)/limit + lastkey)
			}
		case "keynum":
			idx := int(field(spec, "keynumidx").n)
			if first+idx >= argc {
				return nil, false
			}
			n, isNum := ParseInt(args[first+idx])
			if !isNum || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += int(field(spec, "firstkey").n)
			last = first + int(n) - 1
			step = int(field(spec, "keystep").n)
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc || step <= 0 {
			return nil, false
		}
		flags := specFlags(sp)
		for i := first; i <= last; i += step {
			refs = append(refs, keyRef{pos: i, flags: flags})
		}
		if hasFlag(sp, "incomplete") {
			return nil, false
		}
	}
	return refs, true
}

// field returns the value of key in a metadata map (a zero node if none).
func field(m docNode, key string) docNode {
	for i := 0; i+1 < len(m.kids); i += 2 {
		if m.kids[i].str == key {
			return m.kids[i+1]
		}
	}
	return docNode{}
}

func metaStr(d docNode) string { return d.str }

func specFlags(sp docNode) []string {
	f := field(sp, "flags")
	out := make([]string, len(f.kids))
	for i, k := range f.kids {
		out[i] = k.str
	}
	return out
}

func hasFlag(sp docNode, flag string) bool {
	for _, k := range field(sp, "flags").kids {
		if k.str == flag {
			return true
		}
	}
	return false
}
