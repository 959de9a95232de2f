"""same_tensors.py IN OUT [IN OUT ...]: load each pair with torch 1.13 and
check every tensor of OUT equals (bytes, dtype, shape, stride, offset) the
tensor at the same path of IN, or is its exact widening (bf16/f16 -> f32,
bool -> uint8: same shape and values); list IN's tensors missing from OUT.

Prints `<IN>: N tensors equal, W widened, dropped: <sorted last path parts>`;
exits 1 on any difference or load failure.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
import torch  # noqa: E402
import torch_describe  # noqa: E402


WIDENINGS = {(torch.bfloat16, torch.float32), (torch.float16, torch.float32),
             (torch.bool, torch.uint8), (torch.float32, torch.float64)}


def tensors(obj, path="$", out=None, seen=None):
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if isinstance(obj, torch.Tensor):
        out[path] = obj
        return out
    if id(obj) in seen:
        return out
    seen.add(id(obj))
    if isinstance(obj, dict):
        for k, v in obj.items():
            tensors(v, "%s[%r]" % (path, k), out, seen)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            tensors(v, "%s[%d]" % (path, i), out, seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        for k, v in vars(obj).items():
            tensors(v, "%s.%s" % (path, k), out, seen)
    return out


def main(args):
    bad = 0
    for a, b in zip(args[0::2], args[1::2]):
        ta = tensors(torch_describe.load(a, False))
        tb = tensors(torch_describe.load(b, False))
        equal = widened = 0
        for p, t in tb.items():
            s = ta.get(p)
            if s is not None and (s.dtype, t.dtype) in WIDENINGS and \
                    s.shape == t.shape and torch.equal(s.to(t.dtype), t):
                widened += 1
                continue
            if s is None or s.dtype != t.dtype or s.shape != t.shape or \
                    s.stride() != t.stride() or \
                    s.storage_offset() != t.storage_offset() or \
                    bytes(s.storage().untyped()) != bytes(t.storage().untyped()):
                print("DIFF %s: %s" % (b, p))
                bad += 1
            else:
                equal += 1
        dropped = sorted(p.split("[")[-1].strip("]'") for p in ta if p not in tb)
        print(("%s: %d tensors equal, %d widened, dropped: %s"
               % (a, equal, widened, " ".join(dropped))).rstrip())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
