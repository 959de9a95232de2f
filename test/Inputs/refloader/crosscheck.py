#!/usr/bin/python3
"""Test oracle: compare refloader's --dump with torch_describe.py (torch 1.13).

usage: crosscheck.py RELEASE:FILE [RELEASE:FILE ...]

For every pair, load FILE with the emulated RELEASE (refloader, no torch) and
with real torch 1.13 through test/Inputs/torch_describe.py (--stubs walk),
in one process, and compare the tensor lines. Prints `SAME <n> <release>
<file>` or a unified diff; exits 1 on any difference or emulated failure.
This module is a cross-check for the tests only: the reference loaders
themselves never call torch.load.
"""
import difflib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.dirname(HERE)
if INPUTS not in sys.path:
    sys.path.insert(0, INPUTS)

from refloader import load as rl_load  # noqa: E402
from refloader.walk import Describer  # noqa: E402


def refload_lines(release, path):
    obj, ctx = rl_load.torch_load(release, path)
    d = Describer(ctx)
    d.walk(obj, "$")
    return d.out


def torch_lines(path):
    import torch_describe
    obj, rec = torch_describe.load(path, True)
    d = torch_describe.Describer(rec)
    d.walk(obj, "$")
    return d.out


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    sys.setrecursionlimit(100000)
    bad = 0
    for pair in argv:
        release, _, path = pair.partition(":")
        try:
            ours = refload_lines(release, path)
        except Exception as e:
            print("FAIL %s %s: %s: %s" % (release, os.path.basename(path), type(e).__name__, e))
            bad += 1
            continue
        theirs = torch_lines(path)
        if ours == theirs:
            print("SAME %d %s %s" % (len(ours), release, os.path.basename(path)))
        else:
            bad += 1
            print("DIFF %s %s" % (release, os.path.basename(path)))
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
                theirs, ours, "torch-1.13", "refload-" + release, lineterm=""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
