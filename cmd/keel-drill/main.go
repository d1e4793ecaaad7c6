// Command keel-drill is a crash-recovery drill: it runs a mixed workload
// over every data type against a server with appendonly yes, kills the
// server with SIGKILL at random moments (optionally right after a BGSAVE
// started), restarts it on the same directory and checks that every
// acknowledged write survived and that no multi-shard write (MSET,
// MULTI/EXEC) is half applied.
//
//	keel-drill --server bin/keel-server [--cycles 100] [--fsync always|everysec]
//	           [--writers 16] [--checkpoint-every 1s] [--seed N] [--json]
//	           [--server-args "--shards 4"]
//
// The server is started with redis-server's flags, so the drill also runs
// against redis-server. The exit status is 1 on a violation: a lost
// acknowledged write under appendfsync always, a torn multi-key write, a
// state no write sequence explains, a wrong reply or a failed restart.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	// Refused dials while the server is down are expected, not news.
	redis.SetLogger(quietLogger{})
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

type options struct {
	server          string
	cycles          int
	fsync           string
	writers         int
	checkpointEvery time.Duration
	seed            uint64
	json            bool
	serverArgs      string
	startTimeout    time.Duration
	keep            bool
}

// Report is the drill's result; --json prints it as is.
type Report struct {
	Server     string `json:"server"`
	Fsync      string `json:"fsync"`
	Seed       uint64 `json:"seed"`
	Cycles     int    `json:"cycles"`
	Writers    int    `json:"writers"`
	Acked      int64  `json:"acknowledged_writes"`
	Maybe      int64  `json:"unacknowledged_writes"`
	Lost       int64  `json:"lost"`
	Torn       int64  `json:"torn"`
	Invalid    int64  `json:"invalid_states"`
	BadReplies int64  `json:"bad_replies"`
	// LossWindowMs is, over all cycles, the longest time between the kill
	// and the oldest acknowledged write it lost (everysec's loss window).
	LossWindowMs   float64 `json:"loss_window_ms"`
	CyclesWithLoss int     `json:"cycles_with_loss"`
	// Checkpoint is "off", "ok" (BGSAVE ran) or "unsupported".
	Checkpoint       string   `json:"checkpoint"`
	BGSAVEs          int64    `json:"bgsaves_started"`
	KillsAfterBGSAVE int      `json:"kills_after_bgsave"`
	RestartMs        Stats    `json:"restart_ms"`
	Violations       []string `json:"violations"`
	DataDir          string   `json:"data_dir,omitempty"`
	OK               bool     `json:"ok"`
}

// Stats are restart times, start to first PONG.
type Stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

func stats(d []time.Duration) Stats {
	if len(d) == 0 {
		return Stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return Stats{Min: ms(s[0]), Median: ms(s[len(s)/2]), Max: ms(s[len(s)-1])}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("keel-drill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.server, "server", "", "server binary: keel-server or redis-server (required)")
	fs.IntVar(&o.cycles, "cycles", 100, "kill -9 / restart cycles")
	fs.StringVar(&o.fsync, "fsync", "always", "appendfsync: always or everysec")
	fs.IntVar(&o.writers, "writers", 16, "concurrent writers, each on its own connection and keys")
	fs.DurationVar(&o.checkpointEvery, "checkpoint-every", time.Second, "send BGSAVE on this period (0: never)")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed for the workload and the kill moments (0: from the clock)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.serverArgs, "server-args", "", "extra server flags, split on spaces (\"--shards 4\")")
	fs.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "how long a start may take until PONG")
	fs.BoolVar(&o.keep, "keep", false, "keep the data directory and server log (always kept on a violation)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.server == "":
		return o, errors.New("--server is required")
	case o.fsync != "always" && o.fsync != "everysec":
		return o, fmt.Errorf("--fsync %q: want always or everysec", o.fsync)
	case o.cycles < 1 || o.writers < 1:
		return o, errors.New("--cycles and --writers must be positive")
	case o.checkpointEvery < 0:
		return o, errors.New("--checkpoint-every must not be negative")
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "keel-drill:", err)
		return 2
	}
	bin, err := filepath.Abs(o.server)
	if err != nil {
		fmt.Fprintln(stderr, "keel-drill:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "keel-drill-")
	if err != nil {
		fmt.Fprintln(stderr, "keel-drill: temp dir:", err)
		return 2
	}
	sp := serverSpec{bin: bin, dir: filepath.Join(tmp, "data"), fsync: o.fsync, extra: strings.Fields(o.serverArgs),
		logPath: filepath.Join(tmp, "server.log"), timeout: o.startTimeout}
	if err := os.Mkdir(sp.dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "keel-drill:", err)
		return 2
	}
	d := &drill{opts: o, spec: sp, stderr: stderr}
	rep, err := d.run()
	rep.RestartMs = stats(d.restarts)
	if err != nil {
		rep.Violations = append(rep.Violations, err.Error())
	}
	rep.OK = len(rep.Violations) == 0
	if !rep.OK || o.keep {
		rep.DataDir = tmp
	} else {
		os.RemoveAll(tmp)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(stdout, rep)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func printReport(w io.Writer, r Report) {
	fmt.Fprintf(w, "keel-drill: %s, appendfsync %s, seed %d, %d writers\n", r.Server, r.Fsync, r.Seed, r.Writers)
	fmt.Fprintf(w, "  cycles             %d (%d killed right after a BGSAVE started)\n", r.Cycles, r.KillsAfterBGSAVE)
	fmt.Fprintf(w, "  checkpoints        %s, %d BGSAVEs started\n", r.Checkpoint, r.BGSAVEs)
	fmt.Fprintf(w, "  acknowledged       %d writes (%d more without a reply)\n", r.Acked, r.Maybe)
	fmt.Fprintf(w, "  lost               %d (in %d cycles)\n", r.Lost, r.CyclesWithLoss)
	fmt.Fprintf(w, "  torn               %d\n", r.Torn)
	fmt.Fprintf(w, "  invalid states     %d, bad replies %d\n", r.Invalid, r.BadReplies)
	fmt.Fprintf(w, "  loss window        %.1f ms\n", r.LossWindowMs)
	fmt.Fprintf(w, "  restart (to PONG)  min %.1f ms, median %.1f ms, max %.1f ms\n",
		r.RestartMs.Min, r.RestartMs.Median, r.RestartMs.Max)
	if r.DataDir != "" {
		fmt.Fprintf(w, "  data dir, log      %s\n", r.DataDir)
	}
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  VIOLATION: %s\n", v)
	}
	if r.OK {
		fmt.Fprintln(w, "  OK")
	}
}

// drill is one run: the server, the writers' models and the report.
type drill struct {
	opts   options
	spec   serverSpec
	stderr io.Writer
	rep    Report
	srv    *server
	ckpt   checkpointer
	// restarts are the times from start to first PONG after each kill.
	restarts []time.Duration
}

func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true,
		MaxRetries: -1, PoolSize: 1, DialTimeout: 2 * time.Second, DialerRetries: 1,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second})
}

func (d *drill) violation(format string, args ...any) {
	if len(d.rep.Violations) < 50 {
		d.rep.Violations = append(d.rep.Violations, fmt.Sprintf(format, args...))
	}
}

func (d *drill) run() (rep Report, err error) {
	o := d.opts
	d.rep = Report{Server: o.server, Fsync: o.fsync, Seed: o.seed, Writers: o.writers, Checkpoint: "off", Violations: []string{}}
	if o.checkpointEvery > 0 {
		d.rep.Checkpoint = "ok"
	}
	rng := rand.New(rand.NewPCG(o.seed, 0))
	var seq atomic.Int64
	writers := make([]*writer, o.writers)
	var objs []*tracked
	for i := range writers {
		writers[i] = &writer{id: i, objs: newObjects(i), rng: rand.New(rand.NewPCG(o.seed, uint64(i)+1)), seq: &seq}
		objs = append(objs, writers[i].objs...)
	}
	defer func() {
		for _, w := range writers {
			d.rep.Acked += w.acked
			d.rep.Maybe += w.maybe
		}
		d.rep.BGSAVEs = d.ckpt.started.Load()
		if d.ckpt.unsupported.Load() {
			d.rep.Checkpoint = "unsupported"
		}
		rep = d.rep
	}()
	// How long the load runs before the kill: under everysec long enough
	// that the once-a-second fsync happens in most cycles.
	runMin, runMax := 20*time.Millisecond, 500*time.Millisecond
	if o.fsync == "everysec" {
		runMin, runMax = 200*time.Millisecond, 2500*time.Millisecond
	}
	if d.srv, _, err = d.spec.start(); err != nil {
		return d.rep, fmt.Errorf("first start: %w", err)
	}
	for cycle := range o.cycles {
		killedAt, afterBGSAVE, exited := d.load(writers, rng, runMin, runMax)
		d.rep.Cycles++
		if exited != nil {
			d.violation("cycle %d: the server exited before the kill: %v\n%s", cycle, exited, logTail(d.spec.logPath, 20))
		}
		if afterBGSAVE {
			d.rep.KillsAfterBGSAVE++
		}
		for _, w := range writers {
			if w.failure != "" {
				d.rep.BadReplies++
				d.violation("cycle %d: %s", cycle, w.failure)
				w.failure = ""
			}
		}
		var took time.Duration
		if d.srv, took, err = d.spec.start(); err != nil {
			return d.rep, fmt.Errorf("cycle %d: restart after kill -9: %w\n%s", cycle, err, logTail(d.spec.logPath, 20))
		}
		d.restarts = append(d.restarts, took)
		c := newClient(d.srv.addr())
		v, err := verify(context.Background(), c, objs, killedAt)
		c.Close()
		if err != nil {
			d.srv.kill()
			return d.rep, fmt.Errorf("cycle %d: verification: %w", cycle, err)
		}
		d.rep.Lost += v.lost
		d.rep.Torn += v.torn
		d.rep.Invalid += v.invalid
		if v.lost > 0 {
			d.rep.CyclesWithLoss++
			d.rep.LossWindowMs = max(d.rep.LossWindowMs, float64(v.window.Microseconds())/1000)
		}
		for _, p := range v.problems {
			d.violation("cycle %d: %s", cycle, p)
		}
		if o.fsync == "always" {
			for _, p := range v.losses {
				d.violation("cycle %d: %s", cycle, p)
			}
		}
	}
	if err := d.srv.stop(d.opts.startTimeout); err != nil {
		d.violation("clean shutdown: %v", err)
	}
	return d.rep, nil
}

// load runs the writers (and the checkpointer) against the server until
// the kill, and returns when the server was killed and every writer has
// stopped. The kill comes at a seeded random moment, or on some cycles
// right after a BGSAVE was acknowledged. exited is set when the server
// ended by itself before the kill.
func (d *drill) load(writers []*writer, rng *rand.Rand, runMin, runMax time.Duration) (killedAt time.Time, afterBGSAVE bool, exited error) {
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for _, w := range writers {
		c := newClient(d.srv.addr())
		wg.Go(func() {
			defer c.Close()
			for !stopped.Load() && w.step(context.Background(), c) {
			}
		})
	}
	runFor := runMin + time.Duration(rng.Int64N(int64(runMax-runMin)))
	ckptCtx, stopCkpt := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	waitBGSAVE := false
	if d.opts.checkpointEvery > 0 && !d.ckpt.unsupported.Load() {
		waitBGSAVE = rng.IntN(2) == 0
		// The first BGSAVE comes at a random point of the period, so that
		// cycles shorter than the period checkpoint too.
		first := time.Duration(rng.Int64N(int64(d.opts.checkpointEvery)))
		c := newClient(d.srv.addr())
		wg.Go(func() {
			defer c.Close()
			d.ckpt.run(ckptCtx, c, first, d.opts.checkpointEvery, started, d.stderr)
		})
	}
	jitter := time.Duration(rng.IntN(20)) * time.Millisecond
	if waitBGSAVE {
		select {
		case <-started:
			time.Sleep(jitter)
			afterBGSAVE = true
		case <-time.After(runFor + d.opts.checkpointEvery):
		}
	} else {
		time.Sleep(runFor)
	}
	killedAt = time.Now()
	select {
	case <-d.srv.done:
		exited = d.srv.waitErr
		if exited == nil {
			exited = errors.New("exit status 0")
		}
	default:
	}
	d.srv.kill()
	stopped.Store(true)
	stopCkpt()
	wg.Wait()
	return killedAt, afterBGSAVE, exited
}

// checkpointer sends BGSAVE on a period. "already in progress" errors are
// expected; any other error reply means the server has no BGSAVE: it
// warns once and the drill goes on without checkpoints.
type checkpointer struct {
	unsupported atomic.Bool
	warned      sync.Once
	started     atomic.Int64
}

func (k *checkpointer) run(ctx context.Context, c *redis.Client, first, every time.Duration, started chan<- struct{}, stderr io.Writer) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(every)
		v, err := do(ctx, c, "BGSAVE")
		switch {
		case ioError(err):
			return // the server is gone
		case err != nil && strings.Contains(err.Error(), "in progress"):
		case err != nil:
			k.unsupported.Store(true)
			k.warned.Do(func() {
				fmt.Fprintf(stderr, "keel-drill: warning: BGSAVE failed (%v): going on without checkpoints\n", err)
			})
			return
		case v == "Background saving started":
			k.started.Add(1)
			select {
			case started <- struct{}{}:
			default:
			}
		default:
			k.unsupported.Store(true)
			k.warned.Do(func() {
				fmt.Fprintf(stderr, "keel-drill: warning: BGSAVE replied %#v: going on without checkpoints\n", v)
			})
			return
		}
	}
}
