"""Migrations judged by the real torch 2.6.

  roundtrip26.py [--passes=PIPELINE] DIR CASE...

For each DIR/CASE.pt (written by torch 2.6): `ckpt-migrate DIR/CASE.pt
[-passes=PIPELINE] -o DIR/out/CASE.pt`, then check26.py (under torch 2.6)
describes both files and loads the output with weights_only and with mmap;
`-scan -target=2.6` grades the input. Prints one line per case:
  CASE: same tensors, load OK, mmap OK, scan ALLOWED
or what differed. Without passes the tensors must be the same at the same
paths; with passes, every tensor of the input (dtype, shape, bytes) must
still be in the output, wherever the pipeline moved it ("every tensor
kept"). Runs under the host's python; the tool and %torch26 come
from the environment lit sets up (PATH, CKPT_TORCH26_BIND).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
TORCH26 = os.path.join(SRC, "utils", "torch26-python")
CHECK26 = os.path.join(SRC, "test", "Inputs", "check26.py")


def check26(*args):
    p = subprocess.run([TORCH26, CHECK26] + list(args), capture_output=True,
                       text=True)
    return p.returncode, p.stdout.strip()


def main(argv):
    passes = []
    if argv[1].startswith("--passes="):
        passes = ["-passes=" + argv[1].split("=", 1)[1]]
        argv = argv[:1] + argv[2:]
    d, cases = argv[1], argv[2:]
    os.makedirs(os.path.join(d, "out"), exist_ok=True)
    bad = 0
    for c in cases:
        src = os.path.join(d, c + ".pt")
        dst = os.path.join(d, "out", c + ".pt")
        p = subprocess.run(["ckpt-migrate", src, "-o", dst] + passes,
                           capture_output=True, text=True)
        if p.returncode:
            print("%s: not written: %s" % (c, p.stderr.strip()))
            bad += 1
            continue
        rca, a = check26("describe", src)
        rcb, b = check26("describe", dst)
        if rca or rcb:
            print("%s: torch 2.6 could not describe %s" % (c, "the input" if rca else "the output"))
            bad += 1
            continue
        if passes:
            # dtype, shape and bytes of each tensor, wherever it now is.
            def kept(text):
                # Paths may hold spaces: the 8 fields after one are split
                # off from the right (dtype shape stride offset sha1 ...).
                return sorted(" ".join(l.rsplit(None, 8)[i] for i in (1, 2, 5))
                              for l in text.splitlines() if l.startswith("$"))
            lost = [t for t in kept(a) if t not in kept(b)]
            same = "every tensor kept" if not lost else \
                "LOST %d tensors" % len(lost)
        else:
            same = "same tensors" if a == b and a else "DIFFERENT tensors"
        _, load = check26("load", dst)
        _, mmap = check26("mmap", dst)
        scan = subprocess.run(["ckpt-migrate", "-scan", "-target=2.6", src],
                              capture_output=True, text=True).stdout
        verdict = [l for l in scan.splitlines() if l.startswith("verdict:")]
        verdict = verdict[0].split(":")[1].strip() if verdict else "none"
        print("%s: %s, load %s, mmap %s, scan %s" % (
            c, same, load.splitlines()[0] if load else "?",
            mmap.splitlines()[0] if mmap else "?", verdict))
        if same not in ("same tensors", "every tensor kept"):
            sys.stdout.write("--- torch 2.6 on the input\n%s\n--- on the output\n%s\n"
                             % (a, b))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
