#!/bin/bash
# Runs the same ckpt-migrate commands with two builds and compares, for each
# run, stdout, stderr, the exit status and every file written, byte for byte:
# the check that a refactoring changed no behaviour.
#
#   utils/compare-builds.sh OLD/bin/ckpt-migrate NEW/bin/ckpt-migrate FILE...
#
# Each FILE is printed, copied, converted (zip, legacy, safetensors, a shard
# set) and migrated by every built-in pipeline, scanned and listed. Prints
# each run that differs and "N runs, M differ"; exits 1 if any differs.
set -u
# Absolute paths: each run happens in a directory of its own.
OLD=$(realpath "$1") NEW=$(realpath "$2")
shift 2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0
diffs=0
run() { # NAME ARGS...
  local name=$1
  shift
  for v in old new; do
    local B=$OLD
    [ $v = new ] && B=$NEW
    mkdir -p "$W/$v/$name"
    (cd "$W/$v/$name" && "$B" "$@" >stdout 2>stderr; echo $? >rc)
  done
  n=$((n + 1))
  if ! diff -r -q "$W/old/$name" "$W/new/$name" >/dev/null; then
    diffs=$((diffs + 1))
    echo "DIFF: $name: $*"
    diff -r "$W/old/$name" "$W/new/$name" | head -5
  fi
}
i=0
for f in "$@"; do
  f=$(realpath "$f")
  i=$((i + 1))
  b=f$i
  run $b-S -S -inline-data "$f"
  run $b-copy "$f" -o out.pt
  run $b-zip -format=zip "$f" -o out.pt
  run $b-legacy -format=legacy "$f" -o out.pt
  for p in downgrade-0.4.0 downgrade-1.13 downgrade-1.5 downgrade-0.3 \
    upgrade-weights-only libtorch-portable \
    unwrap-data-parallel,optimizer-before-1.12; do
    run $b-$p -passes=$p -stats "$f" -o out.pt
  done
  run $b-st -format=safetensors "$f" -o out.safetensors
  run $b-shard -max-shard-size=4K "$f" -o out.pt
  run $b-dcp -format=dcp "$f" -o out.dcp
  # Reading back what the old build wrote as a shard set and a DCP directory.
  run $b-shard-in -S "$W/old/$b-shard"
  run $b-dcp-in -S "$W/old/$b-dcp/out.dcp"
  run $b-dry -dry-run -passes=downgrade-0.4.0 "$f"
  run $b-dry-S -dry-run -S "$f"
  run $b-verify -dry-run -verify-target=0.4.0 "$f"
  run $b-verify-w -verify-target=1.0 "$f" -o out.pt
  run $b-scan -scan "$f"
  run $b-dump -dump-pickle "$f"
  run $b-rec -list-records "$f"
  run $b-sum -summary -tensors "$f"
done
echo "$n runs, $diffs differ"
[ $diffs = 0 ]
