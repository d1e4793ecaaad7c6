// Package durability holds what every durable part of keel shares: log
// sequence numbers, the appendfsync policy and the background everysec
// fsync, the MANIFEST that names the live AOF segments and the checkpoint,
// the disk-error state that turns writes into -MISCONF, and the filesystem
// seam (FS) with a fault-injecting wrapper (FaultFS) and an in-memory
// filesystem that models what a crash keeps (MemFS), for tests and drills.
//
// It imports no other keel package: the AOF, checkpoints, recovery and the
// shard runtime all build on it.
package durability
