#!/usr/bin/env bash
# A class of Lab 01 with hostile submissions mixed in, graded in one batch.
#
# Builds a class of COUNT submissions (default 100): every tenth one is an
# attack from the adversarial corpus (autograder/corpus/01_processes), the
# rest are the reference with one of the quick samples' bugs, as in
# grading_speed.sh. Grades the whole class, then the honest ones alone in a
# batch of their own, and then a few honest ones one by one, and checks:
#   - the class batch wrote a result for every submission;
#   - every honest student scores test by test exactly as without the
#     hostile ones (and as graded alone, for the few graded one by one);
#   - nothing runs under a run account afterwards.
# Prints the figures (wall time of each batch) and exits non-zero on any
# difference. Run it as root from the kit's root, after `./proctor selftest`
# has laid out the corpus (.proctor/corpus/01_processes).
#
# Usage: autograder/benchmarks/hostile_batch.sh [COUNT]
set -euo pipefail

count=${1:-100}
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
corpus="$kit/.proctor/corpus/01_processes"
[[ -d $corpus ]] || { echo "no $corpus: run ./proctor selftest --only adversarial first" >&2; exit 2; }
work=$(mktemp -d /tmp/proctor-hostile.XXXXXX)
proctor="$kit/proctor"

# shellcheck source=autograder/benchmarks/common.sh
source "$kit/autograder/benchmarks/common.sh"
mapfile -t attacks < <(find "$corpus" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
honest=()
for ((i = 0; i < count; i++)); do
  dir=$(printf '%s/class/student%03d' "$work" "$i")
  mkdir -p "$dir"
  if ((i % 10 == 9)); then
    cp "$corpus/${attacks[(i / 10) % ${#attacks[@]}]}/processes.cc" "$dir/"
  else
    honest_submission "$dir" "$i"
    mkdir -p "$work/honest"
    cp -r "$dir" "$work/honest/"
    honest+=("$(basename "$dir")")
  fi
done

mixed=$(seconds "$proctor" grade 01 "$work/class" --out "$work/out-class")
alone=$(seconds "$proctor" grade 01 "$work/honest" --out "$work/out-honest")

# A student's tests as "name status score" lines, from result.json.
tests_of() {
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
for t in r["tests"]: print(t["name"], t["passed"], t["score"])' "$1"
}
failures=0
results=$(find "$work/out-class" -name result.json | wc -l)
if ((results != count)); then
  echo "the class batch wrote $results results for $count submissions"
  failures=$((failures + 1))
fi
for id in "${honest[@]}"; do
  if ! diff <(tests_of "$work/out-class/$id/result.json") \
            <(tests_of "$work/out-honest/$id/result.json") >/dev/null; then
    echo "$id scored differently beside the hostile submissions"
    failures=$((failures + 1))
  fi
done
for id in "${honest[@]:0:3}"; do
  "$proctor" grade 01 "$work/honest/$id" --id "$id" --out "$work/out-one-$id" >>"$work/bench.log" 2>&1
  if ! diff <(tests_of "$work/out-class/$id/result.json") \
            <(tests_of "$work/out-one-$id/$id/result.json") >/dev/null; then
    echo "$id scored differently graded alone"
    failures=$((failures + 1))
  fi
done
left=$(ps -eo uid= | awk '$1 >= 2100000000' | wc -l)
if ((left > 0)); then
  echo "$left process(es) still run under run accounts"
  failures=$((failures + 1))
fi

printf '\nA class of %d with %d hostile submissions, Lab 01 (%s cores)\n' \
  "$count" "$((count / 10))" "$(nproc)"
printf '  %-48s %8.1f s\n' "the whole class, one batch" "$mixed"
printf '  %-48s %8.1f s\n' "its ${#honest[@]} honest submissions alone" "$alone"
printf '  %-48s %8d\n' "results written" "$results"
printf '  %-48s %8d\n' "honest students scored differently" "$failures"
echo "Outputs: $work (log: $work/bench.log)"
exit $((failures > 0))
