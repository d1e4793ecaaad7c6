package shardcore

// Persistence is how shards make their writes durable. Each shard calls log
// for every applied write (its effect, tagged with the multi-shard transaction
// id when there is one) and commit once per loop iteration, before any reply
// of that iteration leaves; commit returns once the policy is satisfied (for
// appendfsync always: the writes are on stable storage). Implementations are
// per shard internally; shardcore knows nothing of files. The args passed to
// Log are valid only during the call.
type Persistence interface {
	Log(shard, db int, args [][]byte, txid uint64)
	// EndTx closes a shard's part of a multi-shard write; every participant
	// calls it, with the number of participants.
	EndTx(shard int, txid uint64, parts int)
	Commit(shard int) error
	// WriteError is the error replied to writes while persistence fails
	// ("" when healthy), e.g. "MISCONF Errors writing to the AOF file: ...".
	WriteError() string
}

type nopPersistence struct{}

func (nopPersistence) Log(int, int, [][]byte, uint64)       {}
func (nopPersistence) EndTx(int, uint64, int)               {}
func (nopPersistence) Commit(int) error                    { return nil }
func (nopPersistence) WriteError() string                  { return "" }
