"""Does the tool judge files as the real torch 2.6 does?

  agree26.py DIR CASE...

For each DIR/CASE.pt: torch 2.6's default torch.load (weights_only=True,
through check26.py) either loads it or refuses it; `ckpt-migrate -scan
-target=2.6` must say ALLOWED exactly when 2.6 loads it (REFUSED or
INCOMPLETE otherwise), and `ckpt-migrate -verify-target=2.6` must pass
exactly when 2.6 loads it. Prints one line per case:
  CASE: torch 2.6 OK, scan ALLOWED, verify ok: agree
and exits 1 if any case disagrees.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
TORCH26 = os.path.join(SRC, "utils", "torch26-python")
CHECK26 = os.path.join(SRC, "test", "Inputs", "check26.py")


def main(argv):
    d, cases = argv[1], argv[2:]
    bad = 0
    for c in cases:
        f = os.path.join(d, c + ".pt")
        load = subprocess.run([TORCH26, CHECK26, "load", f],
                              capture_output=True, text=True)
        loads = load.returncode == 0 and load.stdout.startswith("OK")
        scan = subprocess.run(["ckpt-migrate", "-scan", "-target=2.6", f],
                              capture_output=True, text=True).stdout
        verdict = [l.split(":")[1].strip() for l in scan.splitlines()
                   if l.startswith("verdict:")]
        verdict = verdict[0] if verdict else "none"
        verify = subprocess.run(["ckpt-migrate", "-verify-target=2.6", "-S",
                                 f, "-o", os.devnull],
                                capture_output=True, text=True).returncode == 0
        agree = (verdict == "ALLOWED") == loads and verify == loads
        bad += not agree
        print("%s: torch 2.6 %s, scan %s, verify %s: %s" % (
            c, "OK" if loads else "REFUSED", verdict,
            "ok" if verify else "refused", "agree" if agree else "DISAGREE"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
