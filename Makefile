GO      ?= go
BIN     := bin
PORT    ?= 6379
DIR     ?= ./data
# Packages whose code runs concurrently: their tests also run under -race.
RACE_PKGS := ./shardcore/... ./durability/... ./aof/... ./recovery/...

.PHONY: build run test race fuzz bench bench-checkpoint bench-aof crash-drill ci clean

build:
	$(GO) build -o $(BIN)/ ./cmd/...

run: build
	./$(BIN)/keel-server --bind 127.0.0.1 --port $(PORT) --dir $(DIR)

# Unit tests, then the integration tests against the real binary (they skip
# the differential parts, with a message, where redis-server is missing).
test: build
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)

# Budgets are counts of inputs, not durations: with a -fuzztime duration Go
# 1.26's fuzz coordinator can fail a clean run with "context deadline
# exceeded" at the deadline (golang/go#75804).
fuzz:
	$(GO) test ./shardcore/resp -run '^$$' -fuzz FuzzParse -fuzztime 150000x
	$(GO) test ./rdb -run '^$$' -fuzz FuzzDecode -fuzztime 60000x

# Side-by-side with redis-server on this machine: prints ops/s and keel/redis,
# then the cost of crossing shards (integration/crossbench). BENCH_N=20000
# makes a quick smoke run; integration/bench.sh lists the other knobs.
bench: build
	$(GO) build -o $(BIN)/crossbench ./integration/crossbench
	./integration/bench.sh

# Checkpoint latency, memory and restart time beside redis-server's BGSAVE
# and RDB load (CK_KEYS, default 5000000).
bench-checkpoint: build
	./integration/ckbench.sh

# The AOF alone beside redis-server's: bytes on disk per SET and restart
# time after kill -9 (AOF_KEYS, default 5000000).
bench-aof: build
	./integration/aofbench.sh

# 200 kill -9 / restart cycles with appendfsync always over every data type
# (make test runs 20): exits non-zero on a lost or half-applied write.
crash-drill: build
	./$(BIN)/keel-drill --server $(BIN)/keel-server --cycles 200 --fsync always

ci: test fuzz

clean:
	rm -rf $(BIN)
