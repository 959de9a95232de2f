"""Reference loaders emulating old PyTorch releases' torch.load.

Independent re-implementations (no torch.load, no torch unpickler, nothing
from ckpt-migrate's lib/ or tools/) of how torch 0.3, 0.4.0, 1.0, 1.3, 1.4,
1.5 and 2.6 (default weights_only=True) read a checkpoint, plus their
Module.load_state_dict, Optimizer.load_state_dict + step() and LR scheduler
state handling. See cli.py for usage and releases.py for the per-release
tables with their confidence marks.
"""
