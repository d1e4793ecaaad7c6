//go:build race

package shardcore

// raceEnabled: the race detector slows CPU-bound tests tenfold.
const raceEnabled = true
