"""Check that ckpt-migrate's output and the Python baseline's output are the same checkpoint.

Usage (with torch 1.13):  python3 bench/compare_outputs.py a.pth b.pth

Both files are loaded with ``torch.load`` and compared recursively: the same
types, dict keys in the same order, state dict ``_metadata``, equal numbers
(an int and an equal float count as equal) and tensors with the same dtype,
shape, strides and values.  Also checks that both files use the legacy
container (not zip).  Prints ``same`` and exits 0, or prints the first
differences and exits 1.  ``bench/run.py`` calls it once per case, untimed.
"""

import argparse
import sys
import zipfile

import torch

MAX_REPORTED = 10


def compare(a, b, path, diffs):
    if len(diffs) >= MAX_REPORTED:
        return
    if torch.is_tensor(a) or torch.is_tensor(b):
        if not (torch.is_tensor(a) and torch.is_tensor(b)):
            diffs.append(f"{path}: {type(a).__name__} vs {type(b).__name__}")
        elif (a.dtype, a.shape, a.stride()) != (b.dtype, b.shape, b.stride()):
            diffs.append(f"{path}: {a.dtype}{list(a.shape)}{a.stride()} vs "
                         f"{b.dtype}{list(b.shape)}{b.stride()}")
        elif not torch.equal(a, b):
            diffs.append(f"{path}: tensor values differ")
        return
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if a != b:
            diffs.append(f"{path}: {a!r} vs {b!r}")
        return
    if type(a) is not type(b):
        diffs.append(f"{path}: {type(a).__name__} vs {type(b).__name__}")
        return
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            only_a = [k for k in a if k not in b][:5]
            only_b = [k for k in b if k not in a][:5]
            diffs.append(f"{path}: keys differ (only in first: {only_a}, only in second: {only_b})")
            return
        if getattr(a, "_metadata", None) != getattr(b, "_metadata", None):
            diffs.append(f"{path}: _metadata differs")
        for k in a:
            compare(a[k], b[k], f"{path}[{k!r}]", diffs)
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            diffs.append(f"{path}: length {len(a)} vs {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", diffs)
    elif a != b:
        diffs.append(f"{path}: {a!r} vs {b!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    args = parser.parse_args()
    diffs = []
    for name in (args.first, args.second):
        if zipfile.is_zipfile(name):
            diffs.append(f"{name}: is a zip archive, expected the legacy container")
    compare(torch.load(args.first), torch.load(args.second), "root", diffs)
    if diffs:
        print("\n".join(diffs[:MAX_REPORTED]))
        return 1
    print("same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
