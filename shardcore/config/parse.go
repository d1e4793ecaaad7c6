package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// FatalError is a config file (or command-line option) error, printed as
// redis-server prints it.
type FatalError struct {
	Line   int    // 1-based line of the text being read; 0 if not about a line
	Text   string // that line, trimmed
	Reason string
}

func (e *FatalError) Error() string {
	var b strings.Builder
	b.WriteString("*** FATAL CONFIG FILE ERROR (keel) ***\n")
	if e.Line > 0 {
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n", e.Line)
		fmt.Fprintf(&b, ">>> '%s'\n", e.Text)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// maxIncludeDepth stops include cycles.
const maxIncludeDepth = 16

// Parse reads keel-server's arguments (without the program name) exactly as
// redis-server's main() does: an optional config file first, then options
// such as "--port 7000" appended after the file's lines as "port 7000" (later
// lines win), and "-" as the first or last argument to read config from
// standard input. -v/--version and -h/--help as the first argument return
// ErrVersion / ErrHelp. Other errors carry the full message to print.
func Parse(args []string) (*Config, error) {
	return parseArgs(args, os.Stdin)
}

// ParseFile loads the config file at path, then extraArgs as command-line
// options (see Parse).
func ParseFile(path string, extraArgs []string) (*Config, error) {
	opts, fromStdin := optionsFromArgs(extraArgs, false)
	return load(path, true, fromStdin, os.Stdin, opts)
}

func parseArgs(args []string, stdin io.Reader) (*Config, error) {
	if len(args) > 0 {
		switch args[0] {
		case "-v", "--version":
			return nil, ErrVersion
		case "-h", "--help":
			return nil, ErrHelp
		}
	}
	var file string
	hasFile := len(args) > 0 && !strings.HasPrefix(args[0], "-")
	if hasFile {
		file = args[0]
		args = args[1:]
	}
	opts, fromStdin := optionsFromArgs(args, !hasFile)
	return load(file, hasFile, fromStdin, stdin, opts)
}

// optionsFromArgs turns command-line options into config lines the way
// redis-server does: "--name" starts a line with the raw name, each value is
// appended quoted, and a bare "--save" (last, or followed by another option)
// means `save ""`. A "-" is the stdin marker when it is the last argument,
// or the first one if firstIsStdin.
func optionsFromArgs(args []string, firstIsStdin bool) (opts string, fromStdin bool) {
	var b strings.Builder
	handledLast := true
	for j, a := range args {
		last := j == len(args)-1
		if a == "-" && (last || (j == 0 && firstIsStdin)) {
			fromStdin = true
			continue
		}
		if handledLast && strings.HasPrefix(a, "--") {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			toks, _ := SplitArgs(a)
			if len(toks) != 1 {
				// Name and value in one argument ("--port 6380").
				handledLast = true
				continue
			}
			handledLast = false
			if strings.EqualFold(a, "--save") {
				if last {
					b.WriteString(`""`)
				} else if strings.HasPrefix(args[j+1], "--") {
					b.WriteString(`""`)
					handledLast = true
				}
			}
			continue
		}
		b.WriteString(Repr(a))
		b.WriteByte(' ')
		handledLast = true
	}
	return b.String(), fromStdin
}

func load(file string, hasFile, fromStdin bool, stdin io.Reader, opts string) (*Config, error) {
	c := Default()
	var content strings.Builder
	if hasFile {
		abs, err := filepath.Abs(file)
		if err != nil || file == "" {
			abs = file
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, openError(abs, err)
		}
		content.Write(data)
		c.Source = abs
	}
	if fromStdin {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("Fatal error, can't read config from stdin: %s", strerror(err))
		}
		content.Write(data)
	}
	content.WriteByte('\n')
	content.WriteString(opts)
	ld := &loader{c: c}
	if err := ld.loadString(content.String()); err != nil {
		return nil, err
	}
	return c, nil
}

func openError(path string, err error) error {
	return fmt.Errorf("Fatal error, can't open config file '%s': %s", path, strerror(err))
}

// strerror renders an OS error as C's strerror would ("No such file or
// directory").
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// loader carries the state of one config load across included files.
type loader struct {
	c          *Config
	saveLoaded bool // a "save" line already replaced the default save points
	depth      int
}

// loadString applies config text line by line, stopping at the first error.
func (l *loader) loadString(text string) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fatal := func(reason string) error {
			return &FatalError{Line: i + 1, Text: line, Reason: reason}
		}
		argv, ok := SplitArgs(line)
		if !ok {
			return fatal("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		name := strings.ToLower(argv[0])
		if e, ok := byName[name]; ok {
			o := e.opt
			args := argv[1:]
			if o.flags&multiArg == 0 && len(args) != 1 {
				return fatal("wrong number of arguments")
			}
			// A single argument of a multi-argument option may hold them
			// all: save "3600 1 300 100".
			if o.flags&multiArg != 0 && len(args) == 1 && args[0] != "" {
				if args, ok = SplitArgs(args[0]); !ok {
					return fatal("Unbalanced quotes in configuration line")
				}
			}
			if err := o.set(l.c, args, l); err != nil {
				return fatal(err.Error())
			}
			continue
		}
		switch {
		case deprecatedDirectives[name] && len(argv) == 2:
		case name == "include" && len(argv) == 2:
			if l.depth >= maxIncludeDepth {
				return fatal("include nesting is too deep")
			}
			if err := l.include(argv[1]); err != nil {
				return err
			}
		case name == "rename-command" && len(argv) == 3:
			l.c.RenameCommands = append(l.c.RenameCommands, [2]string{argv[1], argv[2]})
		default:
			return fatal("Bad directive or wrong number of arguments")
		}
	}
	return nil
}

// include loads another file (or every file matching a glob, in order; a
// glob matching nothing is fine) with its own line numbers, as Redis does.
func (l *loader) include(pattern string) error {
	paths := []string{pattern}
	if strings.ContainsAny(pattern, "*?[") {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return fmt.Errorf("Fatal error, bad include pattern '%s': %w", pattern, err)
		}
		paths = m
	}
	var content strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return openError(p, err)
		}
		content.Write(data)
	}
	if len(paths) == 0 {
		return nil
	}
	l.depth++
	defer func() { l.depth-- }()
	return l.loadString(content.String())
}
