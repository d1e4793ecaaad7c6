package aof

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/keeldb/keel/durability"
)

// Frame header layout (little-endian); see doc.go.
const (
	headerSize = 48

	offMagic    = 0
	offVersion  = 4
	offFlags    = 5
	offShard    = 6
	offFirstLSN = 8
	offCount    = 16
	offTime     = 20
	offCompLen  = 28
	offRawLen   = 36
	offCRC      = 44

	frameVersion = 1

	// flagS2 marks an s2-compressed payload (s2 block format); without it
	// the payload is the raw records.
	flagS2    = 1 << 0
	knownFlag = flagS2
)

var frameMagic = [4]byte{'K', 'A', 'O', 'F'}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is a decoded frame header.
type frameHeader struct {
	flags    byte
	shard    int
	firstLSN durability.LSN
	count    uint32
	timeMs   int64
	compLen  uint64
	rawLen   uint64
	crc      uint32
}

func (h *frameHeader) lastLSN() durability.LSN {
	return h.firstLSN + durability.LSN(h.count) - 1
}

// putHeader writes h into b[:headerSize] with a zero CRC field.
func putHeader(b []byte, h *frameHeader) {
	copy(b[offMagic:], frameMagic[:])
	b[offVersion] = frameVersion
	b[offFlags] = h.flags
	binary.LittleEndian.PutUint16(b[offShard:], uint16(h.shard))
	binary.LittleEndian.PutUint64(b[offFirstLSN:], uint64(h.firstLSN))
	binary.LittleEndian.PutUint32(b[offCount:], h.count)
	binary.LittleEndian.PutUint64(b[offTime:], uint64(h.timeMs))
	binary.LittleEndian.PutUint64(b[offCompLen:], h.compLen)
	binary.LittleEndian.PutUint64(b[offRawLen:], h.rawLen)
	binary.LittleEndian.PutUint32(b[offCRC:], 0)
}

// frameCRC is the CRC32C of the header up to the CRC field, then the payload.
func frameCRC(header, payload []byte) uint32 {
	c := crc32.Update(0, crcTable, header[:offCRC])
	return crc32.Update(c, crcTable, payload)
}

// parseHeader decodes b[:headerSize], checking only what can be checked
// without the payload.
func parseHeader(b []byte) (frameHeader, error) {
	var h frameHeader
	if [4]byte(b[offMagic:offMagic+4]) != frameMagic {
		return h, fmt.Errorf("bad magic %q", b[offMagic:offMagic+4])
	}
	if v := b[offVersion]; v != frameVersion {
		return h, fmt.Errorf("unknown frame version %d", v)
	}
	h.flags = b[offFlags]
	if h.flags&^knownFlag != 0 {
		return h, fmt.Errorf("unknown frame flags %#x", h.flags)
	}
	h.shard = int(binary.LittleEndian.Uint16(b[offShard:]))
	h.firstLSN = durability.LSN(binary.LittleEndian.Uint64(b[offFirstLSN:]))
	h.count = binary.LittleEndian.Uint32(b[offCount:])
	h.timeMs = int64(binary.LittleEndian.Uint64(b[offTime:]))
	h.compLen = binary.LittleEndian.Uint64(b[offCompLen:])
	h.rawLen = binary.LittleEndian.Uint64(b[offRawLen:])
	h.crc = binary.LittleEndian.Uint32(b[offCRC:])
	if h.firstLSN == durability.NoLSN || h.count == 0 {
		return h, fmt.Errorf("frame with first LSN %d and %d records", h.firstLSN, h.count)
	}
	if h.flags&flagS2 == 0 && h.compLen != h.rawLen {
		return h, fmt.Errorf("uncompressed frame with stored length %d != raw length %d", h.compLen, h.rawLen)
	}
	return h, nil
}

// putCRC stores the CRC of a complete frame (header with a zero CRC field,
// then payload) in its header.
func putCRC(frame []byte) {
	binary.LittleEndian.PutUint32(frame[offCRC:], frameCRC(frame[:headerSize], frame[headerSize:]))
}
