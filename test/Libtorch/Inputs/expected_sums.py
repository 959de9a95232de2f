"""expected_sums.py FILE: what libtorch-load-check prints for FILE, computed
with Python torch: `<path> <dtype> <shape> <sum>` per tensor of the dicts."""
import sys
import torch

NAMES = {torch.float32: "float", torch.float64: "double", torch.int64: "long int",
         torch.int32: "int", torch.uint8: "unsigned char", torch.bool: "bool",
         torch.float16: "c10::Half", torch.int8: "signed char", torch.int16: "short"}


def walk(v, path):
    if isinstance(v, torch.Tensor):
        s = v.to(torch.float64).sum().item()
        print("%s %s [%s] %s" % (path, NAMES[v.dtype], ", ".join(map(str, v.shape)),
                                 "%g" % s))
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(x, "%s['%s']" % (path, k))
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))


walk(torch.load(sys.argv[1]), "$")
