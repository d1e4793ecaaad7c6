#!/usr/bin/env bash
# The AOF alone, side by side with redis-server's, on this machine, in one run
# (`make bench-aof`): both servers log AOF_KEYS SETs of distinct keys with
# random 16-byte values (redis-cli --pipe, appendfsync everysec, no
# checkpoints or RDB snapshots, no rewrites), then:
#   1. bytes on disk per SET (keel: aof/ segments, compressed; redis: its
#      appendonlydir, plain RESP);
#   2. restart time to the first PONG after kill -9: keel replays its logs,
#      redis its AOF (aof-use-rdb-preamble no, so no RDB base).
# `make bench-aof` builds bin/ first; this script builds nothing.
#
# Environment:
#   AOF_KEYS     keys (default 5000000)
#   KEEL_BIN, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI override the binaries
#
# Nothing is asserted: the numbers are printed for people to read.
set -uo pipefail
cd "$(dirname "$0")/.."

KEYS=${AOF_KEYS:-5000000}
NAME=aofbench TARGET=bench-aof
# shellcheck source=integration/benchlib.sh
source integration/benchlib.sh

# start NAME DIR PORT: starts the server with only its AOF persisting; sets
# PID. The same flags serve the restart.
start() {
  case $1 in
    keel) "$KEEL" --bind 127.0.0.1 --port "$3" --dir "$2" --save '' --appendonly yes --appendfsync everysec \
            --auto-aof-rewrite-percentage 0 >>"$2.log" 2>&1 & ;;
    redis) "$REDIS" --bind 127.0.0.1 --port "$3" --dir "$2" --save '' --appendonly yes --appendfsync everysec \
             --auto-aof-rewrite-percentage 0 --aof-use-rdb-preamble no >>"$2.log" 2>&1 & ;;
  esac
  PID=$!
  disown "$PID" # killed on purpose: no job notices
  PIDS+=("$PID")
}

# sets N: N SETs of "key:%012d" to random 16-hex-digit values, as RESP.
sets() {
  awk -v n="$1" 'BEGIN { srand(7); for (i = 0; i < n; i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16\r\n%08x%08x\r\n", i, int(rand() * 4294967296), int(rand() * 4294967296) }'
}

sets "$KEYS" >"$WORK/sets.resp"
echo "== $KEYS SETs of distinct keys, random 16-byte values, appendfsync everysec, AOF only =="
printf '%-6s %10s %14s %12s %14s %12s\n' server "fill s" "AOF bytes" "bytes/SET" "restart s" keys/s
declare -A per restart
for name in keel redis; do
  dir=$WORK/$name port=$(free_port)
  mkdir -p "$dir"
  start "$name" "$dir" "$port"
  wait_pong "$port" >/dev/null
  t0=$EPOCHREALTIME
  "$CLI" -p "$port" --pipe <"$WORK/sets.resp" >/dev/null
  fill=$(since "$t0")
  sleep 2 # everysec: the last second reaches the disk
  kill -9 "$PID"
  while [[ -e /proc/$PID ]]; do sleep 0.05; done
  case $name in
    keel) bytes=$(du -sb "$dir/aof" | awk '{ print $1 }') ;;
    redis) bytes=$(du -sb "$dir/appendonlydir" | awk '{ print $1 }') ;;
  esac
  start "$name" "$dir" "$port"
  secs=$(wait_pong "$port")
  got=$("$CLI" -p "$port" DBSIZE)
  kill -9 "$PID"
  per[$name]=$(awk -v b="$bytes" -v n="$KEYS" 'BEGIN { printf "%.1f", b / n }')
  restart[$name]=$secs
  printf '%-6s %10s %14s %12s %14s %12s\n' "$name" "$fill" "$bytes" "${per[$name]}" "$secs" \
    "$(awk -v k="$got" -v s="$secs" 'BEGIN { printf "%.0f", k / s }')"
  [[ $got == "$KEYS" ]] || echo "$name: $got keys after the restart, expected $KEYS"
done
printf '%-6s %10s %14s %12s %14s\n' keel/redis "" "" \
  "$(awk -v a="${per[keel]}" -v b="${per[redis]}" 'BEGIN { printf "%.2f", a / b }')" \
  "$(awk -v a="${restart[keel]}" -v b="${restart[redis]}" 'BEGIN { printf "%.2f", a / b }')"
