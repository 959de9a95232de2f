"""Saves the classes (not instances) of the installed torch that whole
pickled models and optimizers name: every public torch.nn.Module subclass of
torch.nn.modules.*, torch.nn.parallel and torch.ao.quantization.stubs, and
every optimizer and LR scheduler class of torch.optim. A class pickles as a
GLOBAL, so the file is a list of globals for `-verify-target`.

usage: save_torch_classes.py OUT.pt   (prints the torch version and count)
"""
import importlib
import inspect
import pkgutil
import sys

import torch
import torch.nn as nn
import torch.nn.modules
import torch.optim
import torch.optim.lr_scheduler

classes = {}


def collect(mod, base):
    for name, obj in vars(mod).items():
        if (inspect.isclass(obj) and issubclass(obj, base) and not name.startswith("_")
                and obj.__module__ == mod.__name__):
            classes[obj.__module__ + "." + obj.__qualname__] = obj


for info in pkgutil.iter_modules(torch.nn.modules.__path__):
    collect(importlib.import_module("torch.nn.modules." + info.name), nn.Module)
for name in ("torch.nn.parallel.data_parallel", "torch.nn.parallel.distributed",
             "torch.ao.quantization.stubs"):
    collect(importlib.import_module(name), nn.Module)
for info in pkgutil.iter_modules(torch.optim.__path__):
    if not info.name.startswith("_"):
        collect(importlib.import_module("torch.optim." + info.name), object)

names = sorted(classes)
torch.save([classes[n] for n in names], sys.argv[1])
print("torch %s: %d classes" % (torch.__version__.split("+")[0], len(names)))
