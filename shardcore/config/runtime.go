package config

import (
	"fmt"
	"strings"
)

// Get implements CONFIG GET: each pattern is an option name, or a glob
// (it contains '*', '?' or '[') matched case-insensitively against every
// name and alias. An exact name is reported as given; each option appears
// once. Values are rendered as Redis renders them.
func (c *Config) Get(patterns ...string) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			key := strings.ToLower(pat)
			if seen[key] {
				continue
			}
			if e, ok := byName[key]; ok {
				seen[key] = true
				out = append(out, [2]string{pat, e.opt.get(c)})
			}
			continue
		}
		for _, e := range entries {
			if seen[e.name] || !GlobMatch([]byte(pat), []byte(e.name), true) {
				continue
			}
			seen[e.name] = true
			out = append(out, [2]string{e.name, e.opt.get(c)})
		}
	}
	return out
}

// Set implements CONFIG SET for one option, from a non-local client (see
// SetMulti).
func (c *Config) Set(name, value string) error {
	return c.SetMulti([][2]string{{name, value}}, false)
}

// SetMulti implements CONFIG SET name value [name value ...]: all or
// nothing. Every name is checked first (unknown, immutable, protected,
// duplicate), then values are set in order, then OnChange runs for those
// that changed; any failure restores every value. local tells whether the
// client is local, for enable-protected-configs local. Errors are the full
// Redis error replies.
func (c *Config) SetMulti(pairs [][2]string, local bool) error {
	type change struct {
		entry lookupEntry
		value string
	}
	var (
		changes  []change
		unknown  *string
		errName  string
		errText  string
		invalid  bool
		assigned = map[*option]bool{}
	)
	for _, p := range pairs {
		e, ok := lookup(p[0])
		if !ok {
			if !invalid {
				unknown = &p[0]
				invalid = true
			}
			continue
		}
		if invalid {
			continue
		}
		switch {
		case e.opt.flags&immutable != 0:
			errName, errText, invalid = p[0], "can't set immutable config", true
		case e.opt.flags&protected != 0 && !allowProtected(c.EnableProtectedConfigs, local):
			errName, errText, invalid = p[0], "can't set protected config", true
		case assigned[e.opt]:
			errName, errText, invalid = p[0], "duplicate parameter", true
		default:
			assigned[e.opt] = true
			changes = append(changes, change{e, p[1]})
		}
	}
	if unknown != nil {
		return fmt.Errorf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", *unknown)
	}
	if invalid {
		return setFailed(errName, errText)
	}

	backup := c.Clone()
	var changed []lookupEntry
	for _, ch := range changes {
		o := ch.entry.opt
		args := []string{ch.value}
		if o.flags&multiArg != 0 {
			args = splitSpaces(ch.value)
		}
		before := o.get(c)
		if err := o.set(c, args, nil); err != nil {
			*c = *backup
			return setFailed(ch.entry.name, err.Error())
		}
		if o.get(c) != before {
			changed = append(changed, ch.entry)
		}
	}
	if c.OnChange == nil {
		return nil
	}
	for i, e := range changed {
		if err := c.OnChange(e.opt.name); err != nil {
			*c = *backup
			// Let the server re-apply the old values it may have acted on.
			for _, undo := range changed[:i+1] {
				_ = c.OnChange(undo.opt.name)
			}
			return setFailed(e.name, err.Error())
		}
	}
	return nil
}

func setFailed(name, reason string) error {
	return fmt.Errorf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, reason)
}

func allowProtected(mode string, local bool) bool {
	return mode == "yes" || (mode == "local" && local)
}
