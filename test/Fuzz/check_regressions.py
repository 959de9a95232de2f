"""Runs ckpt-migrate on every input a fuzzer once crashed on (test/Fuzz/Inputs).

Each input must now be either read cleanly or refused with a clear error:
exit 0 or 1, never a signal, never an assertion, never IR that the tool's
own verifier rejects (the reader promised valid IR), and a refusal names
the file. Inputs are grouped by the fuzzer that found them:
  container/, pickle/, lowering/ -> read (-S, and a rewrite to a temporary)
  ir-parser/                     -> parsed as .ckir and printed
Usage: check_regressions.py CKPT_MIGRATE INPUTS_DIR TMPDIR
"""
import os
import subprocess
import sys

tool, inputs, tmp = sys.argv[1:]
os.makedirs(tmp, exist_ok=True)
failures = 0
count = 0
for group in sorted(os.listdir(inputs)):
    gdir = os.path.join(inputs, group)
    for name in sorted(os.listdir(gdir)):
        path = os.path.join(gdir, name)
        out = os.path.join(tmp, name + ".out")
        runs = [[tool, "-S", path, "-o", "-"]]
        if group != "ir-parser":
            runs.append([tool, path, "-o", out])
        for cmd in runs:
            count += 1
            try:
                p = subprocess.run(cmd, capture_output=True, timeout=60)
            except subprocess.TimeoutExpired:
                print(f"FAIL {group}/{name}: timed out: {' '.join(cmd)}")
                failures += 1
                continue
            err = p.stderr.decode(errors="replace")
            bad = None
            if p.returncode not in (0, 1):
                bad = f"exit {p.returncode}"
            elif "the IR is invalid" in err:
                bad = "reader built invalid IR"
            elif p.returncode == 1 and name not in err:
                bad = "error does not name the file"
            elif p.returncode == 1 and os.path.exists(out):
                bad = "failed run left an output file"
            if bad:
                print(f"FAIL {group}/{name}: {bad}: {' '.join(cmd)}\n{err}")
                failures += 1
print(f"{count} runs, {failures} failures")
sys.exit(1 if failures else 0)
