#!/usr/bin/python3
"""Real-torch side of the test/Differential/UserPasses-e2e-*.test tests.

usage: user_passes_e2e.py ACTION DIR [FILES...]

`gen-*` actions write checkpoints with torch (deterministic values) into DIR,
with a reference copy of the values where a check needs one; `check-*`
actions load what ckpt-migrate wrote into the model the pass file migrates
to, with `load_state_dict(strict=True)`, compare the values with the
reference and print one line per fact for FileCheck. Any failure exits
non-zero. A file given as `!FILE` must fail to load strictly: the check
prints torch's complaint, shortened.
"""
import os
import sys
import warnings

import torch
import torch.nn as nn
from torch.nn.utils import parametrize

warnings.filterwarnings("ignore")


def same(a, b):
    """Whether two state dicts hold the same names and values."""
    return list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)


def load_strict(model, sd):
    model.load_state_dict(sd, strict=True)
    return "strict load into %s: ok" % type(model).__name__


def refused(f, make_model, get_sd=lambda c: c):
    """For `!FILE`: checks that FILE does not load strictly; True if handled."""
    if not f.startswith("!"):
        return False
    try:
        make_model().load_state_dict(get_sd(torch.load(f[1:])), strict=True)
    except RuntimeError as e:
        for line in str(e).splitlines()[1:]:
            print("%s: %s" % (os.path.basename(f[1:]), line.strip()[:60]))
        return True
    sys.exit("%s loaded, but should not have" % f[1:])


# --- attention-rename (the tutorial's models) ------------------------------

class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)


def mlp(dim):
    return nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))


class EncoderLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = Attention(dim)
        self.mlp = mlp(dim)


class ModelV1(nn.Module):
    def __init__(self, dim=8, depth=2):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList(EncoderLayer(dim) for _ in range(depth))
        self.head = nn.Linear(dim, 4)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attention = Attention(dim)
        self.mlp = mlp(dim)


class ModelV2(nn.Module):
    def __init__(self, dim=8, depth=2):
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim) for _ in range(depth))
        self.head = nn.Linear(dim, 4)


def train_step(model):
    torch.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sum((p ** 2).sum() for p in model.parameters()).backward()
    opt.step()
    return opt


def gen_attn(d):
    torch.manual_seed(0)
    m = ModelV1()
    opt = train_step(m)
    ckpt = {"model": m.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
    torch.save(ckpt, os.path.join(d, "v1.pt"))
    torch.save(dict(ckpt, model=nn.DataParallel(m).state_dict()),
               os.path.join(d, "v1-dp.pt"))
    # The values in version 2's order and names, and the optimizer state.
    v2 = ModelV2()
    with torch.no_grad():
        for p2, p1 in zip(v2.parameters(), m.parameters()):
            p2.copy_(p1)
    torch.save({"model": v2.state_dict(), "optimizer": opt.state_dict()},
               os.path.join(d, "ref.pt"))


def check_attn(d, *files):
    ref = torch.load(os.path.join(d, "ref.pt"))
    for f in files:
        if refused(f, ModelV2, lambda c: c["model"]):
            continue
        ckpt = torch.load(f)
        m = ModelV2()
        print(os.path.basename(f), load_strict(m, ckpt["model"]))
        assert same(m.state_dict(), ref["model"]), "values differ"
        opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
        opt.load_state_dict(ckpt["optimizer"])
        # Each parameter's moments still have its shape and values.
        want = ref["optimizer"]["state"]
        for i, p in enumerate(m.parameters()):
            s = opt.state[p]
            assert s["exp_avg"].shape == p.shape
            assert torch.equal(s["exp_avg"], want[i]["exp_avg"])
            assert float(s["step"]) == float(want[i]["step"])
        print("  values equal; optimizer state lines up with the %d parameters; epoch %d"
              % (len(list(m.parameters())), ckpt["epoch"]))


# --- data-parallel ----------------------------------------------------------

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(12, 5)


class Compiled(nn.Module):
    """What torch.compile (2.0+) wraps a model in: it is `_orig_mod`."""

    def __init__(self, m):
        super().__init__()
        self._orig_mod = m


def trained_net():
    torch.manual_seed(1)
    m = Net()
    m.train()
    with torch.no_grad():
        for _ in range(2):
            y = m.bn(m.conv(torch.randn(4, 2, 4, 4)))
            m.fc(y.flatten(1))
    return m


def gen_dp(d):
    m = trained_net()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    sum((p ** 2).sum() for p in m.parameters()).backward()
    opt.step()
    dp = nn.DataParallel(m)
    torch.save({"model": dp.state_dict(), "optimizer": opt.state_dict(), "epoch": 7},
               os.path.join(d, "ddp.pt"))
    torch.save(nn.DataParallel(Compiled(m)).state_dict(), os.path.join(d, "compiled.pt"))
    torch.save(m.state_dict(), os.path.join(d, "plain.pt"))
    torch.save({"model": m.state_dict(), "optimizer": opt.state_dict()},
               os.path.join(d, "ref.pt"))


def check_dp_plain(d, *files):
    ref = torch.load(os.path.join(d, "ref.pt"))
    for f in files:
        if refused(f, Net, lambda c: c["model"] if "model" in c else c):
            continue
        ckpt = torch.load(f)
        sd = ckpt["model"] if "model" in ckpt else ckpt
        m = Net()
        print(os.path.basename(f), load_strict(m, sd))
        assert same(m.state_dict(), ref["model"]), "values differ"
        print("  metadata:", " ".join(repr(k) for k in sd._metadata))
        assert sd._metadata == ref["model"]._metadata
        print("  metadata equals the bare model's")
        if "optimizer" in ckpt:
            opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
            opt.load_state_dict(ckpt["optimizer"])
            print("  optimizer: ok; epoch", ckpt["epoch"])


def check_dp_wrapped(d, *files):
    ref = torch.load(os.path.join(d, "ref.pt"))
    for f in files:
        if refused(f, lambda: nn.DataParallel(Net())):
            continue
        sd = torch.load(f)
        dp = nn.DataParallel(Net())
        print(os.path.basename(f), load_strict(dp, sd))
        assert same(dp.module.state_dict(), ref["model"]), "values differ"
        print("  keys:", " ".join(list(sd)[:3]), "...")


# --- layernorm-gamma-beta ---------------------------------------------------

class SelfAttention(nn.Module):
    """Has parameters really called gamma and gamma_scale."""

    def __init__(self, dim):
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.gamma = nn.Parameter(torch.randn(dim))
        self.gamma_scale = nn.Parameter(torch.randn(dim))


class BertLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.attention = SelfAttention(dim)
        self.LayerNorm = nn.LayerNorm(dim)


class TinyBert(nn.Module):
    def __init__(self, dim=6):
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.word = nn.Embedding(10, dim)
        self.embeddings.LayerNorm = nn.LayerNorm(dim)
        self.layer = nn.ModuleList(BertLayer(dim) for _ in range(2))
        self.final_layer_norm = nn.LayerNorm(dim)


def gen_ln(d):
    torch.manual_seed(2)
    m = TinyBert()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.normal_()
                mod.bias.normal_()
    sd = m.state_dict()
    # As a TF-converted checkpoint names them; _metadata as torch wrote it.
    norms = {n for n, mod in m.named_modules() if isinstance(mod, nn.LayerNorm)}
    old = type(sd)()
    for k, v in sd.items():
        mod, _, name = k.rpartition(".")
        if mod in norms:
            name = {"weight": "gamma", "bias": "beta"}[name]
        old[mod + "." + name] = v
    old._metadata = sd._metadata
    torch.save(old, os.path.join(d, "old.pt"))
    torch.save(sd, os.path.join(d, "ref.pt"))


def check_ln(d, *files):
    for f in files:
        if not refused(f, TinyBert):
            check_ln_one(d, f)


def check_ln_one(d, f):
    ref = torch.load(os.path.join(d, "ref.pt"))
    sd = torch.load(f)
    print("gamma/beta keys:", " ".join(k for k in sd if k.endswith(("gamma", "beta", "gamma_scale"))))
    m = TinyBert()
    print(load_strict(m, sd))
    assert same(m.state_dict(), ref), "values differ"
    assert sd._metadata == ref._metadata
    print("values and metadata equal the model's own")


# --- weight-norm ------------------------------------------------------------

class WeightNorm(nn.Module):
    """torch.nn.utils.parametrizations.weight_norm of PyTorch 2.1, for 1.13."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return torch.norm_except_dim(weight, 2, self.dim), weight


class Vocoder(nn.Module):
    def __init__(self, style):
        super().__init__()
        self.conv = nn.Conv1d(2, 3, 3)
        self.bn = nn.BatchNorm1d(3)
        self.out = nn.Linear(3, 2)
        for m in (self.conv, self.out):
            if style == "legacy":
                nn.utils.weight_norm(m)
            else:
                parametrize.register_parametrization(m, "weight", WeightNorm(0), unsafe=True)


def gen_wn(d):
    torch.manual_seed(3)
    legacy = Vocoder("legacy")
    with torch.no_grad():
        legacy.bn(torch.randn(4, 3, 5))  # running stats, num_batches_tracked
        legacy.conv.weight_g.mul_(2)
    torch.save(legacy.state_dict(), os.path.join(d, "legacy.pt"))
    param = Vocoder("parametrize")
    torch.manual_seed(4)
    with torch.no_grad():
        for p in param.parameters():
            p.normal_()
    torch.save(param.state_dict(), os.path.join(d, "param.pt"))


def weights(m):
    """The effective (normalised) weights, whatever the style."""
    x = torch.randn(1, 2, 5, generator=torch.Generator().manual_seed(5))
    m.eval()
    with torch.no_grad():
        # Legacy weight_norm recomputes `weight` in a forward pre-hook.
        y = m.out(m.bn(m.conv(x)).transpose(1, 2))
        return y, m.conv.weight.clone(), m.out.weight.clone()


def check_wn(d, style, f, orig):
    if refused(f, lambda: Vocoder(style)):
        return
    sd = torch.load(f)
    m = Vocoder(style)
    print(os.path.basename(f), load_strict(m, sd))
    o = Vocoder("parametrize" if style == "legacy" else "legacy")
    o.load_state_dict(torch.load(orig))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights(m), weights(o)))
    print("  same normalised weights and outputs as the original model")
    print("  metadata:", " ".join(repr(k) for k in sd._metadata))
    print("  bn version:", sd._metadata["bn"]["version"])


def main():
    action, d, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    {
        "gen-attn": gen_attn, "check-attn": check_attn,
        "gen-dp": gen_dp, "check-dp-plain": check_dp_plain,
        "check-dp-wrapped": check_dp_wrapped,
        "gen-ln": gen_ln, "check-ln": check_ln,
        "gen-wn": gen_wn, "check-wn": check_wn,
    }[action](d, *args)


if __name__ == "__main__":
    main()
