"""make_numpy_ckpt.py OUT | --check FILE: a checkpoint with the objects torch
2.6's weights_only loading refuses, and a check of the converted values."""
import argparse
import sys

import numpy as np
import torch


def make(path):
    torch.save({"epoch": np.int64(3), "loss": np.float32(0.25),
                "acc": np.float64(0.9), "flag": np.bool_(True),
                "arr": np.arange(6, dtype=np.float32).reshape(2, 3),
                "farr": np.asfortranarray(np.arange(6).reshape(2, 3)),
                "args": argparse.Namespace(lr=0.1, bs=4),
                "ver": torch.__version__, "w": torch.ones(2)}, path)


def check(path):
    x = torch.load(path)
    assert x["epoch"] == 3 and type(x["epoch"]) is int, x["epoch"]
    assert x["loss"] == 0.25 and type(x["loss"]) is float
    assert x["acc"] == 0.9 and x["flag"] is True
    assert torch.equal(x["arr"], torch.arange(6, dtype=torch.float32).reshape(2, 3))
    assert torch.equal(x["farr"], torch.arange(6).reshape(2, 3))
    assert x["farr"].stride() == (1, 2)
    assert x["args"] == {"lr": 0.1, "bs": 4}
    assert type(x["ver"]) is str and x["ver"] == str(torch.__version__)
    print("values ok")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make(sys.argv[1])
