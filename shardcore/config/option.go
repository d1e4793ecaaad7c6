package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

type optFlags uint8

const (
	immutable optFlags = 1 << iota // CONFIG SET refuses it
	protected                      // CONFIG SET needs enable-protected-configs
	sensitive                      // value must be redacted from logs and MONITOR
	multiArg                       // takes any number of arguments
)

// option is one directive: how to parse it, render it for CONFIG GET, and
// write it back for CONFIG REWRITE.
type option struct {
	name  string
	alias string
	flags optFlags
	// set validates args and stores them; ld is the file loader while a
	// config file is being read, nil for CONFIG SET.
	set func(c *Config, args []string, ld *loader) error
	// get renders the value as CONFIG GET shows it.
	get func(c *Config) string
	// rewrite emits the option's lines into a CONFIG REWRITE state.
	rewrite func(c *Config, st *rewriteState)
}

// defaultConfig is compared against to decide whether CONFIG REWRITE must
// write an option that the file does not mention.
var defaultConfig = Default()

// simpleRewrite writes "name value" in place, or appends it when the value
// differs from the default.
func simpleRewrite(name string, render func(*Config) string) func(*Config, *rewriteState) {
	return func(c *Config, st *rewriteState) {
		v := render(c)
		st.rewriteLine(name, name+" "+v, v != render(defaultConfig))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func boolOpt(name, alias string, fl optFlags, field func(*Config) *bool) *option {
	return boolOptValid(name, alias, fl, field, nil)
}

func boolOptValid(name, alias string, fl optFlags, field func(*Config) *bool, valid func(bool) error) *option {
	get := func(c *Config) string { return yesNo(*field(c)) }
	return &option{
		name: name, alias: alias, flags: fl,
		set: func(c *Config, args []string, _ *loader) error {
			var v bool
			switch strings.ToLower(args[0]) {
			case "yes":
				v = true
			case "no":
			default:
				return errors.New("argument must be 'yes' or 'no'")
			}
			if valid != nil {
				if err := valid(v); err != nil {
					return err
				}
			}
			*field(c) = v
			return nil
		},
		get:     get,
		rewrite: simpleRewrite(name, get),
	}
}

type number interface{ ~int | ~int64 | ~uint64 }

// ullongMax is ULLONG_MAX as an upper bound of an unsigned option.
const ullongMax = -1

type numKind uint8

const (
	signedInt numKind = iota
	unsignedInt
	memorySigned   // memory units, stored signed (long long, off_t)
	memoryUnsigned // memory units, stored unsigned (size_t, unsigned long long)
)

// numOpt is a numeric option with Redis's parsing and bounds messages.
// Unsigned kinds compare bounds as unsigned, like Redis, so a negative value
// reports the unsigned range.
func numOpt[T number](name, alias string, fl optFlags, kind numKind, lo, hi int64, field func(*Config) *T) *option {
	memory := kind == memorySigned || kind == memoryUnsigned
	unsigned := kind == unsignedInt || kind == memoryUnsigned
	get := func(c *Config) string {
		v := int64(*field(c))
		if memory {
			return strconv.FormatUint(uint64(v), 10)
		}
		return strconv.FormatInt(v, 10)
	}
	render := get
	if memory {
		render = func(c *Config) string { return formatMemory(uint64(int64(*field(c)))) }
	}
	return &option{
		name: name, alias: alias, flags: fl,
		set: func(c *Config, args []string, _ *loader) error {
			var v int64
			if memory {
				u, err := memToUint64(args[0])
				if err != nil {
					return err
				}
				v = int64(u)
			} else {
				n, ok := string2ll(args[0])
				if !ok {
					return errors.New("argument couldn't be parsed into an integer")
				}
				v = n
			}
			if unsigned {
				if u := uint64(v); u < uint64(lo) || u > uint64(hi) {
					return fmt.Errorf("argument must be between %d and %d inclusive", uint64(lo), uint64(hi))
				}
			} else if v < lo || v > hi {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			*field(c) = T(v)
			return nil
		},
		get:     get,
		rewrite: simpleRewrite(name, render),
	}
}

// enumOpt takes one of values (case-insensitive). synonyms maps an accepted
// spelling to the value stored, as Redis maps oom-score-adj "relative" to
// "yes".
func enumOpt(name, alias string, fl optFlags, values []string, synonyms map[string]string, field func(*Config) *string) *option {
	get := func(c *Config) string { return *field(c) }
	return &option{
		name: name, alias: alias, flags: fl,
		set: func(c *Config, args []string, _ *loader) error {
			v := strings.ToLower(args[0])
			for _, allowed := range values {
				if v == allowed {
					if s, ok := synonyms[v]; ok {
						v = s
					}
					*field(c) = v
					return nil
				}
			}
			return errors.New("argument(s) must be one of the following: " + strings.Join(values, ", "))
		},
		get:     get,
		rewrite: simpleRewrite(name, get),
	}
}

// stringOpt is a free-form string. When emptyIsNull, an empty value counts as
// unset: CONFIG REWRITE then drops the directive instead of writing "".
func stringOpt(name, alias string, fl optFlags, emptyIsNull bool, field func(*Config) *string, valid func(string) error) *option {
	return &option{
		name: name, alias: alias, flags: fl,
		set: func(c *Config, args []string, _ *loader) error {
			if valid != nil {
				if err := valid(args[0]); err != nil {
					return err
				}
			}
			*field(c) = args[0]
			return nil
		},
		get: func(c *Config) string { return *field(c) },
		rewrite: func(c *Config, st *rewriteState) {
			v := *field(c)
			if emptyIsNull && v == "" {
				st.markProcessed(name)
				return
			}
			st.rewriteLine(name, name+" "+Repr(v), v != *field(defaultConfig))
		},
	}
}

// lookupEntry is a name under which an option can be addressed: its primary
// name or its alias.
type lookupEntry struct {
	name string // as registered: the primary name or the alias
	opt  *option
}

var (
	optionTable = buildOptions()
	// entries lists every registered name in table order, each alias right
	// after its primary name (the order CONFIG GET patterns report in).
	entries []lookupEntry
	byName  = map[string]lookupEntry{}
)

func init() {
	for _, o := range optionTable {
		for _, n := range []string{o.name, o.alias} {
			if n == "" {
				continue
			}
			e := lookupEntry{name: n, opt: o}
			entries = append(entries, e)
			byName[n] = e
		}
	}
}

func lookup(name string) (lookupEntry, bool) {
	e, ok := byName[strings.ToLower(name)]
	return e, ok
}

// deprecatedDirectives are accepted in a config file and ignored, as Redis
// ignores them (with exactly one argument).
var deprecatedDirectives = map[string]bool{
	"list-max-ziplist-entries": true,
	"list-max-ziplist-value":   true,
	"lua-replicate-commands":   true,
}

// OptionInfo describes a configuration option.
type OptionInfo struct {
	Name      string // primary name
	Alias     string // other accepted name, if any
	Mutable   bool   // CONFIG SET may change it
	Protected bool   // CONFIG SET needs enable-protected-configs yes (or local)
	Sensitive bool   // its value must not appear in logs, SLOWLOG or MONITOR
}

func (o *option) info() OptionInfo {
	return OptionInfo{
		Name:      o.name,
		Alias:     o.alias,
		Mutable:   o.flags&immutable == 0,
		Protected: o.flags&protected != 0,
		Sensitive: o.flags&sensitive != 0,
	}
}

// Lookup finds an option by name or alias, case-insensitively.
func Lookup(name string) (OptionInfo, bool) {
	e, ok := lookup(name)
	if !ok {
		return OptionInfo{}, false
	}
	return e.opt.info(), true
}

// Options lists every option in table order.
func Options() []OptionInfo {
	out := make([]OptionInfo, 0, len(optionTable))
	for _, o := range optionTable {
		out = append(out, o.info())
	}
	return out
}

const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
)
