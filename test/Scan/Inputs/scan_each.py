"""Runs `ckpt-migrate -scan` on each file and prints one line per file:
`NAME exit=N VERDICT-LINE`. With --refloader, also runs the reference 2.6
weights_only loader (test/Inputs/refloader) and prints `REF SCAN NAME`,
OK or FAIL each, where the scan counts as OK when its verdict is ALLOWED
without an opcode torch's weights_only unpickler lacks.
Usage: scan_each.py [--refloader INPUTS] [--target V] FILE..."""
import os
import subprocess
import sys

args = sys.argv[1:]
ref_inputs = None
target = None
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--refloader":
        ref_inputs = args.pop(0)
    elif opt == "--target":
        target = args.pop(0)
for path in args:
    cmd = ["ckpt-migrate", "-scan", path] + (["-target=" + target] if target else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = p.stdout.rstrip("\n").split("\n")[-1]
    name = os.path.basename(path)
    if ref_inputs is None:
        print("%s exit=%d %s" % (name, p.returncode, last))
        continue
    env = dict(os.environ, PYTHONPATH=ref_inputs)
    r = subprocess.run([sys.executable, os.path.join(ref_inputs, "refloader", "main.py"),
                        "--release", "2.6-weights-only", path], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scan_ok = (p.returncode == 0 and last.startswith("verdict: ALLOWED")
               and "still fails" not in last)
    print("%s %s %s" % ("OK" if r.returncode == 0 else "FAIL",
                        "OK" if scan_ok else "FAIL", name))
