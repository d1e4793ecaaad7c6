package rdb

import "strconv"

// Versions this package reads and writes.
const (
	MinReadVersion = 1
	MaxReadVersion = 12 // Redis 7.4
	// DumpVersion is the RDB version redis-server 7.0 stamps on DUMP
	// payloads and writes in its files.
	DumpVersion = 10
)

// ObjectType is the type byte that precedes a value in RDB and in DUMP
// payloads; it names the encoding as well as the kind.
type ObjectType byte

// RDB object types (Redis rdb.h).
const (
	TypeString           ObjectType = 0
	TypeList             ObjectType = 1
	TypeSet              ObjectType = 2
	TypeZSet             ObjectType = 3 // scores as strings
	TypeHash             ObjectType = 4
	TypeZSet2            ObjectType = 5 // scores as binary doubles
	TypeModulePreGA      ObjectType = 6
	TypeModule2          ObjectType = 7
	TypeHashZipmap       ObjectType = 9
	TypeListZiplist      ObjectType = 10
	TypeSetIntset        ObjectType = 11
	TypeZSetZiplist      ObjectType = 12
	TypeHashZiplist      ObjectType = 13
	TypeListQuicklist    ObjectType = 14
	TypeStreamListpacks  ObjectType = 15
	TypeHashListpack     ObjectType = 16
	TypeZSetListpack     ObjectType = 17
	TypeListQuicklist2   ObjectType = 18
	TypeStreamListpacks2 ObjectType = 19
	TypeSetListpack      ObjectType = 20
	TypeStreamListpacks3 ObjectType = 21
	// Hash field expiration (RDB 12). The pre-GA forms come from Redis 7.4
	// release candidates and store absolute TTLs without a leading minimum.
	TypeHashMetadataPreGA   ObjectType = 22
	TypeHashListpackExPreGA ObjectType = 23
	TypeHashMetadata        ObjectType = 24
	TypeHashListpackEx      ObjectType = 25
)

var typeNames = map[ObjectType]string{
	TypeString: "string", TypeList: "list", TypeSet: "set", TypeZSet: "zset",
	TypeHash: "hash", TypeZSet2: "zset2", TypeModulePreGA: "module-pre-ga",
	TypeModule2: "module2", TypeHashZipmap: "hash-zipmap", TypeListZiplist: "list-ziplist",
	TypeSetIntset: "set-intset", TypeZSetZiplist: "zset-ziplist", TypeHashZiplist: "hash-ziplist",
	TypeListQuicklist: "list-quicklist", TypeStreamListpacks: "stream-listpacks",
	TypeHashListpack: "hash-listpack", TypeZSetListpack: "zset-listpack",
	TypeListQuicklist2: "list-quicklist2", TypeStreamListpacks2: "stream-listpacks2",
	TypeSetListpack: "set-listpack", TypeStreamListpacks3: "stream-listpacks3",
	TypeHashMetadataPreGA: "hash-metadata-pre-ga", TypeHashListpackExPreGA: "hash-listpack-ex-pre-ga",
	TypeHashMetadata: "hash-metadata", TypeHashListpackEx: "hash-listpack-ex",
}

func (t ObjectType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Opcodes that may appear where an object type is expected.
const (
	opSlotInfo      = 244
	opFunction2     = 245
	opFunctionPreGA = 246
	opModuleAux     = 247
	opIdle          = 248
	opFreq          = 249
	opAux           = 250
	opResizeDB      = 251
	opExpireTimeMs  = 252
	opExpireTime    = 253
	opSelectDB      = 254
	opEOF           = 255
)

// Length encoding: the two top bits of the first byte.
const (
	len6Bit  = 0
	len14Bit = 1
	len32Bit = 0x80
	len64Bit = 0x81
	lenEnc   = 3

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Module value opcodes (RDB_MODULE_OPCODE_*).
const (
	moduleOpEOF    = 0
	moduleOpSInt   = 1
	moduleOpUInt   = 2
	moduleOpFloat  = 3
	moduleOpDouble = 4
	moduleOpString = 5
)

// Quicklist 2 node containers.
const (
	quicklistPlain  = 1
	quicklistPacked = 2
)

// Stream listpack entry flags.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// moduleName decodes the 9-character module type name from a module ID, as
// Redis's moduleTypeNameByID does (the low 10 bits are the encoding version).
func moduleName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for i := 8; i >= 0; i-- {
		name[i] = charset[id&63]
		id >>= 6
	}
	return string(name[:])
}
