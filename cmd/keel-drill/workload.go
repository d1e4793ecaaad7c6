package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// snapshot is one state of an object, as the model predicts it or as read
// back from the server. Collections are canonical token lists (sorted where
// the type is unordered) so that states compare token by token.
type snapshot struct {
	tokens []string
	// expLo..expHi is the absolute expiry (Unix ms) the model allows; -1:
	// no TTL. A read-back state has expLo == expHi.
	expLo, expHi int64
	// count is PFCOUNT, for HyperLogLogs only.
	count int64
}

func snap(tokens ...string) snapshot { return snapshot{tokens: tokens, expLo: -1, expHi: -1} }

func (s snapshot) String() string {
	var b strings.Builder
	t := s.tokens
	if len(t) > 12 {
		t = append(append(slices.Clone(t[:5]), fmt.Sprintf("...(%d in all)...", len(t))), t[len(t)-5:]...)
	}
	b.WriteString("[" + strings.Join(t, " ") + "]")
	if s.expLo >= 0 {
		fmt.Fprintf(&b, " expire %d..%d", s.expLo, s.expHi)
	}
	if s.count > 0 {
		fmt.Fprintf(&b, " pfcount %d", s.count)
	}
	return b.String()
}

// op is one write (a command or a MULTI/EXEC block) built from the model.
type op struct {
	cmd []any   // a single command
	tx  [][]any // or the commands of a MULTI/EXEC
	// pending is the state once the write is applied, recorded before it
	// is sent: a write without a reply may or may not have happened.
	pending snapshot
	// apply checks the replies (one per command) and, when they are the
	// ones the model predicts, moves the model on and returns the state.
	apply func(replies []any, sentAt, ackAt time.Time) (snapshot, error)
}

func (o op) String() string {
	if o.tx == nil {
		return fmt.Sprint(o.cmd)
	}
	parts := make([]string, len(o.tx))
	for i, c := range o.tx {
		parts[i] = fmt.Sprint(c)
	}
	return "MULTI " + strings.Join(parts, " ") + " EXEC"
}

// object is a model of a few keys one writer owns alone, so its history is
// the order of that writer's writes.
type object interface {
	name() string
	// next builds a write; seq is unique over the whole run.
	next(rng *rand.Rand, seq int64, now time.Time) op
	// read reads the object's keys back.
	read(ctx context.Context, c *redis.Client) (snapshot, error)
	// state is the model's current state.
	state() snapshot
	// match reports whether a read-back state is the predicted one.
	match(got, want snapshot) bool
	// resync makes the model hold the server's state after a restart;
	// newest is the state after the last write sent.
	resync(ctx context.Context, c *redis.Client, got, newest snapshot) error
	// torn describes a state no atomic write can leave ("" when whole).
	torn(got snapshot) string
}

// tokensMatch compares token lists; a model token "e:*=<v>" (a stream entry
// whose ID the server chose and never told) matches any "e:<id>=<v>".
func tokensMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if got[i] == w {
			continue
		}
		v, wild := strings.CutPrefix(w, "e:*=")
		if !wild || !strings.HasPrefix(got[i], "e:") || !strings.HasSuffix(got[i], "="+v) {
			return false
		}
	}
	return true
}

func plainMatch(got, want snapshot) bool {
	if !tokensMatch(got.tokens, want.tokens) {
		return false
	}
	if want.expLo < 0 || got.expLo < 0 {
		return want.expLo < 0 && got.expLo < 0
	}
	// One millisecond each way: the server and the drill round "now"
	// independently.
	return got.expLo >= want.expLo-1 && got.expLo <= want.expHi+1
}

// Reply checks. go-redis (RESP2) gives status and bulk replies as string,
// integers as int64, arrays as []any and a nil bulk as nil.

func wantInt(v any, n int64) error {
	if got, ok := v.(int64); !ok || got != n {
		return fmt.Errorf("reply %#v, want integer %d", v, n)
	}
	return nil
}

func wantStr(v any, s string) error {
	if got, ok := v.(string); !ok || got != s {
		return fmt.Errorf("reply %#v, want %q", v, s)
	}
	return nil
}

func wantNil(v any) error {
	if v != nil {
		return fmt.Errorf("reply %#v, want nil", v)
	}
	return nil
}

// asStrings converts a flat array reply.
func asStrings(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("reply %#v, want an array", v)
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("array element %d: %#v, want a string", i, e)
		}
		out[i] = s
	}
	return out, nil
}

// do runs one command; a nil bulk reply is a nil value, not an error.
func do(ctx context.Context, c *redis.Client, args ...any) (any, error) {
	v, err := c.Do(ctx, args...).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}

func one(replies []any) any { return replies[0] }

// str is a string key written with SET, APPEND and DEL.
type strObj struct {
	key     string
	present bool
	val     string
}

func (o *strObj) name() string { return o.key }

func strSnap(present bool, v string) snapshot {
	if !present {
		return snap()
	}
	return snap(v)
}

func (o *strObj) state() snapshot { return strSnap(o.present, o.val) }

func (o *strObj) next(rng *rand.Rand, seq int64, _ time.Time) op {
	s := strconv.FormatInt(seq, 10)
	switch r := rng.IntN(10); {
	case r == 0 && o.present:
		return op{cmd: []any{"DEL", o.key}, pending: snap(),
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), 1); err != nil {
					return snapshot{}, err
				}
				o.present, o.val = false, ""
				return snap(), nil
			}}
	case r < 5 && len(o.val) < 200:
		nv := o.val + s + ","
		return op{cmd: []any{"APPEND", o.key, s + ","}, pending: snap(nv),
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), int64(len(nv))); err != nil {
					return snapshot{}, err
				}
				o.present, o.val = true, nv
				return snap(nv), nil
			}}
	default:
		return op{cmd: []any{"SET", o.key, s}, pending: snap(s),
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantStr(one(rs), "OK"); err != nil {
					return snapshot{}, err
				}
				o.present, o.val = true, s
				return snap(s), nil
			}}
	}
}

func (o *strObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "GET", o.key)
	if err != nil {
		return snapshot{}, err
	}
	if v == nil {
		return snap(), nil
	}
	s, ok := v.(string)
	if !ok {
		return snapshot{}, fmt.Errorf("GET %s: reply %#v", o.key, v)
	}
	return snap(s), nil
}

func (o *strObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *strObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.present = len(got.tokens) == 1
	o.val = ""
	if o.present {
		o.val = got.tokens[0]
	}
	return nil
}

func (o *strObj) torn(snapshot) string { return "" }

// ctrObj is a counter: every reply of INCRBY/DECR is the exact new value.
type ctrObj struct {
	key     string
	present bool
	n       int64
}

func (o *ctrObj) name() string { return o.key }

func (o *ctrObj) state() snapshot { return strSnap(o.present, strconv.FormatInt(o.n, 10)) }

func (o *ctrObj) next(rng *rand.Rand, _ int64, _ time.Time) op {
	cmd, n := []any{"DECR", o.key}, o.n-1
	if rng.IntN(4) > 0 {
		d := int64(1 + rng.IntN(9))
		cmd, n = []any{"INCRBY", o.key, d}, o.n+d
	}
	want := snap(strconv.FormatInt(n, 10))
	return op{cmd: cmd, pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := wantInt(one(rs), n); err != nil {
				return snapshot{}, err
			}
			o.present, o.n = true, n
			return want, nil
		}}
}

func (o *ctrObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	return (&strObj{key: o.key}).read(ctx, c)
}

func (o *ctrObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *ctrObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.present, o.n = false, 0
	if len(got.tokens) == 1 {
		n, err := strconv.ParseInt(got.tokens[0], 10, 64)
		if err != nil {
			return fmt.Errorf("counter %s holds %q: %w", o.key, got.tokens[0], err)
		}
		o.present, o.n = true, n
	}
	return nil
}

func (o *ctrObj) torn(snapshot) string { return "" }

// ttlObj is a string key whose expiry is set with SET PX, EXPIRE and
// PEXPIREAT and cleared with SET and PERSIST: replay must restore the
// absolute expiry the server computed, not recompute it.
type ttlObj struct {
	key     string
	present bool
	val     string
	exp     int64 // absolute Unix ms, -1: none
}

const (
	ttlPX     = 3_600_000 // SET PX, in ms
	ttlExpire = 7200      // EXPIRE, in s
)

func (o *ttlObj) name() string { return o.key }

func ttlSnap(present bool, v string, lo, hi int64) snapshot {
	if !present {
		return snap()
	}
	return snapshot{tokens: []string{v}, expLo: lo, expHi: hi}
}

func (o *ttlObj) state() snapshot { return ttlSnap(o.present, o.val, o.exp, o.exp) }

// relative builds an op whose expiry the server computes from its clock:
// it lies between the send and the reply, plus d.
func (o *ttlObj) relative(cmd []any, val string, d time.Duration, now time.Time, want func(any) error) op {
	ms := d.Milliseconds()
	// Without a reply the expiry lies between the send and the kill.
	pending := ttlSnap(true, val, now.UnixMilli()+ms, now.Add(24*time.Hour).UnixMilli()+ms)
	return op{cmd: cmd, pending: pending,
		apply: func(rs []any, sentAt, ackAt time.Time) (snapshot, error) {
			if err := want(one(rs)); err != nil {
				return snapshot{}, err
			}
			s := ttlSnap(true, val, sentAt.UnixMilli()+ms, ackAt.UnixMilli()+ms)
			// The model keeps the latest possible expiry: a later write
			// keeping the TTL would be compared within the same bounds.
			o.present, o.val, o.exp = true, val, s.expHi
			return s, nil
		}}
}

func (o *ttlObj) next(rng *rand.Rand, seq int64, now time.Time) op {
	s := strconv.FormatInt(seq, 10)
	if !o.present {
		return o.relative([]any{"SET", o.key, s, "PX", ttlPX}, s, ttlPX*time.Millisecond, now,
			func(v any) error { return wantStr(v, "OK") })
	}
	switch rng.IntN(5) {
	case 0:
		want := ttlSnap(true, s, -1, -1)
		return op{cmd: []any{"SET", o.key, s}, pending: want,
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantStr(one(rs), "OK"); err != nil {
					return snapshot{}, err
				}
				o.val, o.exp = s, -1
				return want, nil
			}}
	case 1:
		return o.relative([]any{"SET", o.key, s, "PX", ttlPX}, s, ttlPX*time.Millisecond, now,
			func(v any) error { return wantStr(v, "OK") })
	case 2:
		return o.relative([]any{"EXPIRE", o.key, ttlExpire}, o.val, ttlExpire*time.Second, now,
			func(v any) error { return wantInt(v, 1) })
	case 3:
		at := now.Add(2*time.Hour).UnixMilli() + int64(rng.IntN(100000))
		want := ttlSnap(true, o.val, at, at)
		return op{cmd: []any{"PEXPIREAT", o.key, at}, pending: want,
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), 1); err != nil {
					return snapshot{}, err
				}
				o.exp = at
				return want, nil
			}}
	default:
		had := int64(0)
		if o.exp >= 0 {
			had = 1
		}
		want := ttlSnap(true, o.val, -1, -1)
		return op{cmd: []any{"PERSIST", o.key}, pending: want,
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), had); err != nil {
					return snapshot{}, err
				}
				o.exp = -1
				return want, nil
			}}
	}
}

func (o *ttlObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	s, err := (&strObj{key: o.key}).read(ctx, c)
	if err != nil || len(s.tokens) == 0 {
		return s, err
	}
	v, err := do(ctx, c, "PEXPIRETIME", o.key)
	if err != nil {
		return snapshot{}, fmt.Errorf("PEXPIRETIME %s: %w", o.key, err)
	}
	at, ok := v.(int64)
	if !ok || at == -2 {
		return snapshot{}, fmt.Errorf("PEXPIRETIME %s: reply %#v for a key GET found", o.key, v)
	}
	s.expLo, s.expHi = at, at
	return s, nil
}

func (o *ttlObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *ttlObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.present, o.val, o.exp = len(got.tokens) == 1, "", -1
	if o.present {
		o.val, o.exp = got.tokens[0], got.expLo
	}
	return nil
}

func (o *ttlObj) torn(snapshot) string { return "" }

// listObj pushes unique elements at both ends and pops from the head.
type listObj struct {
	key   string
	elems []string
}

func (o *listObj) name() string         { return o.key }
func (o *listObj) state() snapshot      { return snap(o.elems...) }
func (o *listObj) torn(snapshot) string { return "" }

func (o *listObj) next(rng *rand.Rand, seq int64, _ time.Time) op {
	e := "e" + strconv.FormatInt(seq, 10)
	r := rng.IntN(10)
	if len(o.elems) > 0 && (r < 3 || len(o.elems) >= 30) {
		head, rest := o.elems[0], slices.Clone(o.elems[1:])
		return op{cmd: []any{"LPOP", o.key}, pending: snap(rest...),
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantStr(one(rs), head); err != nil {
					return snapshot{}, err
				}
				o.elems = rest
				return snap(rest...), nil
			}}
	}
	cmd, nl := []any{"RPUSH", o.key, e}, append(slices.Clone(o.elems), e)
	if r < 6 {
		cmd, nl = []any{"LPUSH", o.key, e}, append([]string{e}, o.elems...)
	}
	return op{cmd: cmd, pending: snap(nl...),
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := wantInt(one(rs), int64(len(nl))); err != nil {
				return snapshot{}, err
			}
			o.elems = nl
			return snap(nl...), nil
		}}
}

func (o *listObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "LRANGE", o.key, 0, -1)
	if err != nil {
		return snapshot{}, err
	}
	l, err := asStrings(v)
	if err != nil {
		return snapshot{}, fmt.Errorf("LRANGE %s: %w", o.key, err)
	}
	return snap(l...), nil
}

func (o *listObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *listObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.elems = slices.Clone(got.tokens)
	return nil
}

// mapSnap is a hash or sorted set as sorted "field=value" tokens.
func mapSnap(m map[string]string) snapshot {
	t := make([]string, 0, len(m))
	for k, v := range m {
		t = append(t, k+"="+v)
	}
	slices.Sort(t)
	return snap(t...)
}

func mapFrom(tokens []string) map[string]string {
	m := make(map[string]string, len(tokens))
	for _, t := range tokens {
		k, v, _ := strings.Cut(t, "=")
		m[k] = v
	}
	return m
}

func withKey(m map[string]string, k, v string) map[string]string {
	n := make(map[string]string, len(m)+1)
	for a, b := range m {
		n[a] = b
	}
	if v == "" {
		delete(n, k)
	} else {
		n[k] = v
	}
	return n
}

// pairsSnap reads a flat field/value array reply.
func pairsSnap(v any, what string) (snapshot, map[string]string, error) {
	l, err := asStrings(v)
	if err != nil || len(l)%2 != 0 {
		return snapshot{}, nil, fmt.Errorf("%s: reply %#v: %v", what, v, err)
	}
	m := map[string]string{}
	for i := 0; i < len(l); i += 2 {
		m[l[i]] = l[i+1]
	}
	return mapSnap(m), m, nil
}

// hashObj sets fields, increments a counter field and deletes fields.
type hashObj struct {
	key string
	m   map[string]string
}

func (o *hashObj) name() string         { return o.key }
func (o *hashObj) state() snapshot      { return mapSnap(o.m) }
func (o *hashObj) torn(snapshot) string { return "" }

func (o *hashObj) next(rng *rand.Rand, seq int64, _ time.Time) op {
	f := "f" + strconv.Itoa(rng.IntN(5))
	var cmd []any
	var nm map[string]string
	var check func(any) error
	switch r := rng.IntN(10); {
	case r < 3:
		cur, _ := strconv.ParseInt(o.m["ctr"], 10, 64)
		d := int64(1 + rng.IntN(9))
		nv := cur + d
		cmd, nm = []any{"HINCRBY", o.key, "ctr", d}, withKey(o.m, "ctr", strconv.FormatInt(nv, 10))
		check = func(v any) error { return wantInt(v, nv) }
	case r < 4:
		_, had := o.m[f]
		n := int64(0)
		if had {
			n = 1
		}
		cmd, nm = []any{"HDEL", o.key, f}, withKey(o.m, f, "")
		check = func(v any) error { return wantInt(v, n) }
	default:
		_, had := o.m[f]
		n := int64(1)
		if had {
			n = 0
		}
		s := strconv.FormatInt(seq, 10)
		cmd, nm = []any{"HSET", o.key, f, s}, withKey(o.m, f, s)
		check = func(v any) error { return wantInt(v, n) }
	}
	want := mapSnap(nm)
	return op{cmd: cmd, pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := check(one(rs)); err != nil {
				return snapshot{}, err
			}
			o.m = nm
			return want, nil
		}}
}

func (o *hashObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "HGETALL", o.key)
	if err != nil {
		return snapshot{}, err
	}
	s, _, err := pairsSnap(v, "HGETALL "+o.key)
	return s, err
}

func (o *hashObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *hashObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.m = mapFrom(got.tokens)
	return nil
}

// setObj adds unique members and removes existing ones.
type setObj struct {
	key     string
	members []string // sorted
}

func (o *setObj) name() string         { return o.key }
func (o *setObj) state() snapshot      { return snap(o.members...) }
func (o *setObj) torn(snapshot) string { return "" }

func (o *setObj) next(rng *rand.Rand, seq int64, _ time.Time) op {
	var cmd []any
	var nm []string
	if len(o.members) > 0 && (rng.IntN(3) == 0 || len(o.members) >= 30) {
		i := rng.IntN(len(o.members))
		cmd, nm = []any{"SREM", o.key, o.members[i]}, slices.Delete(slices.Clone(o.members), i, i+1)
	} else {
		m := "m" + strconv.FormatInt(seq, 10)
		cmd, nm = []any{"SADD", o.key, m}, append(slices.Clone(o.members), m)
		slices.Sort(nm)
	}
	return op{cmd: cmd, pending: snap(nm...),
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := wantInt(one(rs), 1); err != nil {
				return snapshot{}, err
			}
			o.members = nm
			return snap(nm...), nil
		}}
}

func (o *setObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "SMEMBERS", o.key)
	if err != nil {
		return snapshot{}, err
	}
	l, err := asStrings(v)
	if err != nil {
		return snapshot{}, fmt.Errorf("SMEMBERS %s: %w", o.key, err)
	}
	slices.Sort(l)
	return snap(l...), nil
}

func (o *setObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *setObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.members = slices.Clone(got.tokens)
	return nil
}

// zsetObj keeps integer scores, so replies and read-backs are exact.
type zsetObj struct {
	key string
	m   map[string]string // member -> score
}

func (o *zsetObj) name() string         { return o.key }
func (o *zsetObj) state() snapshot      { return mapSnap(o.m) }
func (o *zsetObj) torn(snapshot) string { return "" }

// normScore writes a score the way the model does (an integer).
func normScore(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", fmt.Errorf("score %q: %w", s, err)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

func (o *zsetObj) next(rng *rand.Rand, _ int64, _ time.Time) op {
	mem := "m" + strconv.Itoa(rng.IntN(8))
	_, had := o.m[mem]
	var cmd []any
	var nm map[string]string
	var check func(any) error
	switch r := rng.IntN(10); {
	case r < 4:
		cur, _ := strconv.ParseInt(o.m[mem], 10, 64)
		d := int64(rng.IntN(20) - 5)
		ns := strconv.FormatInt(cur+d, 10)
		cmd, nm = []any{"ZINCRBY", o.key, d, mem}, withKey(o.m, mem, ns)
		check = func(v any) error {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("reply %#v, want score %s", v, ns)
			}
			if n, err := normScore(s); err != nil || n != ns {
				return fmt.Errorf("reply %q, want score %s", s, ns)
			}
			return nil
		}
	case r < 5:
		n := int64(0)
		if had {
			n = 1
		}
		cmd, nm = []any{"ZREM", o.key, mem}, withKey(o.m, mem, "")
		check = func(v any) error { return wantInt(v, n) }
	default:
		score := strconv.Itoa(rng.IntN(1000) - 500)
		n := int64(1)
		if had {
			n = 0
		}
		cmd, nm = []any{"ZADD", o.key, score, mem}, withKey(o.m, mem, score)
		check = func(v any) error { return wantInt(v, n) }
	}
	want := mapSnap(nm)
	return op{cmd: cmd, pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := check(one(rs)); err != nil {
				return snapshot{}, err
			}
			o.m = nm
			return want, nil
		}}
}

func (o *zsetObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "ZRANGE", o.key, 0, -1, "WITHSCORES")
	if err != nil {
		return snapshot{}, err
	}
	_, m, err := pairsSnap(v, "ZRANGE "+o.key)
	if err != nil {
		return snapshot{}, err
	}
	for k, s := range m {
		if m[k], err = normScore(s); err != nil {
			return snapshot{}, fmt.Errorf("ZRANGE %s member %s: %w", o.key, k, err)
		}
	}
	return mapSnap(m), nil
}

func (o *zsetObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *zsetObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.m = mapFrom(got.tokens)
	return nil
}

// hllObj adds unique elements to a HyperLogLog. Its content is only known
// through PFCOUNT, an estimate: a state matches when the count is within a
// small tolerance, so losing one or two elements may go unnoticed. Since the
// tolerance also hides whether the last unacknowledged PFADD happened, the
// key is rewritten after each verification to exactly what the model holds.
type hllObj struct {
	key   string
	elems []string
}

const hllMax = 100

func (o *hllObj) name() string         { return o.key }
func (o *hllObj) state() snapshot      { return snap(o.elems...) }
func (o *hllObj) torn(snapshot) string { return "" }

func (o *hllObj) next(_ *rand.Rand, seq int64, _ time.Time) op {
	if len(o.elems) >= hllMax {
		return op{cmd: []any{"DEL", o.key}, pending: snap(),
			apply: func(rs []any, _, _ time.Time) (snapshot, error) {
				if err := wantInt(one(rs), 1); err != nil {
					return snapshot{}, err
				}
				o.elems = nil
				return snap(), nil
			}}
	}
	ne := append(slices.Clone(o.elems), "h"+strconv.FormatInt(seq, 10))
	return op{cmd: []any{"PFADD", o.key, ne[len(ne)-1]}, pending: snap(ne...),
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			// 0 is possible for a new element that changes no register.
			if n, ok := one(rs).(int64); !ok || (n != 0 && n != 1) || (len(o.elems) == 0 && n != 1) {
				return snapshot{}, fmt.Errorf("reply %#v, want 1 (or 0 when no register changed)", one(rs))
			}
			o.elems = ne
			return snap(ne...), nil
		}}
}

func (o *hllObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	v, err := do(ctx, c, "PFCOUNT", o.key)
	if err != nil {
		return snapshot{}, err
	}
	n, ok := v.(int64)
	if !ok {
		return snapshot{}, fmt.Errorf("PFCOUNT %s: reply %#v", o.key, v)
	}
	s := snap()
	s.count = n
	return s, nil
}

func (o *hllObj) match(got, want snapshot) bool {
	n := int64(len(want.tokens))
	d := got.count - n
	return d >= -(2+n/50) && d <= 2+n/50
}

func (o *hllObj) resync(ctx context.Context, c *redis.Client, _, newest snapshot) error {
	o.elems = slices.Clone(newest.tokens)
	if _, err := do(ctx, c, "DEL", o.key); err != nil {
		return fmt.Errorf("DEL %s: %w", o.key, err)
	}
	if len(o.elems) == 0 {
		return nil
	}
	args := []any{"PFADD", o.key}
	for _, e := range o.elems {
		args = append(args, e)
	}
	if _, err := do(ctx, c, args...); err != nil {
		return fmt.Errorf("PFADD %s: %w", o.key, err)
	}
	return nil
}

// msetObj writes the same value to keys of different shards with one MSET:
// a restart must find them all equal.
type msetObj struct {
	keys    []string
	present bool
	val     string
}

func (o *msetObj) name() string { return "MSET " + strings.Join(o.keys, " ") }

func (o *msetObj) snapOf(present bool, v string) snapshot {
	t := make([]string, len(o.keys))
	for i := range t {
		t[i] = "(nil)"
		if present {
			t[i] = v
		}
	}
	return snap(t...)
}

func (o *msetObj) state() snapshot { return o.snapOf(o.present, o.val) }

func (o *msetObj) next(_ *rand.Rand, seq int64, _ time.Time) op {
	s := strconv.FormatInt(seq, 10)
	cmd := []any{"MSET"}
	for _, k := range o.keys {
		cmd = append(cmd, k, s)
	}
	want := o.snapOf(true, s)
	return op{cmd: cmd, pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			if err := wantStr(one(rs), "OK"); err != nil {
				return snapshot{}, err
			}
			o.present, o.val = true, s
			return want, nil
		}}
}

func (o *msetObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	t := make([]string, len(o.keys))
	for i, k := range o.keys {
		v, err := do(ctx, c, "GET", k)
		if err != nil {
			return snapshot{}, err
		}
		switch s := v.(type) {
		case nil:
			t[i] = "(nil)"
		case string:
			t[i] = s
		default:
			return snapshot{}, fmt.Errorf("GET %s: reply %#v", k, v)
		}
	}
	return snap(t...), nil
}

func (o *msetObj) match(got, want snapshot) bool { return plainMatch(got, want) }

func (o *msetObj) torn(got snapshot) string {
	for _, t := range got.tokens[1:] {
		if t != got.tokens[0] {
			return fmt.Sprintf("MSET half applied: %s hold %v", strings.Join(o.keys, ", "), got.tokens)
		}
	}
	return ""
}

func (o *msetObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	o.present, o.val = got.tokens[0] != "(nil)", ""
	if o.present {
		o.val = got.tokens[0]
	}
	return nil
}

// txObj updates three keys of different shards in one MULTI/EXEC: a
// counter, a list of the last values and a hash naming both. They always
// agree unless the transaction was torn.
type txObj struct {
	n, l, h string // keys
	cnt     int64
	list    []string
}

const txListLen = 4

func (o *txObj) name() string { return "MULTI " + o.n + " " + o.l + " " + o.h }

func (o *txObj) snapOf(cnt int64, list []string) snapshot {
	if cnt == 0 && len(list) == 0 {
		return snap("n=", "l=", "h=/")
	}
	last := ""
	if len(list) > 0 {
		last = list[len(list)-1]
	}
	c := strconv.FormatInt(cnt, 10)
	return snap("n="+c, "l="+strings.Join(list, ","), "h="+c+"/"+last)
}

func (o *txObj) state() snapshot { return o.snapOf(o.cnt, o.list) }

func (o *txObj) next(_ *rand.Rand, seq int64, _ time.Time) op {
	s := strconv.FormatInt(seq, 10)
	cnt := o.cnt + 1
	pushed := int64(len(o.list) + 1)
	nl := append(slices.Clone(o.list), s)
	if len(nl) > txListLen {
		nl = nl[len(nl)-txListLen:]
	}
	hnew := int64(2)
	if o.cnt > 0 {
		hnew = 0
	}
	want := o.snapOf(cnt, nl)
	return op{
		tx: [][]any{
			{"INCR", o.n},
			{"RPUSH", o.l, s},
			{"LTRIM", o.l, -txListLen, -1},
			{"HSET", o.h, "n", cnt, "last", s},
		},
		pending: want,
		apply: func(rs []any, _, _ time.Time) (snapshot, error) {
			checks := []error{wantInt(rs[0], cnt), wantInt(rs[1], pushed), wantStr(rs[2], "OK"), wantInt(rs[3], hnew)}
			if err := errors.Join(checks...); err != nil {
				return snapshot{}, err
			}
			o.cnt, o.list = cnt, nl
			return want, nil
		}}
}

func (o *txObj) read(ctx context.Context, c *redis.Client) (snapshot, error) {
	nv, err := do(ctx, c, "GET", o.n)
	if err != nil {
		return snapshot{}, err
	}
	lv, err := do(ctx, c, "LRANGE", o.l, 0, -1)
	if err != nil {
		return snapshot{}, err
	}
	l, err := asStrings(lv)
	if err != nil {
		return snapshot{}, fmt.Errorf("LRANGE %s: %w", o.l, err)
	}
	hv, err := do(ctx, c, "HGETALL", o.h)
	if err != nil {
		return snapshot{}, err
	}
	_, h, err := pairsSnap(hv, "HGETALL "+o.h)
	if err != nil {
		return snapshot{}, err
	}
	n, _ := nv.(string)
	return snap("n="+n, "l="+strings.Join(l, ","), "h="+h["n"]+"/"+h["last"]), nil
}

func (o *txObj) match(got, want snapshot) bool { return plainMatch(got, want) }

// parse splits a read-back state into the counter, the list and the hash.
func (o *txObj) parse(got snapshot) (n string, list []string, hn, hlast string) {
	n = strings.TrimPrefix(got.tokens[0], "n=")
	if l := strings.TrimPrefix(got.tokens[1], "l="); l != "" {
		list = strings.Split(l, ",")
	}
	hn, hlast, _ = strings.Cut(strings.TrimPrefix(got.tokens[2], "h="), "/")
	return n, list, hn, hlast
}

func (o *txObj) torn(got snapshot) string {
	n, list, hn, hlast := o.parse(got)
	last := ""
	if len(list) > 0 {
		last = list[len(list)-1]
	}
	cnt, _ := strconv.Atoi(n)
	if n != hn || last != hlast || len(list) != min(cnt, txListLen) {
		return fmt.Sprintf("MULTI/EXEC half applied: %s=%q, %s=%v, %s n=%q last=%q", o.n, n, o.l, list, o.h, hn, hlast)
	}
	return ""
}

func (o *txObj) resync(_ context.Context, _ *redis.Client, got snapshot, _ snapshot) error {
	n, list, _, _ := o.parse(got)
	o.cnt, o.list = 0, list
	if n != "" {
		c, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return fmt.Errorf("counter %s holds %q: %w", o.n, n, err)
		}
		o.cnt = c
	}
	return nil
}
