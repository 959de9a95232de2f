"""Generate the benchmark's input checkpoints with real PyTorch (1.13).

Run with the interpreter that has torch (``/usr/bin/python3`` on the dev machine);
``bench/run.py`` calls it and caches the files it writes.  Every file is first
written to ``OUT.partial`` and renamed at the end, so an interrupted run never
leaves a file that looks complete.

Kinds:

``flat --bytes N``
    A real ``nn.Module`` state dict (zip container, ``_metadata`` included) of
    about N bytes of tensor data: blocks of ``Linear(4096, rows)`` (at most
    64 MiB of weights each) followed by ``BatchNorm1d(rows)``, so the
    ``downgrade-0.4.0`` pipeline has ``num_batches_tracked`` buffers to drop.
    Tensors are held in memory once (no second copy) while ``torch.save``
    writes them record by record.

``many --tensors N``
    A training checkpoint with N small tensors, like a large optimizer state:
    ``{'model': state_dict, 'optimizer': Adam state_dict, 'epoch': int}`` with
    N/4 parameters of 4-64 float32 elements, each with ``step`` (a 0-dim tensor,
    as 1.12+ saves it), ``exp_avg`` and ``exp_avg_sq``.

``tiny``
    A small CNN with BatchNorm (a few KB) for start-up measurements.
"""

import argparse
import collections
import os
import sys

import torch
from torch import nn

WIDTH = 4096  # Linear in_features; one row is 16 KiB of float32.
MAX_BLOCK_BYTES = 64 << 20


def flat_state_dict(total_bytes):
    """Returns the state dict of a module holding about total_bytes of tensors."""
    layers = collections.OrderedDict()
    remaining = total_bytes
    i = 0
    while remaining > 0:
        rows = max(1, min(MAX_BLOCK_BYTES, remaining) // (WIDTH * 4))
        layers[f"fc{i}"] = nn.Linear(WIDTH, rows, bias=True)
        layers[f"bn{i}"] = nn.BatchNorm1d(rows)
        remaining -= rows * (WIDTH + 1 + 4) * 4
        i += 1
    with torch.no_grad():
        for m in layers.values():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.num_batches_tracked.fill_(1000)
    return nn.Sequential(layers).state_dict()


def many_tensors_checkpoint(n_tensors):
    """Returns a training checkpoint with n_tensors small tensors."""
    n_params = max(1, n_tensors // 4)
    g = torch.Generator().manual_seed(0)
    sizes = torch.randint(4, 65, (n_params,), generator=g).tolist()
    model = collections.OrderedDict()
    model._metadata = collections.OrderedDict()
    model._metadata[""] = {"version": 1}
    state = {}
    for i, k in enumerate(sizes):
        model[f"blocks.{i}.weight"] = torch.randn(k, generator=g)
        state[i] = {
            "step": torch.tensor(float(1000 + i % 7)),
            "exp_avg": torch.randn(k, generator=g),
            "exp_avg_sq": torch.rand(k, generator=g),
        }
    # param_groups exactly as torch 1.13's Adam writes them.
    group = {
        "lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
        "amsgrad": False, "maximize": False, "foreach": None,
        "capturable": False, "differentiable": False, "fused": False,
        "params": list(range(n_params)),
    }
    optimizer = {"state": state, "param_groups": [group]}
    return {"model": model, "optimizer": optimizer, "epoch": 90}


def tiny_state_dict():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Flatten(), nn.Linear(8, 10))
    return model.state_dict()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["flat", "many", "tiny"])
    parser.add_argument("--bytes", type=int, help="tensor bytes (flat)")
    parser.add_argument("--tensors", type=int, help="number of tensors (many)")
    parser.add_argument("-o", "--out", required=True, help="output .pth")
    args = parser.parse_args()

    torch.manual_seed(0)
    if args.kind == "flat":
        if not args.bytes:
            parser.error("flat needs --bytes")
        obj = flat_state_dict(args.bytes)
    elif args.kind == "many":
        if not args.tensors:
            parser.error("many needs --tensors")
        obj = many_tensors_checkpoint(args.tensors)
    else:
        obj = tiny_state_dict()

    partial = args.out + ".partial"
    torch.save(obj, partial)  # zip container, as 1.6+ saves by default
    del obj
    os.replace(partial, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
