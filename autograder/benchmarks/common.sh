# Helpers the benchmark scripts share; source it after setting `kit` (the
# kit's root) and `work` (a scratch folder).

# The bundled Lab 01 samples that finish quickly: full marks, partial, one
# compile error and several classic bugs. Samples that hang until a deadline
# would measure the deadline, not the grader.
mix=(perfect partial raw_status no_eintr_retry zombie_child kill_child_not_group
     exit_not_underscore_exit compile_error)

# honest_submission DIR INDEX [MARK]: the reference of Lab 01 with the
# INDEX-th sample of the mix applied, into DIR; a MARK line appended makes the
# file distinct from every other.
honest_submission() {
  local dir=$1 sample=${mix[$2 % ${#mix[@]}]}
  mkdir -p "$dir"
  cp "$kit/solutions/01_processes/processes.cc" "$dir/"
  if [[ $sample != perfect ]]; then
    patch --quiet -p1 -d "$dir" -i "$kit/autograder/samples/01_processes/$sample.patch"
  fi
  if [[ -n ${3:-} ]]; then printf '\n// %s\n' "$3" >>"$dir/processes.cc"; fi
}

# seconds COMMAND...: the command's wall time; its output goes to the log.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >>"$work/bench.log" 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

# copy_kit DEST: a private copy of the kit, without its build state.
copy_kit() {
  mkdir -p "$1"
  tar -C "$kit" --exclude=./.git --exclude=./.proctor --exclude=./out --exclude='./bazel-*' -cf - . |
    tar -C "$1" -xf -
}
