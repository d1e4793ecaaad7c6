package resp

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), uint16(9), true)
	f.Add([]byte("*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n"), uint16(3), true)
	f.Add([]byte("*2\r\n$0\r\n\r\n$-1\r\n"), uint16(0), true)
	f.Add([]byte("*11\r\n$1\r\na\r\n"), uint16(5), false)
	f.Add([]byte("*1\r\n$16385\r\n"), uint16(7), false)
	f.Add([]byte("SET \"a\\x41\\n\" 'b\\'c' d\r\n"), uint16(12), true)
	f.Add([]byte("ECHO \"abc\"d\r\n\n\r\nPING\n"), uint16(1), true)
	f.Add([]byte("PING\x00\r\n"), uint16(2), true)
	f.Add([]byte("*1\rX$4\r\nPING\r\n"), uint16(4), true)
	f.Add([]byte("*-1\r\n*0\r\n*1\r\n:1\r\n"), uint16(6), true)
	f.Add([]byte("*1\r\n$536870913\r\n"), uint16(2), true)

	f.Fuzz(func(t *testing.T, data []byte, cut uint16, authed bool) {
		out, n, err := Parse(bytes.Clone(data), nil, DefaultLimits, authed)
		if n < 0 || n > len(data) {
			t.Fatalf("consumed %d of %d bytes", n, len(data))
		}
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || n != 0 || out != nil {
				t.Fatalf("error %v with n=%d out=%q", err, n, out)
			}
		} else if n == 0 && out != nil {
			t.Fatalf("incomplete input returned args %q", out)
		}
		if err == nil && n > 0 {
			// A complete request does not depend on the bytes after it.
			out2, n2, err2 := Parse(bytes.Clone(data[:n]), nil, DefaultLimits, authed)
			if err2 != nil || n2 != n || !equalArgs(out, out2) {
				t.Fatalf("request alone parses differently: %q %d %v", out2, n2, err2)
			}
			if need := NeedBytes(data); need != n {
				t.Fatalf("NeedBytes %d for a complete request of %d bytes", need, n)
			}
		}

		// A Parser that saw a prefix first agrees with Parse on the whole.
		c := int(cut) % (len(data) + 1)
		p := Parser{Authed: authed}
		pout, pn, perr := p.Parse(bytes.Clone(data[:c]), nil)
		if perr == nil && pn == 0 {
			pout, pn, perr = p.Parse(bytes.Clone(data), nil)
		}
		if (perr == nil) != (err == nil) || pn != n || !equalArgs(pout, out) {
			t.Fatalf("Parser after a %d-byte prefix: %q %d %v; Parse: %q %d %v", c, pout, pn, perr, out, n, err)
		}
		if perr != nil && perr.Error() != err.Error() {
			t.Fatalf("Parser error %q, Parse error %q", perr, err)
		}

		// Round trip: data cut into arguments, encoded, parsed back.
		k := int(cut % 8)
		args := make([][]byte, k)
		for i := range args {
			args[i] = data[i*len(data)/k : (i+1)*len(data)/k]
		}
		enc := AppendCommand(nil, args...)
		rout, rn, rerr := Parse(enc, nil, DefaultLimits, true)
		if rerr != nil || rn != len(enc) || !equalArgs(rout, args) {
			t.Fatalf("round trip of %q: %q %d %v", args, rout, rn, rerr)
		}
	})
}

func equalArgs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
