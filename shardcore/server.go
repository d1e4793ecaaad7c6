package shardcore

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeldb/keel/shardcore/config"
	"github.com/keeldb/keel/shardcore/resp"
)

// Version is what INFO and HELLO report.
const Version = "7.0.15"

// Server is the set of shards and the state they share (read-mostly: the
// configuration, counters, the client registry).
type Server struct {
	// cfg is read on every command by every shard: an atomic pointer to an
	// immutable Config, replaced whole by CONFIG SET (cfgMu orders writers).
	cfgMu sync.Mutex
	cfg   atomic.Pointer[config.Config]

	n         int
	shards    []*Shard
	slotShard [NumSlots]uint16
	limits    atomic.Pointer[resp.Limits]
	log       *slog.Logger
	persist   Persistence
	ck        ckState

	seqMu sync.Mutex
	txSeq uint64

	nextClientID atomic.Int64
	clients      atomic.Int64
	clientsMu    sync.Mutex
	registry     map[int64]*conn

	loading   atomic.Bool
	running   atomic.Bool // Start was called
	slowlogID atomic.Int64
	dirty     atomic.Int64
	lastSave  atomic.Int64
	stats     serverStats
	start     time.Time
	runID     string
	port      int

	broadcastMonitor func(c *conn, args [][]byte)
	renamed          map[string]*Command // nil: no rename-command

	stopOnce sync.Once
	stopped  chan struct{}
	wg       sync.WaitGroup
}

type serverStats struct {
	totalConns, rejectedConns atomic.Int64
}

// Options are the parts of start-up that are not configuration.
type Options struct {
	Logger      *slog.Logger
	Persistence Persistence  // nil: nothing is persisted
	Checkpoints *Checkpoints // nil: no checkpoints
}

// NewServer builds the shards and binds the listeners; Start runs them.
func NewServer(cfg *config.Config, opts Options) (*Server, error) {
	n := cfg.Shards
	if n <= 0 {
		n = runtime.NumCPU()
	}
	if n > 1024 {
		return nil, fmt.Errorf("shards: %d is more than 1024", n)
	}
	srv := &Server{n: n, log: opts.Logger, persist: opts.Persistence, registry: map[int64]*conn{},
		stopped: make(chan struct{}), start: time.Now()}
	if srv.log == nil {
		srv.log = slog.Default()
	}
	if srv.persist == nil {
		srv.persist = nopPersistence{}
	}
	if lp, ok := srv.persist.(latencyProbed); ok {
		lp.SetLatencyProbe(latencyProbe{srv})
	}
	srv.setConfig(cfg)
	renamed, err := renameCommands(cfg.RenameCommands)
	if err != nil {
		return nil, err
	}
	srv.renamed = renamed
	srv.runID = fmt.Sprintf("%016x%016x%08x", rand.Uint64(), rand.Uint64(), rand.Uint32())
	srv.lastSave.Store(time.Now().Unix())
	// Transaction ids tag multi-shard writes in the logs; starting from the
	// clock keeps them unique across restarts.
	srv.txSeq = uint64(time.Now().UnixNano())
	for slot := range srv.slotShard {
		srv.slotShard[slot] = uint16(slot * n / NumSlots)
	}
	for i := 0; i < n; i++ {
		sh, err := newShard(srv, i)
		if err != nil {
			srv.closeShards()
			return nil, err
		}
		srv.shards = append(srv.shards, sh)
	}
	if c := opts.Checkpoints; c != nil {
		srv.ck.cfg = *c
		srv.ck.nextID = c.Next
		for _, sh := range srv.shards {
			sh.ck.init(len(sh.dbs))
		}
	}
	if err := srv.listen(); err != nil {
		srv.closeShards()
		return nil, err
	}
	return srv, nil
}

// listen opens one SO_REUSEPORT listener per shard and bind address.
func (srv *Server) listen() error {
	port := srv.config().Port
	bound := 0
	for _, host := range srv.config().Bind {
		// As redis.conf: a leading '-' marks an address that may be missing.
		optional := strings.HasPrefix(host, "-")
		host = strings.TrimPrefix(host, "-")
		for _, sh := range srv.shards {
			fd, err := listenReusePort(host, port)
			if err != nil && optional {
				srv.log.Warn("skipping unavailable bind address", "addr", host, "err", err)
				break
			}
			if err != nil {
				return err
			}
			bound++
			if port == 0 {
				port = boundPort(fd)
			}
			sh.listeners = append(sh.listeners, fd)
		}
	}
	if bound == 0 {
		return fmt.Errorf("no address to listen on (bind %q)", strings.Join(srv.config().Bind, " "))
	}
	srv.port = port
	return nil
}

func (srv *Server) closeShards() {
	for _, sh := range srv.shards {
		for _, fd := range sh.listeners {
			closeFD(fd)
		}
		sh.p.close()
	}
}

// Port is the TCP port the server listens on.
func (srv *Server) Port() int { return srv.port }

// Shards returns the shard count.
func (srv *Server) Shards() int { return srv.n }

// Start runs every shard loop and returns once they all poll.
func (srv *Server) Start() {
	srv.running.Store(true)
	for _, sh := range srv.shards {
		ready := make(chan struct{})
		srv.wg.Add(1)
		go func() {
			defer srv.wg.Done()
			sh.run(ready)
		}()
		<-ready
	}
}

// Stop asks every shard to finish: pending replies are written, connections
// closed. It returns when all loops have ended.
func (srv *Server) Stop() {
	srv.stopOnce.Do(func() {
		for _, sh := range srv.shards {
			sh.post(message{ctrl: true, fn: func(s *Shard) { s.closing = true }})
		}
		srv.wg.Wait()
		close(srv.stopped)
	})
}

// Done is closed once the server has stopped (SHUTDOWN or Stop).
func (srv *Server) Done() <-chan struct{} { return srv.stopped }

// SetLoading switches the LOADING state clients see while recovery runs.
func (srv *Server) SetLoading(on bool) { srv.loading.Store(on) }

func (srv *Server) config() *config.Config {
	return srv.cfg.Load()
}

// setConfig publishes a new configuration; the caller holds cfgMu. Limits
// cached per connection follow it.
func (srv *Server) setConfig(c *config.Config) {
	srv.cfg.Store(c)
	srv.limits.Store(&resp.Limits{MaxBulkLen: c.ProtoMaxBulkLen, MaxQueryBuf: c.ClientQueryBufferLimit})
}

func (srv *Server) requirePass() string { return srv.config().RequirePass }

func (srv *Server) registerClient(c *conn) {
	srv.clientsMu.Lock()
	srv.registry[c.id] = c
	srv.clientsMu.Unlock()
}

func (srv *Server) unregisterClient(c *conn) {
	srv.clientsMu.Lock()
	delete(srv.registry, c.id)
	srv.clientsMu.Unlock()
}

// cronInterval is how long a shard may sleep before its periodic work.
func (srv *Server) cronInterval(s *Shard) int {
	hz := srv.config().HZ
	if hz <= 0 {
		hz = 10
	}
	next := s.nextCron - time.Now().UnixMilli()
	if next < 0 {
		return 0
	}
	return int(min(next, int64(1000/hz)))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
