"""downgrade-1.13 judged by the real torch 2.6 and the host's torch 1.13.

  downgrade113.py [--passes=PIPELINE] DIR CASE...

For each DIR/CASE.pt (written by torch 2.6): `ckpt-migrate -passes=PIPELINE
DIR/CASE.pt -o DIR/out113/CASE.pt` (PIPELINE defaults to downgrade-1.13);
then check26.py `values` describes the input under torch 2.6 and the output
under this Python's torch 1.13 (numpy 1.x), tensor by tensor, by value. Prints
one line per case:
  CASE: same values, records [version], dtypes float8_e4m3fn->float16 ...
With a PIPELINE other than downgrade-1.13 (one that moves values, such as
plain-data), `every tensor kept` instead of `same values`: each tensor of the
input (kind, shape, values) is still in the output, wherever it now is.
Otherwise what differed: `not written: <error>`, `1.13 cannot load: <error>`,
`DIFFERENT values` (with both listings). `records` lists the output's zip
records besides data.pkl and data/*; `dtypes` each dtype change, once.
Must run under the host's python with torch 1.13.
"""
import os
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
TORCH26 = os.path.join(SRC, "utils", "torch26-python")
CHECK = os.path.join(SRC, "test", "Inputs", "check26.py")


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def dtypes(listing):
    """path -> dtype from check26.py describe lines (paths may hold spaces)."""
    out = {}
    for ln in listing.splitlines():
        if ln.startswith("$"):
            parts = ln.rsplit(None, 8)
            out[parts[0]] = parts[1]
    return out


def main(argv):
    passes = "downgrade-1.13"
    if argv[1].startswith("--passes="):
        passes = argv[1].split("=", 1)[1]
        argv = argv[:1] + argv[2:]
    d, cases = argv[1], argv[2:]
    os.makedirs(os.path.join(d, "out113"), exist_ok=True)
    bad = 0
    for c in cases:
        src = os.path.join(d, c + ".pt")
        dst = os.path.join(d, "out113", c + ".pt")
        rc, _, err = run(["ckpt-migrate", "-passes=" + passes, src, "-o", dst])
        if rc:
            print("%s: not written: %s" % (c, err.splitlines()[-1] if err else "?"))
            bad += 1
            continue
        rca, a, _ = run([TORCH26, CHECK, "values", src])
        rcb, b, _ = run([sys.executable, CHECK, "values", dst])
        if rca:
            print("%s: torch 2.6 cannot load the input: %s" % (c, a))
            bad += 1
            continue
        if rcb:
            print("%s: 1.13 cannot load: %s" % (c, b.splitlines()[0]))
            bad += 1
            continue
        _, da, _ = run([TORCH26, CHECK, "describe", src])
        _, db, _ = run([sys.executable, CHECK, "describe", dst])
        ta, tb = dtypes(da), dtypes(db)
        changes = sorted({"%s->%s" % (ta[p], tb[p]) for p in ta
                          if p in tb and ta[p] != tb[p]})
        with zipfile.ZipFile(dst) as z:
            records = [n.split("/", 1)[1] for n in z.namelist()]
        records = [r for r in records
                   if r != "data.pkl" and not r.startswith("data/")]
        if passes != "downgrade-1.13":
            def kept(text):
                return sorted(" ".join(ln.rsplit(None, 6)[i] for i in (1, 2, 5))
                              for ln in text.splitlines()
                              if ln.startswith("$") and " = " not in ln)
            lost = [t for t in kept(a) if t not in kept(b)]
            same = "every tensor kept" if not lost else "LOST %d tensors" % len(lost)
        else:
            same = "same values" if a == b and a else "DIFFERENT values"
        print("%s: %s, records [%s], dtypes %s" % (
            c, same, " ".join(records), " ".join(changes) or "unchanged"))
        if same not in ("same values", "every tensor kept"):
            bad += 1
            sys.stdout.write("--- torch 2.6 on the input\n%s\n--- torch 1.13 "
                             "on the output\n%s\n" % (a, b))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
