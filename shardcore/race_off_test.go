//go:build !race

package shardcore

const raceEnabled = false
