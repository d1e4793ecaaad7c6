#!/usr/bin/env bash
# Side-by-side throughput and memory of keel and redis-server on this machine,
# both started fresh, with redis-benchmark; then what crossing shards costs
# keel (MSET over 10 shards, MULTI/EXEC over 5) with integration/crossbench.
# `make bench` builds bin/ first; this script builds nothing.
#
# Environment:
#   BENCH_N          requests per throughput test (default 300000)
#   BENCH_CROSS_N    MSETs or transactions per cross-shard test (default 200000)
#   BENCH_MEM_N      SETs for the memory test (default 3000000, over 1M keys)
#   BENCH_ELEM_N     small hashes, sets and zsets of 10 elements each for
#                    the bytes-per-element test (default 1000000)
#   BENCH_PERSIST=1  throughput with appendonly yes, appendfsync everysec and
#                    then always, on both servers (instead of no persistence),
#                    and each server's always against its own everysec
#   BENCH_RANDOM=K   spread the throughput tests over K random keys (-r K);
#                    by default every SET/GET/INCR hits one key, as the plain
#                    redis-benchmark command does. ZADD needs random members:
#                    it always runs with -r (K, or 100000)
#   BENCH_ROUNDS     rounds of the throughput tests; each row is the median
#                    (default 3)
#   BENCH_TIMEOUT    seconds one redis-benchmark run may take (default 900)
#   KEEL_BIN, CROSSBENCH_BIN, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI
#                    override the binaries
#
# Nothing is asserted: the numbers are printed for people to read.
set -uo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_N:-300000}
CROSS_N=${BENCH_CROSS_N:-200000}
MEM_N=${BENCH_MEM_N:-3000000}
ELEM_N=${BENCH_ELEM_N:-1000000}
TIMEOUT=${BENCH_TIMEOUT:-900}
ROUNDS=${BENCH_ROUNDS:-3}
KEEL=${KEEL_BIN:-bin/keel-server}
CROSSBENCH=${CROSSBENCH_BIN:-bin/crossbench}
REDIS=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
BENCH=${REDIS_BENCHMARK:-$(command -v redis-benchmark || echo /usr/bin/redis-benchmark)}
CLI=${REDIS_CLI:-$(command -v redis-cli || echo /usr/bin/redis-cli)}
TESTS=set,get,incr,mset,lpush,lpop,sadd,hset,lrange_100
# Commands redis-benchmark has no -t test for, one run each, in this order
# (ZRANGE reads what ZADD wrote). A row is named by the command's first word.
CUSTOM=(
  "ZADD myz __rand_int__ m:__rand_int__"
  "ZRANGE myz 0 99"
  "XADD mys * f v"
  "PUBLISH ch msg"
)
# Table rows, in print order: the -t tests, then the custom commands.
ROWS=(SET GET INCR MSET LPUSH LPOP SADD HSET LRANGE_100 ZADD ZRANGE XADD PUBLISH)
CLIENTS=50

for b in "$KEEL" "$CROSSBENCH" "$REDIS" "$BENCH" "$CLI"; do
  if [[ ! -x $b ]]; then
    echo "bench: $b is missing (keel: run 'make bench'; redis: apt-get install redis-server redis-tools)" >&2
    exit 1
  fi
done

WORK=$(mktemp -d -t keel-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# free_port prints a port nothing listens on, below the usual ephemeral
# range so that no client connection holds it.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((12000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# start NAME PERSIST(no|everysec|always): starts a fresh server, sets
# SERVER_PID and SERVER_PORT. A port taken in between is retried.
start() {
  local try
  for try in 1 2 3; do
    start_once "$@" && return 0
    [[ $try -lt 3 ]] && log "bench: retrying $1 on another port"
  done
  return 1
}

start_once() {
  local name=$1 persist=$2 port dir
  port=$(free_port) || { log "bench: no free port"; return 1; }
  dir="$WORK/$name-$port"
  mkdir -p "$dir"
  local aof=(--appendonly no)
  [[ $persist != no ]] && aof=(--appendonly yes --appendfsync "$persist")
  case $name in
    keel) "$KEEL" --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' "${aof[@]}" >"$dir/log" 2>&1 & ;;
    redis) "$REDIS" --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' "${aof[@]}" >"$dir/log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  SERVER_PORT=$port
  PIDS+=("$SERVER_PID")
  for _ in $(seq 150); do
    if [[ $("$CLI" -p "$port" PING 2>/dev/null) == PONG ]]; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "bench: $name exited during start-up: $(tail -3 "$dir/log")"
      stop "$SERVER_PID"
      return 1
    fi
    sleep 0.1
  done
  log "bench: $name did not answer PING on port $port"
  stop "$SERVER_PID"
  return 1
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  local keep=()
  for p in "${PIDS[@]}"; do [[ $p != "$pid" ]] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# bench_rows PORT PIPELINE OUT LABEL ARGS...: one redis-benchmark run, its
# rows appended to OUT. The LPUSH that only fills the list for LRANGE is
# dropped, so that each name appears once.
bench_rows() {
  local port=$1 pipeline=$2 out=$3 label=$4
  shift 4
  timeout "$TIMEOUT" "$BENCH" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -P "$pipeline" -q --csv "$@" 2>"$out.err" |
    awk 'NR > 1 && !/needed to benchmark/ { gsub(/"/, ""); split($0, f, ","); split(f[1], t, " "); print t[1] "," f[2] }' >>"$out"
  local rc=${PIPESTATUS[0]}
  if [[ $rc -ne 0 ]]; then
    log "bench: redis-benchmark $label on port $port -P $pipeline exited $rc $( [[ $rc -eq 124 ]] && echo "(timed out after ${TIMEOUT}s)"): $(tr '\r' '\n' <"$out.err" | grep -v '^ *$' | grep -v 'rps=' | tail -2 | tr '\n' ' ')"
  fi
}

# rps_of TEST FILE: the median of TEST's rates in FILE (one per round).
rps_of() {
  awk -F, -v t="$1" '$1 == t { print $2 }' "$2" 2>/dev/null | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

# throughput PERSIST: one table. Both servers run side by side, and each
# test runs on keel and then on redis (the other way round every other
# round) before the next test starts, so that the machine's drift over the
# minutes of a run falls on both alike; a row is the median of the rounds.
throughput() {
  local persist=$1 label kport rport pl round t cmd name first
  label="no persistence"
  [[ $persist != no ]] && label="appendonly yes, appendfsync $persist"
  echo
  echo "== Throughput: redis-benchmark -t $TESTS -c $CLIENTS -n $N${BENCH_RANDOM:+ -r $BENCH_RANDOM} ($label), median of $ROUNDS round(s)"
  echo "   and, -r ${BENCH_RANDOM:-100000}: $(printf '%s; ' "${CUSTOM[@]}")"
  start keel "$persist" || return
  kport=$SERVER_PORT
  local kpid=$SERVER_PID
  if ! start redis "$persist"; then
    stop "$kpid"
    return
  fi
  rport=$SERVER_PORT
  local rpid=$SERVER_PID
  local random=()
  [[ -n ${BENCH_RANDOM:-} ]] && random=(-r "$BENCH_RANDOM")
  for pl in 1 16; do
    : >"$WORK/keel-$persist-P$pl.csv"
    : >"$WORK/redis-$persist-P$pl.csv"
    for round in $(seq "$ROUNDS"); do
      log "bench: -P $pl, round $round of $ROUNDS ..."
      first=(keel redis)
      ((round % 2 == 0)) && first=(redis keel)
      for t in ${TESTS//,/ }; do
        for name in "${first[@]}"; do
          bench_rows "$(port_of "$name" "$kport" "$rport")" "$pl" "$WORK/$name-$persist-P$pl.csv" "-t $t" -t "$t" "${random[@]}"
        done
      done
      for cmd in "${CUSTOM[@]}"; do
        for name in "${first[@]}"; do
          # Split on spaces; set -f keeps XADD's "*" from matching file names.
          set -f
          # shellcheck disable=SC2086
          bench_rows "$(port_of "$name" "$kport" "$rport")" "$pl" "$WORK/$name-$persist-P$pl.csv" "$cmd" -r "${BENCH_RANDOM:-100000}" $cmd
          set +f
        done
      done
    done
  done
  stop "$kpid"
  stop "$rpid"
  printf '%-10s %8s %14s %14s %12s\n' test pipeline "keel ops/s" "redis ops/s" keel/redis
  for pl in 1 16; do
    for t in "${ROWS[@]}"; do
      local k r
      k=$(rps_of "$t" "$WORK/keel-$persist-P$pl.csv")
      r=$(rps_of "$t" "$WORK/redis-$persist-P$pl.csv")
      printf '%-10s %8s %14s %14s %12s\n' "$t" "$pl" "${k:--}" "${r:--}" "$(ratio "$k" "$r")"
    done
  done
}

port_of() { [[ $1 == keel ]] && echo "$2" || echo "$3"; }

# group_commit: keel's appendfsync always against its own everysec, SET and
# INCR, with redis-server's same ratio beside it. Four servers (keel and
# redis, each with both policies) run side by side; every round runs each
# test on all four, starting with a different one each round, so that a
# ratio compares runs minutes apart at most.
group_commit() {
  echo
  echo "== Group commit: appendfsync always / everysec, redis-benchmark -c $CLIENTS -n $N, median of $ROUNDS round(s)"
  local name persist pl round t i j ports=() pids=() labels=()
  for name in keel redis; do
    for persist in everysec always; do
      if ! start "$name" "$persist"; then
        for j in "${pids[@]}"; do stop "$j"; done
        return
      fi
      ports+=("$SERVER_PORT")
      pids+=("$SERVER_PID")
      labels+=("$name-$persist")
    done
  done
  for pl in 1 16; do
    for j in "${labels[@]}"; do : >"$WORK/gc-$j-P$pl.csv"; done
    for round in $(seq "$ROUNDS"); do
      log "bench: group commit -P $pl, round $round of $ROUNDS ..."
      for t in set incr; do
        for i in 0 1 2 3; do
          j=$(((i + round) % 4))
          bench_rows "${ports[$j]}" "$pl" "$WORK/gc-${labels[$j]}-P$pl.csv" "-t $t" -t "$t"
        done
      done
    done
  done
  for j in "${pids[@]}"; do stop "$j"; done
  printf '%-6s %8s %14s %14s %10s %10s\n' test pipeline "keel always" "keel everysec" "keel a/e" "redis a/e"
  for pl in 1 16; do
    for t in SET INCR; do
      local ka ke ra re
      ka=$(rps_of "$t" "$WORK/gc-keel-always-P$pl.csv")
      ke=$(rps_of "$t" "$WORK/gc-keel-everysec-P$pl.csv")
      ra=$(rps_of "$t" "$WORK/gc-redis-always-P$pl.csv")
      re=$(rps_of "$t" "$WORK/gc-redis-everysec-P$pl.csv")
      printf '%-6s %8s %14s %14s %10s %10s\n' "$t" "$pl" "${ka:--}" "${ke:--}" "$(ratio "$ka" "$ke")" "$(ratio "$ra" "$re")"
    done
  done
}

# cross_shard: crossbench on keel and on redis-server (no persistence). An
# op is one MSET (MSETNX) of 10 keys, or one MULTI + 5 commands + EXEC (with
# WATCH of its 5 keys first: wexec5); "cross" puts
# every key under its own hashtag (10 or 5 slot ranges, so every shard),
# "single" puts them all under one. keel/single is the price of crossing
# shards; redis-server has one keyspace, so its two rows are its baseline.
cross_shard() {
  echo
  echo "== Cross-shard: $CROSSBENCH -c $CLIENTS -n $CROSS_N (no persistence)"
  for name in keel redis; do
    start "$name" no || continue
    log "bench: $name cross-shard ..."
    timeout "$TIMEOUT" "$CROSSBENCH" -addr "127.0.0.1:$SERVER_PORT" -c "$CLIENTS" -n "$CROSS_N" \
      >"$WORK/$name-cross.csv" 2>"$WORK/$name-cross.err" ||
      log "bench: crossbench on $name failed: $(tail -c 300 "$WORK/$name-cross.err")"
    stop "$SERVER_PID"
  done
  printf '%-14s %14s %12s %14s %12s\n' test "keel ops/s" keel/single "redis ops/s" keel/redis
  for op in mset10 msetnx10 exec5 wexec5; do
    local single
    single=$(rps_of "$op-single" "$WORK/keel-cross.csv")
    for where in cross single; do
      local k r
      k=$(rps_of "$op-$where" "$WORK/keel-cross.csv")
      r=$(rps_of "$op-$where" "$WORK/redis-cross.csv")
      printf '%-14s %14s %12s %14s %12s\n' "$op-$where" "${k:--}" "$(ratio "$k" "$single")" "${r:--}" "$(ratio "$k" "$r")"
    done
  done
}

# memory: 1M distinct 16-byte values, then RSS and peak RSS of each server.
memory() {
  echo
  echo "== Memory: redis-benchmark -t set -r 1000000 -n $MEM_N -d 16 -P 16 -c $CLIENTS, fresh servers"
  printf '%-8s %16s %16s %12s\n' server used_memory_rss "peak RSS" keys
  local rss_keel="" rss_redis="" hwm_keel="" hwm_redis=""
  for name in keel redis; do
    start "$name" no || continue
    log "bench: $name memory fill ..."
    timeout "$TIMEOUT" "$BENCH" -h 127.0.0.1 -p "$SERVER_PORT" -t set -r 1000000 -n "$MEM_N" -d 16 -P 16 -c "$CLIENTS" -q \
      >/dev/null 2>"$WORK/$name-mem.err" || log "bench: memory fill on $name failed: $(tail -c 300 "$WORK/$name-mem.err")"
    local rss hwm keys
    rss=$("$CLI" -p "$SERVER_PORT" INFO memory 2>/dev/null | tr -d '\r' | awk -F: '$1 == "used_memory_rss" { print $2 }')
    hwm=$(awk '$1 == "VmHWM:" { print $2 * 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null)
    keys=$("$CLI" -p "$SERVER_PORT" DBSIZE 2>/dev/null)
    [[ $keys =~ ^[0-9]+$ ]] || keys=""
    printf '%-8s %16s %16s %12s\n' "$name" "$(human "$rss")" "$(human "$hwm")" "${keys:--}"
    printf -v "rss_$name" '%s' "$rss"
    printf -v "hwm_$name" '%s' "$hwm"
    stop "$SERVER_PID"
  done
  printf '%-8s %16s %16s\n' keel/redis "$(ratio "$rss_keel" "$rss_redis")" "$(ratio "$hwm_keel" "$hwm_redis")"
}

# fill_resp TYPE N: N keys of TYPE (hash, set or zset) with 10 small
# elements each (fields f0..f9 with values v0..v9, members m0..m9 scored
# 0..9), as RESP for redis-cli --pipe.
fill_resp() {
  awk -v type="$1" -v n="$2" '
    function bulk(s) { printf "$%d\r\n%s\r\n", length(s), s }
    BEGIN {
      for (i = 0; i < n; i++) {
        if (type == "hash") { printf "*22\r\n"; bulk("HSET"); bulk("h:" i); for (j = 0; j < 10; j++) { bulk("f" j); bulk("v" j) } }
        if (type == "set") { printf "*12\r\n"; bulk("SADD"); bulk("s:" i); for (j = 0; j < 10; j++) bulk("m" j) }
        if (type == "zset") { printf "*22\r\n"; bulk("ZADD"); bulk("z:" i); for (j = 0; j < 10; j++) { bulk(j); bulk("m" j) } }
      }
    }'
}

# info_field PORT SECTION FIELD prints one INFO field.
info_field() {
  "$CLI" -p "$1" INFO "$2" 2>/dev/null | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2 }'
}

# elements: bytes per element of 1M small hashes, sets and zsets (10
# elements each), from used_memory and RSS growth over the fill (after
# MEMORY PURGE), on a fresh server per type.
elements() {
  echo
  echo "== Memory per element: $ELEM_N keys x 10 elements per type (redis-cli --pipe), fresh servers"
  printf '%-6s %-8s %20s %20s\n' type server "used_memory B/elem" "RSS B/elem"
  local type name
  for type in hash set zset; do
    fill_resp "$type" "$ELEM_N" >"$WORK/fill-$type.resp"
    local used_keel="" used_redis="" rss_keel="" rss_redis=""
    for name in keel redis; do
      start "$name" no || continue
      log "bench: $name $type fill ..."
      local u0 r0 u1 r1 used rss
      # Both servers give freed pages back first (keel: a collection).
      "$CLI" -p "$SERVER_PORT" MEMORY PURGE >/dev/null 2>&1
      u0=$(info_field "$SERVER_PORT" memory used_memory)
      r0=$(info_field "$SERVER_PORT" memory used_memory_rss)
      timeout "$TIMEOUT" "$CLI" -p "$SERVER_PORT" --pipe <"$WORK/fill-$type.resp" >"$WORK/$name-fill.out" 2>&1 ||
        log "bench: $type fill on $name failed: $(tail -c 300 "$WORK/$name-fill.out")"
      "$CLI" -p "$SERVER_PORT" MEMORY PURGE >/dev/null 2>&1
      u1=$(info_field "$SERVER_PORT" memory used_memory)
      r1=$(info_field "$SERVER_PORT" memory used_memory_rss)
      used=$(awk -v a="$u0" -v b="$u1" -v n="$ELEM_N" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", (b - a) / (n * 10) }')
      rss=$(awk -v a="$r0" -v b="$r1" -v n="$ELEM_N" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", (b - a) / (n * 10) }')
      printf '%-6s %-8s %20s %20s\n' "$type" "$name" "$used" "$rss"
      printf -v "used_$name" '%s' "$used"
      printf -v "rss_$name" '%s' "$rss"
      stop "$SERVER_PID"
    done
    printf '%-6s %-8s %20s %20s\n' "$type" keel/redis "$(ratio "$used_keel" "$used_redis")" "$(ratio "$rss_keel" "$rss_redis")"
    rm -f "$WORK/fill-$type.resp"
  done
}

human() {
  awk -v b="$1" 'BEGIN { if (b == "" || b !~ /^[0-9]+$/) print "-"; else printf "%.1f MiB", b / 1048576 }'
}

echo "keel vs redis-server $("$REDIS" --version | awk '{ print $3 }'), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
if [[ ${BENCH_PERSIST:-0} == 1 ]]; then
  throughput everysec
  throughput always
  group_commit
else
  throughput no
fi
cross_shard
memory
elements
