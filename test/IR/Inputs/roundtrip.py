#!/usr/bin/env python3
"""Round-trips every checkpoint of a directory through the textual IR.

usage: roundtrip.py DIR WORKDIR

For every file of DIR that `ckpt-migrate -S` reads, in four modes (lowered or
-no-lower, checksums or -inline-data):

    ckpt-migrate -S [-no-lower] [-inline-data] FILE -o a.ckir
    ckpt-migrate -S [-inline-data] a.ckir -o b.ckir

and a.ckir must equal b.ckir. With -inline-data, printing the parsed text
with checksums must also give the text printed from FILE with checksums (the
inline bytes are the file's bytes).

Prints `ok NAME MODE`, `unreadable NAME` (ckpt-migrate refuses the file, e.g.
a TorchScript archive), or `FAIL NAME MODE: why`, sorted by name; exits 1 on
any failure. ckpt-migrate is taken from PATH.
"""
import os
import subprocess
import sys


def run(args):
    p = subprocess.run(["ckpt-migrate"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode("utf-8", "replace").strip()


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    src, work = argv
    os.makedirs(work, exist_ok=True)
    failed = False
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if (not os.path.isfile(path) or name.startswith(".") or
                name in ("MANIFEST.tsv", "README.md")):
            continue
        base = os.path.join(work, name)
        rc, err = run(["-S", path, "-o", base + ".sum.ckir"])
        if rc != 0:
            print("unreadable %s" % name)
            continue
        for lower in ("lower", "no-lower"):
            for data in ("sum", "inline"):
                mode = "%s,%s" % (lower, data)
                flags = ["-S"] + (["-inline-data"] if data == "inline" else [])
                first = "%s.%s.%s.1.ckir" % (base, lower, data)
                second = "%s.%s.%s.2.ckir" % (base, lower, data)
                rc, err = run(flags + (["-no-lower"] if lower == "no-lower"
                                       else []) + [path, "-o", first])
                if rc != 0:
                    print("FAIL %s %s: reading: %s" % (name, mode, err))
                    failed = True
                    continue
                rc, err = run(flags + [first, "-o", second])
                if rc != 0:
                    print("FAIL %s %s: parsing: %s" % (name, mode, err))
                    failed = True
                    continue
                if not same(first, second):
                    print("FAIL %s %s: text -> parse -> print differs "
                          "(diff %s %s)" % (name, mode, first, second))
                    failed = True
                    continue
                if data == "inline":
                    sums = "%s.%s.sum.1.ckir" % (base, lower)
                    third = "%s.%s.resum.ckir" % (base, lower)
                    rc, err = run(["-S", first, "-o", third])
                    if rc != 0 or not same(sums, third):
                        print("FAIL %s %s: inline bytes do not checksum as "
                              "read (diff %s %s)" % (name, mode, sums, third))
                        failed = True
                        continue
                print("ok %s %s" % (name, mode))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
