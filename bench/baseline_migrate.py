"""The Python script a user would write instead of ``ckpt-migrate -passes=downgrade-0.4.0``.

Usage (with torch 1.13):  python3 bench/baseline_migrate.py in.pth out.pth

It loads the checkpoint with ``torch.load``, makes the edits of the
``downgrade-0.4.0`` pipeline (see docs/Passes.md) on the loaded objects and
writes the result with ``torch.save(..., _use_new_zipfile_serialization=False)``
(the legacy container PyTorch 0.4.0 reads):

- state dicts: every ``*num_batches_tracked`` key dropped, and the
  ``_metadata`` version of the BatchNorms that had one brought from 2 to 1;
- optimizer state dicts: ``step`` tensors back to numbers (int when
  integral), the 1.12+ param_group keys (``capturable``, ``differentiable``,
  ``fused``, ``foreach``) removed;
- bfloat16 tensors widened to float32 and bool tensors to uint8;
- LambdaLR ``lr_lambdas`` lists of only None dropped.

It is the benchmark's Python baseline, so it does the work in the plain way a
user would, with no tricks to make it faster or slower.
"""

import argparse
import sys

import torch

GROUP_KEYS_1_12 = ("capturable", "differentiable", "fused", "foreach")
NBT = "num_batches_tracked"


def widen(t):
    if t.dtype == torch.bfloat16:
        return t.float()
    if t.dtype == torch.bool:
        return t.to(torch.uint8)
    return t


def is_optimizer_state(d):
    return (isinstance(d, dict) and isinstance(d.get("state"), dict)
            and isinstance(d.get("param_groups"), list))


def downgrade_optimizer(opt):
    for per_param in opt["state"].values():
        if isinstance(per_param, dict) and torch.is_tensor(per_param.get("step")):
            value = per_param["step"].item()
            if float(value).is_integer() and abs(value) < 9e15:
                value = int(value)
            per_param["step"] = value
    for group in opt["param_groups"]:
        if isinstance(group, dict):
            for key in GROUP_KEYS_1_12:
                group.pop(key, None)


def drop_num_batches_tracked(d):
    """Drops the buffers in place and sets version 1 for the modules that had one."""
    dropped = [k for k in d if isinstance(k, str) and (k == NBT or k.endswith("." + NBT))]
    metadata = getattr(d, "_metadata", None)
    for key in dropped:
        del d[key]
        prefix = key[: -len(NBT)].rstrip(".")
        if metadata is not None and isinstance(metadata.get(prefix), dict) \
                and metadata[prefix].get("version") == 2:
            metadata[prefix]["version"] = 1


def downgrade(obj):
    """Returns obj downgraded (containers are edited in place)."""
    if torch.is_tensor(obj):
        return widen(obj)
    if isinstance(obj, dict):
        if is_optimizer_state(obj):
            downgrade_optimizer(obj)
        drop_num_batches_tracked(obj)
        lambdas = obj.get("lr_lambdas")
        if isinstance(lambdas, list) and lambdas and all(x is None for x in lambdas):
            del obj["lr_lambdas"]
        for key, value in obj.items():
            if isinstance(value, (dict, list)) or torch.is_tensor(value):
                obj[key] = downgrade(value)
        return obj
    if isinstance(obj, list):
        for i, value in enumerate(obj):
            obj[i] = downgrade(value)
        return obj
    return obj


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    ckpt = torch.load(args.input, map_location="cpu")
    ckpt = downgrade(ckpt)
    torch.save(ckpt, args.output, _use_new_zipfile_serialization=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
