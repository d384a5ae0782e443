#!/usr/bin/env bash
# Grading speed of Lab 01, measured in one run on this machine.
#
# Prints: the one-time set-up (building the grader), a cold grade of one
# submission, warm `proctor check` and `proctor grade` of one submission, and
# the marginal cost of each extra submission in a batch, as a ratio to the
# cold grade. Targets (2-core machine): warm grade <= 15 s; marginal cost
# <= 15 % of a cold grade; 100 submissions in under 10 minutes.
#
# Usage: autograder/benchmarks/grading_speed.sh [SMALL_BATCH [LARGE_BATCH]]
#        (default 20 and 100 submissions)
#
# It works on a private copy of the kit with an empty Bazel home, so "cold"
# means cold: no Bazel server, no output base, no disk cache. Submissions mix
# the bundled samples that finish quickly (full marks, partial, one compile
# error, several classic bugs); samples that hang until a deadline would
# measure the deadline, not the grader.
set -euo pipefail

small=${1:-20}
large=${2:-100}
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/proctor-bench.XXXXXX)
trap '(cd "$work/kit" && HOME="$work/home" bazel shutdown >/dev/null 2>&1) || true' EXIT
# shellcheck source=autograder/benchmarks/common.sh
source "$kit/autograder/benchmarks/common.sh"

echo "Setting up a private copy of the kit in $work"
mkdir -p "$work/home"
copy_kit "$work/kit"
export HOME="$work/home"
# Bazel resolves the kit's "~/.cache" disk cache from the account, not $HOME.
echo "build --disk_cache=$work/disk-cache" >"$work/kit/user.bazelrc"
proctor="$work/kit/proctor"

# Submissions: the reference solution with each quick sample's patch applied.
make_class() { # make_class DIR COUNT
  for ((i = 0; i < $2; i++)); do honest_submission "$(printf '%s/student%03d' "$1" "$i")" "$i"; done
}
make_class "$work/one" 2
make_class "$work/small" "$small"
make_class "$work/large" "$large"

setup=$(seconds "$proctor" --help)
cold=$(seconds "$proctor" grade 01 "$work/one/student000" --out "$work/out-cold")
warm_grade=$(seconds "$proctor" grade 01 "$work/one/student001" --out "$work/out-warm")
warm_check=$(seconds "$proctor" check 01)
batch_small=$(seconds "$proctor" grade 01 "$work/small" --out "$work/out-small")
batch_large=$(seconds "$proctor" grade 01 "$work/large" --out "$work/out-large")
marginal=$(echo "($batch_large - $batch_small) / ($large - $small)" | bc -l)
ratio=$(echo "100 * $marginal / $cold" | bc -l)

printf '\nGrading speed, Lab 01 (%s cores)\n' "$(nproc)"
printf '  %-44s %8.1f s\n' "set-up: build the grader (once per machine)" "$setup"
printf '  %-44s %8.1f s\n' "cold grade, one submission" "$cold"
printf '  %-44s %8.1f s   (target <= 15 s)\n' "warm grade, one new submission" "$warm_grade"
printf '  %-44s %8.1f s\n' "warm check (public tests, student)" "$warm_check"
printf '  %-44s %8.1f s\n' "batch of $small submissions" "$batch_small"
printf '  %-44s %8.1f s   (target < 600 s for 100)\n' "batch of $large submissions" "$batch_large"
printf '  %-44s %8.2f s = %.1f %% of a cold grade (target <= 15 %%)\n' \
  "marginal cost per extra submission" "$marginal" "$ratio"
echo "Log: $work/bench.log"
