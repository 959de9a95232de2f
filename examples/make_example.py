"""Regenerates examples/cnn-bn-1.13.pth, the example checkpoint the README uses.

A small CNN with BatchNorm (so it has num_batches_tracked and _metadata
versions) and an Adam state, saved by torch 1.13 in its default zip format:
the kind of file an older PyTorch cannot load. Run with /usr/bin/python3.
"""
import os
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                      nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(2):
    opt.zero_grad()
    model(torch.randn(2, 1, 8, 8)).sum().backward()
    opt.step()
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn-bn-1.13.pth")
torch.save({"epoch": 2, "model": model.state_dict(), "optimizer": opt.state_dict()}, out)
