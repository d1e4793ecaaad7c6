#!/usr/bin/env bash
# Checkpoints side by side with redis-server's BGSAVE and RDB load, on this
# machine, in one run (`make bench-checkpoint`):
#   1. both servers get CK_KEYS keys with 16-byte values (redis-cli --pipe);
#   2. GET/SET latency (redis-benchmark -c 50 --csv: p50/p99) without, then
#      during, a checkpoint of all of them (keel: BGSAVE, every key dirty;
#      redis: BGSAVE, a fork), with the extra memory it took (keel: peak RSS
#      over RSS before; redis: the fork's copy-on-write, rdb_last_cow_size);
#   3. restart time to the first PONG: keel after SHUTDOWN (checkpoint, empty
#      log tail) and after kill -9 (checkpoint + log tail), redis after SAVE
#      (RDB load); keel's DEBUG DIGEST before and after each restart must
#      match (what was saved is exactly what was loaded).
# `make bench-checkpoint` builds bin/ first; this script builds nothing.
#
# Environment:
#   CK_KEYS      keys (default 5000000)
#   CK_REQUESTS  requests per latency run (default 1000000)
#   KEEL_BIN, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI override the binaries
#
# Nothing is asserted: the numbers are printed for people to read.
set -uo pipefail
cd "$(dirname "$0")/.."

KEYS=${CK_KEYS:-5000000}
REQ=${CK_REQUESTS:-1000000}
NAME=ckbench TARGET=bench-checkpoint
# shellcheck source=integration/benchlib.sh
source integration/benchlib.sh

start_keel() { # dir port
  "$KEEL" --bind 127.0.0.1 --port "$2" --dir "$1" --save '' --auto-aof-rewrite-percentage 0 --appendfsync everysec >>"$1.log" 2>&1 &
  KPID=$!
  disown "$KPID" # killed on purpose: no job notices
  PIDS+=("$KPID")
}
start_redis() { # dir port
  (cd "$1" && exec "$REDIS" --bind 127.0.0.1 --port "$2" --dir "$1" --save '' --appendonly no >>"$1.log" 2>&1) &
  RPID=$!
  disown "$RPID"
  PIDS+=("$RPID")
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# keys N: the SET commands of N keys "key:%012d" with 16-byte values, as RESP.
keys() {
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16\r\n%016d\r\n", i, i }'
}

# latency PORT: "p50 p99 rps" of SET and GET, -c 50.
latency() {
  "$BENCH" -p "$1" -t set,get -c 50 -n "$REQ" -r "$KEYS" -d 16 --csv 2>/dev/null |
    awk -F, '{ gsub(/"/, "") } $1 == "SET" || $1 == "GET" { printf "%s p50=%s p99=%s rps=%.0f  ", $1, $5, $7, $2 }'
  echo
}

KDIR=$WORK/keel RDIR=$WORK/redis
mkdir -p "$KDIR" "$RDIR"
KPORT=$(free_port)
start_keel "$KDIR" "$KPORT"
wait_pong "$KPORT" >/dev/null
RPORT=$(free_port)
start_redis "$RDIR" "$RPORT"
wait_pong "$RPORT" >/dev/null

echo "== $KEYS keys, 16-byte values =="
for s in "keel $KPORT" "redis $RPORT"; do
  set -- $s
  t0=$EPOCHREALTIME
  keys "$KEYS" | "$CLI" -p "$2" --pipe >/dev/null
  printf '%-6s loaded in %.1fs, used_memory %s\n' "$1" "$(since "$t0")" \
    "$("$CLI" -p "$2" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"
done

echo "== latency without a checkpoint (SET and GET, -c 50, ms) =="
echo "keel:  $(latency "$KPORT")"
echo "redis: $(latency "$RPORT")"

echo "== latency during a checkpoint of every key =="
before=$(rss_kb "$KPID")
peak=$before
"$CLI" -p "$KPORT" BGSAVE >/dev/null
( while [[ -e /proc/$KPID ]]; do rss_kb "$KPID"; sleep 0.1; done ) >"$WORK/rss" &
SAMPLER=$!
echo "keel:  $(latency "$KPORT")  (checkpoint still running at the end: $("$CLI" -p "$KPORT" INFO persistence | awk -F: '/^checkpoint_in_progress/ {print $2}' | tr -d '\r'))"
until [[ $("$CLI" -p "$KPORT" INFO persistence | awk -F: '/^checkpoint_in_progress/ {print $2}' | tr -d '\r') == 0 ]]; do sleep 0.1; done
kill "$SAMPLER" 2>/dev/null
peak=$(sort -n "$WORK/rss" | tail -1)
info() { "$CLI" -p "$1" INFO persistence | awk -F: -v f="$2" '$1 == f { print $2 }' | tr -d '\r'; }
printf 'keel:  checkpoint of %s keys took %.1fs; RSS %d MB before, peak %d MB (+%.1f%%)\n' \
  "$(info "$KPORT" checkpoint_last_keys)" "$(info "$KPORT" checkpoint_last_duration_ms | awk '{ print $1 / 1000 }')" \
  $((before / 1024)) $((peak / 1024)) \
  "$(awk -v p="$peak" -v b="$before" 'BEGIN { print (p - b) * 100 / b }')"

"$CLI" -p "$RPORT" BGSAVE >/dev/null
echo "redis: $(latency "$RPORT")  (bgsave still running at the end: $("$CLI" -p "$RPORT" INFO persistence | awk -F: '/^rdb_bgsave_in_progress/ {print $2}' | tr -d '\r'))"
until [[ $("$CLI" -p "$RPORT" INFO persistence | awk -F: '/^rdb_bgsave_in_progress/ {print $2}' | tr -d '\r') == 0 ]]; do sleep 0.1; done
used=$("$CLI" -p "$RPORT" INFO memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
cow=$("$CLI" -p "$RPORT" INFO persistence | awk -F: '/^rdb_last_cow_size/ {print $2}' | tr -d '\r')
printf 'redis: bgsave took %ss; used_memory %d MB, fork copy-on-write %d MB (+%.1f%%)\n' \
  "$(info "$RPORT" rdb_last_bgsave_time_sec)" $((used / 1048576)) $((cow / 1048576)) "$(awk -v c="$cow" -v u="$used" 'BEGIN { print c * 100 / u }')"

echo "== restart to the first PONG =="
digest() { "$CLI" -p "$KPORT" DEBUG DIGEST; }
same() { [[ $1 == "$(digest)" ]] && echo "same digest" || echo "DIGEST DIFFERS"; }
d=$(digest)
"$CLI" -p "$KPORT" SHUTDOWN >/dev/null 2>&1
while [[ -e /proc/$KPID ]]; do sleep 0.05; done
start_keel "$KDIR" "$KPORT"
t=$(wait_pong "$KPORT")
printf 'keel  after SHUTDOWN: %.2fs  (%s; %s)\n' "$t" "$(grep -o 'DB loaded from checkpoint.*' "$KDIR.log" | tail -1)" "$(same "$d")"
"$BENCH" -p "$KPORT" -t set -n 200000 -r "$KEYS" -d 16 -P 16 -q >/dev/null 2>&1
d=$(digest)
kill -9 "$KPID"
while [[ -e /proc/$KPID ]]; do sleep 0.05; done
start_keel "$KDIR" "$KPORT"
t=$(wait_pong "$KPORT")
printf 'keel  after kill -9 (200000 SETs in the log tail): %.2fs  (%s)\n' "$t" "$(same "$d")"
"$CLI" -p "$RPORT" SAVE >/dev/null
"$CLI" -p "$RPORT" SHUTDOWN NOSAVE >/dev/null 2>&1
while [[ -e /proc/$RPID ]]; do sleep 0.05; done
start_redis "$RDIR" "$RPORT"
printf 'redis after SAVE:     %.2fs  (%s)\n' "$(wait_pong "$RPORT")" "$(grep -o 'DB loaded from disk.*' "$RDIR.log" | tail -1)"
