package resp

// parseInline parses an inline command: one line split with sdssplitargs
// semantics, as Redis 7.0 processInlineBuffer does.
func parseInline(buf []byte, args [][]byte, lim Limits) ([][]byte, int, error) {
	i := findLineEnd(buf, '\n')
	if i < 0 {
		if len(buf) > inlineMaxSize {
			return nil, 0, errTooBigInline
		}
		return nil, 0, queryBufCheck(len(buf), lim)
	}
	end := i
	if end > 0 && buf[end-1] == '\r' {
		end--
	}
	args, ok := splitArgs(buf[:end], args)
	if !ok {
		return nil, 0, errUnbalancedQuotes
	}
	return args, i + 1, nil
}

// splitArgs splits line like Redis's sdssplitargs: blank-separated tokens,
// "double quotes" with \xHH, \n, \r, \t, \b, \a and \<any> escapes, 'single
// quotes' with \' only, and a closing quote that must be followed by a blank
// or the end. Tokens are unescaped in place: an unescaped token is never
// longer than its source, so each is written from its own first byte.
// The line holds no NUL byte (findLineEnd stops at one), so the end of the
// slice plays the role of C's terminating NUL.
func splitArgs(line []byte, args [][]byte) ([][]byte, bool) {
	n := len(line)
	p := 0
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p == n {
			return args, true
		}
		// Fast path: a token without quotes needs no unescaping.
		q := p
		for q < n && !endsPlain(line[q]) {
			q++
		}
		if q == n || (line[q] != '"' && line[q] != '\'') {
			args = append(args, line[p:q:q])
			p = q
			continue
		}
		start, w := p, p
		inq, insq := false, false
		for done := false; !done; {
			switch {
			case inq:
				if p == n {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+3 < n && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					line[w] = unhex(line[p+2])<<4 | unhex(line[p+3])
					w++
					p += 3
				case c == '\\' && p+1 < n:
					p++
					line[w] = unescape(line[p])
					w++
				case c == '"':
					if p+1 < n && !isSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					line[w] = c
					w++
				}
			case insq:
				if p == n {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+1 < n && line[p+1] == '\'':
					p++
					line[w] = '\''
					w++
				case c == '\'':
					if p+1 < n && !isSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					line[w] = c
					w++
				}
			default:
				if p == n {
					done = true
					break
				}
				switch c := line[p]; c {
				case ' ', '\n', '\r', '\t':
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					line[w] = c
					w++
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, line[start:w:w])
	}
}

// endsPlain reports the bytes that end an unquoted run: the token
// separators of sdssplitargs and the quotes.
func endsPlain(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\''
}

// isSpace is C isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
