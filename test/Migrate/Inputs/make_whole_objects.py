"""make_whole_objects.py OUTDIR | --check IN OUT [IN OUT...]

Whole pickled modules and optimizers (what upgrade-weights-only converts to
state dicts), and a check that a converted file holds exactly what torch's
own `state_dict()` methods return for the original objects and loads back
into fresh objects strictly.
"""
import collections
import os
import sys

import torch
import torch.nn as nn


class Net(nn.Module):
    """A user class: conv + BatchNorm (version 2), a nested Sequential, a
    None parameter, a None buffer and a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.ReLU(), nn.Linear(8, 3))
        self.register_parameter("unused", None)
        self.register_buffer("nothing", None)
        self.register_buffer("scratch", torch.arange(3.0), persistent=False)
        self.register_buffer("scale", torch.tensor(0.5))

    def forward(self, x):
        return self.head(self.bn(self.conv(x))) * self.scale


def make_models():
    torch.manual_seed(7)
    net, lstm = Net(), nn.LSTM(3, 4, num_layers=2)
    opt = torch.optim.Adam([{"params": net.parameters()},
                            {"params": lstm.parameters(), "lr": 0.01}],
                           lr=0.001)
    return net, lstm, opt


def make(outdir):
    net, lstm, opt = make_models()
    out, _ = lstm(torch.randn(5, 2, 3))
    loss = net(torch.randn(2, 1, 4, 4)).sum() + out.sum()
    loss.backward()
    opt.step()
    ckpt = {"model": net, "lstm": lstm, "optimizer": opt, "epoch": 3}
    torch.save(ckpt, os.path.join(outdir, "whole.zip.pt"))
    torch.save(ckpt, os.path.join(outdir, "whole.legacy.pt"),
               _use_new_zipfile_serialization=False)
    # A module as the root, and one in a list next to its optimizer.
    torch.save(net, os.path.join(outdir, "net.pt"))
    torch.save([lstm, opt], os.path.join(outdir, "list.pt"))


def expected(obj):
    """What the checkpoint would hold had it saved state dicts."""
    if isinstance(obj, (nn.Module, torch.optim.Optimizer)):
        return obj.state_dict()
    if isinstance(obj, dict):
        return {k: expected(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [expected(v) for v in obj]
    return obj


def same(a, b, path="$"):
    assert type(a) is type(b), "%s: %s vs %s" % (path, type(a), type(b))
    if isinstance(a, torch.Tensor):
        assert (a.dtype, a.shape, a.stride(), a.requires_grad) == \
            (b.dtype, b.shape, b.stride(), b.requires_grad), path
        ab = a.contiguous().view(-1).view(torch.uint8).tolist()
        bb = b.contiguous().view(-1).view(torch.uint8).tolist()
        assert ab == bb, "%s: bytes differ" % path
    elif isinstance(a, dict):
        assert list(a) == list(b), "%s: keys %s vs %s" % (path, list(a), list(b))
        for k in a:
            same(a[k], b[k], "%s[%r]" % (path, k))
        assert hasattr(a, "_metadata") == hasattr(b, "_metadata"), path
        if hasattr(a, "_metadata"):
            assert type(a._metadata) is type(b._metadata), path
            assert list(a._metadata.items()) == list(b._metadata.items()), \
                "%s._metadata: %s vs %s" % (path, a._metadata, b._metadata)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (path, i))
    else:
        assert a == b, "%s: %r vs %r" % (path, a, b)


def reload(got):
    """Loads the converted state dicts into fresh objects, strictly."""
    sds = got if isinstance(got, list) else [got]
    if isinstance(got, dict) and "model" in got:
        sds = [got["model"], got["lstm"], got["optimizer"]]
    net, lstm, opt = make_models()
    for sd in sds:
        if isinstance(sd, collections.OrderedDict):
            target = lstm if "weight_ih_l0" in sd else net
            target.load_state_dict(sd, strict=True)
        else:
            opt.load_state_dict(sd)
            same(opt.state_dict(), sd, "$reloaded-optimizer")
    return True


def check(inp, out):
    want = expected(torch.load(inp))
    got = torch.load(out)
    same(want, got)
    reload(got)
    print("state dicts ok: %s" % os.path.basename(out))


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        args = sys.argv[2:]
        for i in range(0, len(args), 2):
            check(args[i], args[i + 1])
    else:
        make(sys.argv[1])
