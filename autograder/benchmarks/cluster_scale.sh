#!/usr/bin/env bash
# Grading a class beyond one machine, measured in one run on this machine.
#
# A class of COUNT Lab 01 submissions (default 200), each a distinct file
# (the reference with one of the quick samples' bugs, and a line of its
# own), graded three ways against one `proctor cache-server`:
#   1. one host, cold: a fresh copy of the kit, an empty cache;
#   2. one host, the cache warm from another output base (a second copy);
#   3. 3 Slurm array tasks on a one-node `proctor local-cluster` (a third
#      copy), sharing the warm cache, then the merge.
# Each way is also timed on a class of one new submission in a fresh copy
# (cold: against an empty part of the cache; else the warm one), so that
# the marginal cost of a submission is (T(COUNT) - T(1)) / (COUNT - 1). The cache hit rate is read from nginx's
# access log: GET /ac/... answered 200 (a hit) among all GET /ac/....
# Every way must give the same gradebook.
#
# Usage (as root, from anywhere): autograder/benchmarks/cluster_scale.sh [COUNT]
set -euo pipefail

count=${1:-200}
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/proctor-cluster-bench.XXXXXX)
chmod 755 "$work" # nginx's workers (www-data) store the cache under it.
# shellcheck source=autograder/benchmarks/common.sh
source "$kit/autograder/benchmarks/common.sh"

pids=()
copies=()
cleanup() {
  # The servers run under a subshell each: stop them by what they run.
  pkill -INT -f "local-cluster --dir $work/cluster" 2>/dev/null || true
  pkill -TERM -f "nginx -p $work/cache/" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for copy in "${copies[@]}"; do
    (cd "$work/$copy" && HOME="$work/home-$copy" bazel shutdown >/dev/null 2>&1) || true
  done
}
trap cleanup EXIT

echo "Working in $work (log: $work/bench.log)"
for ((i = 0; i < count; i++)); do
  honest_submission "$(printf '%s/class/student%03d' "$work" "$i")" "$i" "cluster bench $i"
done
honest_submission "$work/one/newcomer" 0 "cluster bench newcomer"

# A fresh copy of the kit with a Bazel home of its own: a machine of its own,
# its grader built (set-up, not timed).
fresh() { # fresh NAME
  copy_kit "$work/$1"
  mkdir -p "$work/home-$1"
  copies+=("$1")
  in_copy "$1" ./proctor --help >>"$work/bench.log" 2>&1
}

in_copy() { # in_copy NAME COMMAND...: runs a command in that copy, with its home
  local name=$1
  shift
  (cd "$work/$name" && HOME="$work/home-$name" "$@")
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Bazel's HTTP cache takes a path: /main is the class's cache, /empty-N an
# empty one for a cold grade of one.
cache="http://127.0.0.1:$port/main"
fresh server
in_copy server ./proctor cache-server --port "$port" --dir "$work/cache" >"$work/cache-server.log" 2>&1 &
pids+=($!)
for ((tick = 0; tick < 600; tick++)); do
  grep -q "Graders use it" "$work/cache-server.log" 2>/dev/null && break
  sleep 0.5
done
sleep 1
access="$work/cache/access.log"

# hits FROM: "hits/lookups" of the access log's lines after line FROM.
hits() {
  tail -n +"$(($1 + 1))" "$access" | awk '
    $7 ~ /^\/main\/ac\// && $6 == "\"GET" { lookups++; if ($9 == 200) hits++ }
    END { printf "%d/%d", hits, lookups }'
}
lines() { wc -l <"$access"; }

declare -A total one rate
grade_way() { # grade_way NAME ONE_CACHE: one host, a fresh copy
  local from
  fresh "$1"
  from=$(lines)
  total[$1]=$(seconds in_copy "$1" ./proctor grade 01 "$work/class" --out "$work/out-$1" \
    --remote-cache "$cache")
  rate[$1]=$(hits "$from")
  fresh "$1-one"
  one[$1]=$(seconds in_copy "$1-one" ./proctor grade 01 "$work/one" --out "$work/out-$1-one" \
    --remote-cache "$2")
}

echo "1/3: one host, cold"
grade_way cold "http://127.0.0.1:$port/empty-1"
echo "2/3: one host, warm cache, another output base"
grade_way warm "$cache"

echo "3/3: 3 Slurm array tasks"
fresh slurm
in_copy slurm ./proctor local-cluster --dir "$work/cluster" --cpus 3 >"$work/local-cluster.log" 2>&1 &
pids+=($!)
for ((tick = 0; tick < 600; tick++)); do
  grep -q "Ctrl-C stops it" "$work/local-cluster.log" 2>/dev/null && break
  sleep 0.5
done
export SLURM_CONF="$work/cluster/slurm.conf"
slurm_way() { # slurm_way CLASS OUT: submits, then waits for the merge
  in_copy slurm ./proctor slurm 01 "$1" --out "$2" --shards 3 --cpus-per-task 1 \
    --remote-cache "$cache" >>"$work/bench.log" 2>&1
  while [[ -n $(squeue -h -o %i) || ! -e $2/slurm/merge.log ]]; do sleep 1; done
}
from=$(lines)
total[slurm]=$(seconds slurm_way "$work/class" "$work/out-slurm")
rate[slurm]=$(hits "$from")
one[slurm]=$(seconds slurm_way "$work/one" "$work/out-slurm-one")

status=0
for way in cold warm; do
  if ! cmp -s "$work/out-$way/gradebook.csv" "$work/out-slurm/class/gradebook.csv"; then
    echo "the gradebook of '$way' differs from the merged Slurm one" >&2
    status=1
  fi
done

printf '\nA class of %d Lab 01 submissions, each a distinct file (%s cores)\n' "$count" "$(nproc)"
printf '  %-46s %9s %11s %11s %9s\n' "" "total" "per sub." "marginal" "cache hits"
row() { # row LABEL WAY
  local per marginal
  per=$(echo "${total[$2]} / $count" | bc -l)
  marginal=$(echo "(${total[$2]} - ${one[$2]}) / ($count - 1)" | bc -l)
  printf '  %-46s %7.1f s %9.2f s %9.2f s %9s\n' "$1" "${total[$2]}" "$per" "$marginal" \
    "${rate[$2]}"
}
row "one host, cold (empty cache)" cold
row "one host, warm cache, another output base" warm
row "3 Slurm array tasks + merge, warm cache" slurm
printf '  (marginal: (T(%d) - T(1)) / %d; T(1), one new submission alone: %.1f s, %.1f s, %.1f s)\n' \
  "$count" "$((count - 1))" "${one[cold]}" "${one[warm]}" "${one[slurm]}"
exit "$status"
