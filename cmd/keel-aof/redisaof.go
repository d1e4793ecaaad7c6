package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/keeldb/keel/shardcore"
	"github.com/keeldb/keel/shardcore/resp"
)

// Bounds on what one command of a Redis AOF may claim, so that a damaged
// file cannot make the reader allocate without end (Redis's
// proto-max-bulk-len is 512 MB).
const (
	maxAOFArgs    = 1 << 24
	maxAOFBulk    = 512 << 20
	reportedFails = 10
)

// aofSource is one file of a Redis AOF, in replay order.
type aofSource struct {
	path string
	base bool
}

// redisAOFSources lists what a Redis AOF consists of: for a Redis 7
// appendonly directory, the base then the incr files its manifest names;
// for a single file, that file.
func redisAOFSources(from string) ([]aofSource, error) {
	st, err := os.Stat(from)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []aofSource{{path: from, base: true}}, nil
	}
	manifests, err := filepath.Glob(filepath.Join(from, "*.manifest"))
	if err != nil {
		return nil, err
	}
	if len(manifests) != 1 {
		return nil, fmt.Errorf("%s: want one *.manifest file (a Redis 7 appendonly directory), found %d", from, len(manifests))
	}
	data, err := os.ReadFile(manifests[0])
	if err != nil {
		return nil, err
	}
	var base []aofSource
	var incr []aofSource
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields, err := splitManifestLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", manifests[0], i+1, err)
		}
		attrs := map[string]string{}
		for j := 0; j+1 < len(fields); j += 2 {
			attrs[fields[j]] = fields[j+1]
		}
		name := attrs["file"]
		if name == "" || filepath.Base(name) != name {
			return nil, fmt.Errorf("%s line %d: bad file name %q", manifests[0], i+1, name)
		}
		src := aofSource{path: filepath.Join(from, name)}
		switch attrs["type"] {
		case "b":
			src.base = true
			base = append(base, src)
		case "i":
			incr = append(incr, src)
		case "h":
			// History: a former base or incr file waiting for deletion.
		default:
			return nil, fmt.Errorf("%s line %d: unknown file type %q", manifests[0], i+1, attrs["type"])
		}
	}
	if len(base) > 1 {
		return nil, fmt.Errorf("%s names %d base files", manifests[0], len(base))
	}
	return append(base, incr...), nil
}

// splitManifestLine splits a manifest line into words; Redis quotes names
// holding spaces or unusual bytes.
func splitManifestLine(line string) ([]string, error) {
	var out []string
	for line != "" {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			break
		}
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, fmt.Errorf("bad quoted word in %q", line)
			}
			w, err := strconv.Unquote(q)
			if err != nil {
				return nil, fmt.Errorf("bad quoted word %s", q)
			}
			out = append(out, w)
			line = line[len(q):]
			continue
		}
		w, rest, _ := strings.Cut(line, " ")
		out = append(out, w)
		line = rest
	}
	return out, nil
}

// aofReader parses the RESP commands of a Redis AOF.
type aofReader struct {
	br   *bufio.Reader
	path string
	off  int64
}

// errTruncatedCommand is a command cut short by the end of the file.
var errTruncatedCommand = errors.New("command cut short by the end of the file")

// next returns the next command (io.EOF at a clean end). Annotation lines
// ("#TS:..." with aof-timestamp-enabled) are skipped, as Redis does.
func (r *aofReader) next() ([][]byte, error) {
	for {
		b, err := r.br.Peek(1)
		if err != nil || b[0] != '#' {
			break
		}
		if err := r.skipLine(); err != nil {
			return nil, io.EOF // an annotation cut short ends the file
		}
	}
	start := r.off
	n, err := r.header('*')
	if err != nil {
		if errors.Is(err, io.EOF) && r.off == start {
			return nil, io.EOF
		}
		return nil, r.fail(start, err)
	}
	if n < 1 || n > maxAOFArgs {
		return nil, r.fail(start, fmt.Errorf("bad argument count %d", n))
	}
	args := make([][]byte, 0, min(n, 1024))
	for range n {
		l, err := r.header('$')
		if err != nil {
			return nil, r.fail(start, err)
		}
		if l < 0 || l > maxAOFBulk {
			return nil, r.fail(start, fmt.Errorf("bad argument length %d", l))
		}
		a := make([]byte, l+2)
		m, err := io.ReadFull(r.br, a)
		r.off += int64(m)
		if err != nil {
			return nil, r.fail(start, err)
		}
		if a[l] != '\r' || a[l+1] != '\n' {
			return nil, r.fail(start, errors.New("argument not followed by CRLF"))
		}
		args = append(args, a[:l:l])
	}
	return args, nil
}

// skipLine consumes a line of any length.
func (r *aofReader) skipLine() error {
	for {
		line, err := r.br.ReadSlice('\n')
		r.off += int64(len(line))
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func (r *aofReader) fail(start int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errTruncatedCommand
	}
	return fmt.Errorf("%s: command at offset %d: %w", r.path, start, err)
}

// header reads a "<prefix><int>\r\n" line.
func (r *aofReader) header(prefix byte) (int, error) {
	line, err := r.br.ReadSlice('\n')
	r.off += int64(len(line))
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return 0, errors.New("line too long")
		}
		if len(line) > 0 && errors.Is(err, io.EOF) {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, err
	}
	if len(line) < 4 || line[0] != prefix || line[len(line)-2] != '\r' {
		return 0, fmt.Errorf("expected '%c<n>\\r\\n', found %q", prefix, line)
	}
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	if err != nil {
		return 0, fmt.Errorf("bad number in %q", line)
	}
	return n, nil
}

// sentCommand is what the reply reader needs to report a failed command.
type sentCommand struct {
	path string
	off  int64
	name string
}

// importer sends commands to the offline server over a loopback
// connection and reads their replies on another goroutine.
type importer struct {
	conn    net.Conn
	w       *bufio.Writer
	sent    chan sentCommand
	done    chan struct{}
	buf     []byte
	fails   int64
	failMsg []string
	readErr error
}

func newImporter(port int) (*importer, error) {
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	im := &importer{conn: conn, w: bufio.NewWriterSize(conn, 256<<10), sent: make(chan sentCommand, 1<<14), done: make(chan struct{})}
	go im.readReplies()
	return im, nil
}

func (im *importer) send(c sentCommand, args [][]byte) error {
	im.buf = resp.AppendCommand(im.buf[:0], args...)
	im.sent <- c
	if _, err := im.w.Write(im.buf); err != nil {
		return fmt.Errorf("sending to the offline server: %w", err)
	}
	return nil
}

// readReplies checks every reply (and every reply inside an EXEC's) for
// errors; Redis ignores them when it loads an AOF, so they are counted and
// reported rather than stopping the import.
func (im *importer) readReplies() {
	defer close(im.done)
	br := bufio.NewReaderSize(im.conn, 64<<10)
	for c := range im.sent {
		raw, err := resp.ReadReply(br)
		if err != nil {
			im.readErr = fmt.Errorf("reading the offline server's reply to %s at offset %d of %s: %w", c.name, c.off, c.path, err)
			for range im.sent {
			}
			return
		}
		var msgs []string
		switch raw[0] {
		case '-':
			msgs = append(msgs, string(bytes.TrimSpace(raw[1:])))
		case '*':
			if v, err := resp.ParseReply(raw); err == nil && strings.EqualFold(c.name, "exec") {
				for _, e := range v.Array {
					if e.Kind == '-' {
						msgs = append(msgs, e.Str)
					}
				}
			}
		}
		for _, m := range msgs {
			im.fails++
			if len(im.failMsg) < reportedFails {
				im.failMsg = append(im.failMsg, fmt.Sprintf("%s offset %d: %s: %s", c.path, c.off, c.name, m))
			}
		}
	}
}

// finish flushes what is buffered and waits for every reply.
func (im *importer) finish() error {
	err := im.w.Flush()
	close(im.sent)
	<-im.done
	im.conn.Close()
	if err != nil {
		return fmt.Errorf("sending to the offline server: %w", err)
	}
	return im.readErr
}

func runImportRedisAOF(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("import-redis-aof", "--from <appendonlydir | file.aof> --dir <new datadir>", stderr)
	from := fl.String("from", "", "a Redis 7 appendonly directory (with its .manifest) or a single AOF file (RDB preamble or not)")
	dir := fl.String("dir", "", "keel data directory to create (must not hold data)")
	shards := fl.Int("shards", 0, "shard count of the new data directory: the --shards keel-server will run with (default: one per CPU, as keel-server)")
	databases := fl.Int("databases", 16, "number of databases (as the server's databases option)")
	quiet := fl.Bool("quiet", false, "log warnings and errors only, no progress lines")
	if err := parseFlags(fl, args, "from", "dir"); err != nil {
		return err
	}
	logger := newLogger(stderr, *quiet)
	srcs, err := redisAOFSources(*from)
	if err != nil {
		return err
	}
	if len(srcs) == 0 {
		return fmt.Errorf("%s names no AOF files", *from)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	if n, err := loggedShards(*dir); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("%s already holds data: import a Redis AOF into a new directory", *dir)
	}
	if *shards <= 0 {
		*shards = runtime.NumCPU()
	}
	var total int64
	for _, s := range srcs {
		st, err := os.Stat(s.path)
		if err != nil {
			return err
		}
		total += st.Size()
	}
	o, err := openOffline(*dir, *shards, *databases, true, logger)
	if err != nil {
		return err
	}
	if keys := o.srv.KeyCount(); keys > 0 {
		o.close()
		return fmt.Errorf("%s already holds data (%d keys): import a Redis AOF into a new directory", *dir, keys)
	}
	sum, ierr := importRedisAOF(o.srv, srcs, total, progressWriter(stderr, *quiet), logger)
	if err := o.close(); err != nil {
		return errors.Join(ierr, fmt.Errorf("closing the logs: %w", err))
	}
	if ierr != nil {
		return ierr
	}
	fmt.Fprintf(stdout, "imported %d RDB keys and %d commands from %d files into %s (%d keys)\n",
		sum.rdbKeys, sum.commands, len(srcs), *dir, sum.keys)
	if sum.fails > 0 {
		fmt.Fprintf(stdout, "%d commands failed (Redis ignores such failures when it loads an AOF too); the first:\n", sum.fails)
		for _, m := range sum.failMsg {
			fmt.Fprintf(stdout, "  %s\n", m)
		}
		return errProblems
	}
	return nil
}

type importSummary struct {
	rdbKeys, commands, keys, fails int64
	failMsg                        []string
}

// importRedisAOF loads the sources into srv: an RDB part (base file or
// preamble) straight into the keyspace before the server starts, then the
// commands through a connection, so that they run and are logged exactly
// as a client's would be.
func importRedisAOF(srv *shardcore.Server, srcs []aofSource, total int64, progressTo io.Writer, logger *slog.Logger) (*importSummary, error) {
	sum := &importSummary{}
	prog := newProgress(progressTo, "import-redis-aof", total)
	files := make([]*os.File, 0, len(srcs))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	readers := make([]*aofReader, 0, len(srcs))
	for i, s := range srcs {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		r := &aofReader{br: bufio.NewReaderSize(f, 1<<20), path: s.path}
		if magic, _ := r.br.Peek(5); string(magic) == "REDIS" {
			if i > 0 {
				return nil, fmt.Errorf("%s is an RDB file but not the base of the AOF", s.path)
			}
			n, err := importKeys(srv, r.br, s.path, logger)
			if err != nil {
				return nil, err
			}
			sum.rdbKeys = n
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, err
			}
			r.off = off - int64(r.br.Buffered())
			prog.addBytes(r.off)
		}
		readers = append(readers, r)
	}
	srv.Start()
	defer srv.Stop()
	im, err := newImporter(srv.Port())
	if err != nil {
		return nil, fmt.Errorf("connecting to the offline server: %w", err)
	}
	for _, r := range readers {
		if err := sum.replay(r, im, prog, logger); err != nil {
			im.finish()
			return nil, err
		}
	}
	if err := im.finish(); err != nil {
		return nil, err
	}
	prog.done()
	sum.fails, sum.failMsg = im.fails, im.failMsg
	sum.keys = int64(srv.KeyCount())
	return sum, nil
}

// replay sends one file's commands. A transaction is sent only once its
// EXEC is read: Redis drops a MULTI left open at the end of an AOF, and so
// does this. A command cut short at the end of the last file is dropped
// with a warning, as aof-load-truncated yes does.
func (sum *importSummary) replay(r *aofReader, im *importer, prog *progress, logger *slog.Logger) error {
	var multi [][][]byte
	var multiOff []int64
	inMulti := false
	for {
		start := r.off
		args, err := r.next()
		prog.addBytes(r.off - start)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errTruncatedCommand) {
			logger.Warn("the AOF ends in a command cut short: dropped it (as aof-load-truncated yes)", "file", r.path, "offset", start)
			break
		}
		if err != nil {
			return err
		}
		name := strings.ToLower(string(args[0]))
		switch {
		case name == "multi":
			if inMulti {
				return fmt.Errorf("%s offset %d: MULTI inside MULTI", r.path, start)
			}
			inMulti = true
			multi, multiOff = multi[:0], multiOff[:0]
			continue
		case inMulti && name != "exec":
			multi = append(multi, args)
			multiOff = append(multiOff, start)
			continue
		case name == "exec" && !inMulti:
			return fmt.Errorf("%s offset %d: EXEC without MULTI", r.path, start)
		case name == "exec":
			inMulti = false
			if err := im.send(sentCommand{path: r.path, off: start, name: "MULTI"}, [][]byte{[]byte("MULTI")}); err != nil {
				return err
			}
			for i, c := range multi {
				if err := im.send(sentCommand{path: r.path, off: multiOff[i], name: string(c[0])}, c); err != nil {
					return err
				}
			}
			sum.commands += int64(len(multi))
			prog.addRecords(int64(len(multi)))
		}
		if err := im.send(sentCommand{path: r.path, off: start, name: string(args[0])}, args); err != nil {
			return err
		}
		if name != "exec" {
			sum.commands++
			prog.addRecords(1)
		}
	}
	if inMulti {
		logger.Warn("the AOF ends inside a MULTI: dropped the incomplete transaction, as Redis does", "file", r.path, "commands", len(multi))
	}
	return nil
}
