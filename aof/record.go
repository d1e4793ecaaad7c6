package aof

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/keeldb/keel/durability"
)

// Kind says what a record is.
type Kind uint8

const (
	// KindCommand is a write command on its own.
	KindCommand Kind = 1
	// KindTxCommand is a command belonging to this shard's part of a
	// cross-shard transaction; recovery applies it only if the transaction
	// is complete.
	KindTxCommand Kind = 2
	// KindTxEnd closes this shard's part of a transaction and carries the
	// number of shards taking part.
	KindTxEnd Kind = 3
)

func (k Kind) String() string {
	switch k {
	case KindCommand:
		return "command"
	case KindTxCommand:
		return "tx-command"
	case KindTxEnd:
		return "tx-end"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

var errShortRecord = errors.New("record cut short")

// appendRecord encodes one record onto dst:
//
//	kind u8
//	KindCommand:   db uvarint, argc uvarint, argc × (len uvarint, bytes)
//	KindTxCommand: tx uvarint, db uvarint, argc uvarint, args as above
//	KindTxEnd:     tx uvarint, participants uvarint
func appendRecord(dst []byte, kind Kind, tx durability.TxID, db int, participants int, args [][]byte) []byte {
	dst = append(dst, byte(kind))
	if kind != KindCommand {
		dst = binary.AppendUvarint(dst, uint64(tx))
	}
	if kind == KindTxEnd {
		return binary.AppendUvarint(dst, uint64(participants))
	}
	dst = binary.AppendUvarint(dst, uint64(db))
	dst = binary.AppendUvarint(dst, uint64(len(args)))
	for _, a := range args {
		dst = binary.AppendUvarint(dst, uint64(len(a)))
		dst = append(dst, a...)
	}
	return dst
}

// decoded is one record as parsed from a frame payload; Args alias the
// payload.
type decoded struct {
	kind         Kind
	tx           durability.TxID
	db           int
	participants int
	args         [][]byte
}

// decodeRecord parses the record at the start of src into d, reusing
// d.args, and returns its length.
func decodeRecord(src []byte, d *decoded) (int, error) {
	if len(src) == 0 {
		return 0, errShortRecord
	}
	d.kind = Kind(src[0])
	d.tx, d.db, d.participants = 0, 0, 0
	d.args = d.args[:0]
	p := 1
	uv := func(what string) (uint64, error) {
		v, n := binary.Uvarint(src[p:])
		if n <= 0 {
			return 0, fmt.Errorf("bad varint for %s at record byte %d", what, p)
		}
		p += n
		return v, nil
	}
	switch d.kind {
	case KindCommand, KindTxCommand, KindTxEnd:
	default:
		return 0, fmt.Errorf("unknown record kind %d", src[0])
	}
	if d.kind != KindCommand {
		v, err := uv("transaction id")
		if err != nil {
			return 0, err
		}
		d.tx = durability.TxID(v)
	}
	if d.kind == KindTxEnd {
		v, err := uv("participant count")
		if err != nil {
			return 0, err
		}
		if v == 0 || v > math.MaxInt32 {
			return 0, fmt.Errorf("participant count %d out of range", v)
		}
		d.participants = int(v)
		return p, nil
	}
	db, err := uv("db")
	if err != nil {
		return 0, err
	}
	if db > math.MaxInt32 {
		return 0, fmt.Errorf("db %d out of range", db)
	}
	d.db = int(db)
	argc, err := uv("argument count")
	if err != nil {
		return 0, err
	}
	// Every argument takes at least one byte, which bounds argc by what is
	// left and keeps a bad count from allocating.
	if argc > uint64(len(src)-p) {
		return 0, fmt.Errorf("argument count %d impossible with %d bytes left", argc, len(src)-p)
	}
	for i := uint64(0); i < argc; i++ {
		l, err := uv("argument length")
		if err != nil {
			return 0, err
		}
		if l > uint64(len(src)-p) {
			return 0, fmt.Errorf("argument %d of %d bytes overruns the frame (%d left): %w", i, l, len(src)-p, errShortRecord)
		}
		d.args = append(d.args, src[p:p+int(l):p+int(l)])
		p += int(l)
	}
	return p, nil
}
