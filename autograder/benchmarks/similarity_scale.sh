#!/usr/bin/env bash
# How long `proctor similar` takes on a class of Lab 01, in two shapes:
#   alike: COUNT copies of the reference, each with one of the quick samples'
#          bugs, its identifiers renamed and a line of its own: every pair is
#          alike, the worst case (and a side-by-side page for the first 300).
#   mixed: COUNT submissions made from the 14 files of the test class
#          (autograder/tests/similarity), in turn, renamed the same way:
#          groups of about COUNT/14 alike (three of them copies of one
#          another), independent across groups.
# Prints each shape's wall time, pairs found, pairs at or above the
# threshold and the groups' sizes, from one run each.
#
# Usage: autograder/benchmarks/similarity_scale.sh [COUNT]
set -euo pipefail

count=${1:-300}
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/proctor-similar-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=autograder/benchmarks/common.sh
source "$kit/autograder/benchmarks/common.sh"

# rename FILE N: identifiers a student would rename, made the N-th student's.
rename() {
  sed -i -E "s/\b(pid|status|argv|input|fds|result|captured|error)\b/\1_$2/g" "$1"
  printf '\n// student %s\n' "$2" >>"$1"
}

fixture=$kit/autograder/tests/similarity/01_processes
mapfile -t sources < <(ls -d "$fixture"/*/)
for i in $(seq 1 "$count"); do
  honest_submission "$work/alike/s$i" "$i"
  rename "$work/alike/s$i/processes.cc" "$i"
  mkdir -p "$work/mixed/s$i"
  cp "${sources[$(( (i - 1) % ${#sources[@]} ))]}/processes.cc" "$work/mixed/s$i/"
  rename "$work/mixed/s$i/processes.cc" "$i"
done

"$kit/proctor" similar --help >/dev/null # set-up and build first, untimed
printf '%-6s %11s %8s %6s %7s  %s\n' shape submissions seconds pairs '>= 50%' groups
for shape in alike mixed; do
  took=$(seconds "$kit/proctor" similar 01 "$work/$shape" --out "$work/out-$shape")
  read -r pairs suspicious groups < <(python3 -c '
import json, sys
summary = json.load(open(sys.argv[1]))
sizes = sorted((len(group) for group in summary["groups"]), reverse=True)
print(summary["pairs"], summary["suspicious"], ",".join(map(str, sizes)))' "$work/out-$shape/summary.json")
  printf '%-6s %11s %8.1f %6s %7s  %s\n' "$shape" "$count" "$took" "$pairs" "$suspicious" "$groups"
done
