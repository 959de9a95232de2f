#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan+UBSan) and runs each for a
# given time, seeded from the generated fixtures, the .ckir tests and, when
# present, ../shared/corpus. Crashes land in build-fuzz/findings/<target>/.
#
#   utils/run-fuzzers.sh SECONDS [TARGET...]
#   TARGET: container-fuzzer pickle-fuzzer lowering-fuzzer ir-parser-fuzzer
#           scan-fuzzer
#   FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:?usage: $0 SECONDS [TARGET...]}
shift
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] ||
  TARGETS=(container-fuzzer pickle-fuzzer lowering-fuzzer ir-parser-fuzzer
           scan-fuzzer)
B=${FUZZ_BUILD_DIR:-build-fuzz}

command -v clang++-14 >/dev/null || apt-get install -y clang-14 libclang-rt-14-dev
CC=clang-14 CXX=clang++-14 cmake -S . -B "$B" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKPT_BUILD_FUZZERS=ON >/dev/null
ninja -C "$B" ckpt-fuzzers >/dev/null

# Seeds: checkpoints in every container, the pickles inside them, and IR text.
SEEDS="$B/seeds"
if [ ! -d "$SEEDS/checkpoints" ]; then
  mkdir -p "$SEEDS/checkpoints" "$SEEDS/pickles" "$SEEDS/ir"
  /usr/bin/python3 test/Inputs/gen_fixtures.py "$SEEDS/checkpoints" >/dev/null
  if [ -d ../shared/corpus ]; then
    find ../shared/corpus -type f -size -256k ! -name '*.md' ! -name '*.tsv' \
      -exec cp {} "$SEEDS/checkpoints/" \;
  fi
  # The pickles: data.pkl of zip files, and the first pickle of legacy ones.
  /usr/bin/python3 - "$SEEDS/checkpoints" "$SEEDS/pickles" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1:]
for n in sorted(os.listdir(src)):
    p = os.path.join(src, n)
    if n.startswith('deflated.'):
        continue
    if zipfile.is_zipfile(p):
        # A deflated copy: -scan inflates records torch's reader would.
        with zipfile.ZipFile(p) as z, zipfile.ZipFile(
                os.path.join(src, 'deflated.' + n), 'w',
                zipfile.ZIP_DEFLATED) as d:
            for m in z.namelist():
                d.writestr(m, z.read(m))
        with zipfile.ZipFile(p) as z:
            for m in z.namelist():
                if m.endswith('.pkl'):
                    open(os.path.join(dst, n + '.' + m.replace('/', '_')), 'wb').write(z.read(m))
    else:
        open(os.path.join(dst, n), 'wb').write(open(p, 'rb').read()[:65536])
PY
  find test -name '*.ckir' -exec cp {} "$SEEDS/ir/" \;
  for f in "$SEEDS"/checkpoints/*; do
    "${CKPT_MIGRATE:-build/bin/ckpt-migrate}" -S "$f" -o "$SEEDS/ir/$(basename "$f").ckir" \
      2>/dev/null || true
  done
fi

run_one() {
  local t=$1 seeds
  case $t in
    container-fuzzer|lowering-fuzzer|scan-fuzzer) seeds=$SEEDS/checkpoints ;;
    pickle-fuzzer) seeds=$SEEDS/pickles ;;
    ir-parser-fuzzer) seeds=$SEEDS/ir ;;
    *) echo "unknown target $t" >&2; return 1 ;;
  esac
  local work="$B/fuzz-corpus/$t" out="$B/findings/$t"
  mkdir -p "$work" "$out"
  # Fork mode keeps going after a finding, so one run reports them all.
  # Every input is bounded: 2 GiB of RSS (the targets' own memory limits
  # are far below it) and 10 s; past either libFuzzer reports a finding.
  nice -n 10 "$B/bin/$t" "$work" "$seeds" -fork=1 -ignore_crashes=1 \
    -ignore_ooms=1 -ignore_timeouts=1 -max_total_time="$SECS" \
    -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$out/" >"$B/fuzz-$t.log" 2>&1 || true
  # The last status line: "#<execs>: cov: <edges> ft: <features> corp: ..."
  echo "$t: ${SECS}s, $(grep -E '^#[0-9]+: cov:' "$B/fuzz-$t.log" | tail -1 |
       sed -E 's/^#([0-9]+): cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 execs, cov \2, ft \3, \4 corpus inputs/')," \
       "$(ls "$out" | wc -l) findings"
}

JOBS=${FUZZ_JOBS:-1}
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
done
wait
