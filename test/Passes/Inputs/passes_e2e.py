#!/usr/bin/python3
"""Real-torch side of the test/Differential/Passes-e2e-*.test tests.

usage: passes_e2e.py ACTION ARGS...

`gen-*` actions write checkpoints with torch (deterministic values) plus, where
a check needs them, reference files; `check-*` actions load what ckpt-migrate
wrote, assert the outcome and print one line per fact so the tests can also
FileCheck it. Any failed assertion exits non-zero.
"""
import collections
import os
import shutil
import sys
import warnings

import torch
import torch.nn as nn


# --- models ----------------------------------------------------------------

class Net(nn.Module):
    """Conv + BatchNorm2d + Linear + BatchNorm1d + an InstanceNorm (a version-2
    module without num_batches_tracked) + a plain buffer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(12, 5)
        self.bn1d = nn.BatchNorm1d(5)
        self.inorm = nn.InstanceNorm1d(5)
        self.register_buffer("scale", torch.tensor([0.5, 2.0, 1.5, 1.0, 3.0]))

    def forward(self, x):
        y = self.bn(self.conv(x)).flatten(1)
        y = self.bn1d(self.fc(y))
        return self.inorm(y.unsqueeze(1)).squeeze(1) * self.scale


def trained_net(seed=0):
    """A Net after two train-mode forwards: BN statistics and
    num_batches_tracked (2) differ from a fresh model's."""
    torch.manual_seed(seed)
    m = Net()
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.randn(4, 2, 4, 4))
    return m


class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.randn(4))
        self.gamma_scale = nn.Parameter(torch.randn(4))


class LNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_norm = nn.LayerNorm(4)
        self.attn = Attn()
        self.post_norm = nn.LayerNorm(4)


def adam_checkpoint(seed=0):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.Adam([{"params": m[0].parameters()},
                            {"params": m[2].parameters(), "lr": 0.005}], lr=0.01)
    x, t = torch.randn(5, 3), torch.randn(5, 2)
    for _ in range(2):
        opt.zero_grad()
        ((m(x) - t) ** 2).mean().backward()
        opt.step()
    return m, opt


def fresh_adam():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.Adam([{"params": m[0].parameters()},
                            {"params": m[2].parameters(), "lr": 0.005}], lr=0.01)
    return m, opt


def adam_step(m, opt):
    torch.manual_seed(1)
    x, t = torch.randn(5, 3), torch.randn(5, 2)
    opt.zero_grad()
    ((m(x) - t) ** 2).mean().backward()
    opt.step()


# --- helpers ---------------------------------------------------------------

def same_tensors(a, b):
    assert list(a.keys()) == list(b.keys()), (list(a.keys()), list(b.keys()))
    for k in a:
        assert a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]), k


def meta(sd):
    return list(getattr(sd, "_metadata", {}).items())


def show(*parts):
    print(*parts)
    sys.stdout.flush()


# --- state-dict key renames --------------------------------------------------

def gen_dp(out, ref):
    """A DataParallel state dict (keys under module.) and the plain model's."""
    m = trained_net()
    torch.save(nn.DataParallel(m).state_dict(), out)
    torch.save(m.state_dict(), ref)


def check_strip(path, ref):
    sd, want = torch.load(path), torch.load(ref)
    show("keys:", " ".join(sd.keys()))
    assert not any(k.startswith("module.") for k in sd), list(sd)
    same_tensors(sd, want)
    m = Net()
    m.load_state_dict(sd, strict=True)
    show("strict load into Net: ok")
    same_tensors(m.state_dict(), want)
    show("metadata:", " ".join(repr(k) for k, _ in meta(sd)))
    assert all(not k.startswith("module") for k, _ in meta(sd)), meta(sd)
    # The same prefixes, in the same order, with the same versions as the
    # plain model's own state dict.
    assert meta(sd) == meta(want), (meta(sd), meta(want))
    show("metadata equals the plain model's")


def gen_plain(out, ref):
    """A plain model's state dict and the DataParallel-wrapped one."""
    m = trained_net()
    torch.save(m.state_dict(), out)
    torch.save(nn.DataParallel(m).state_dict(), ref)


def check_add(path, ref):
    sd, want = torch.load(path), torch.load(ref)
    show("keys:", " ".join(sd.keys()))
    same_tensors(sd, want)
    dp = nn.DataParallel(Net())
    dp.load_state_dict(sd, strict=True)
    show("strict load into DataParallel(Net): ok")
    same_tensors(dp.state_dict(), want)
    got = dict(meta(sd))
    show("metadata:", " ".join(repr(k) for k, _ in meta(sd)))
    for k, v in meta(want):
        if k == "":
            continue  # DataParallel's own entry; not the wrapped model's
        assert k in got, "_metadata lacks %r (DataParallel's state dict has it)" % k
        assert got[k] == v, (k, got[k], v)
    for k in got:
        assert k == "" or k == "module" or k.startswith("module."), k
    show("metadata prefixes match DataParallel's")


def gen_ln(out, ref):
    """LNNet's state dict with the LayerNorms' weight/bias saved as gamma/beta
    (the pre-1.0 / TF naming); attn.gamma and attn.gamma_scale are real names."""
    torch.manual_seed(3)
    m = LNNet()
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-1, 1)
    sd = m.state_dict()
    torch.save(sd, ref)

    def old(k):
        if "norm" in k:
            return k.replace(".weight", ".gamma").replace(".bias", ".beta")
        return k
    renamed = collections.OrderedDict((old(k), v) for k, v in sd.items())
    renamed._metadata = sd._metadata
    torch.save(renamed, out)


def check_ln(path, ref):
    sd, want = torch.load(path), torch.load(ref)
    show("keys:", " ".join(sd.keys()))
    same_tensors(sd, want)
    m = LNNet()
    m.load_state_dict(sd, strict=True)
    show("strict load into LNNet: ok")
    same_tensors(m.state_dict(), want)
    assert meta(sd) == meta(want)


# --- BatchNorm's num_batches_tracked -----------------------------------------

def gen_bn(out):
    torch.save(trained_net().state_dict(), out)


def check_nbt(orig, *paths):
    for path in paths:
        show("file:", os.path.basename(path))
        _check_nbt(path, orig)


def _check_nbt(path, orig):
    sd, before = torch.load(path), torch.load(orig)
    dropped = [k for k in before if k not in sd]
    show("dropped:", " ".join(dropped))
    assert dropped == ["bn.num_batches_tracked", "bn1d.num_batches_tracked"], dropped
    assert [k for k in sd if k not in before] == []
    for k in sd:
        assert torch.equal(sd[k], before[k]), k
    versions = {k: v.get("version") for k, v in meta(sd)}
    show("versions:", " ".join("%s=%s" % (k or "<root>", versions[k]) for k in versions))
    old = {k: v.get("version") for k, v in meta(before)}
    for k in old:
        want = 1 if k in ("bn", "bn1d") else old[k]
        assert versions[k] == want, (k, versions[k], want)
    assert old["inorm"] == 2 and versions["inorm"] == 2  # version 2, no buffer

    # 1.13 reads version 1 as "written before num_batches_tracked existed"
    # and re-creates the buffer (0), so even a strict load succeeds.
    m = Net()
    with torch.no_grad():
        m.bn.num_batches_tracked.fill_(99)
        m.bn1d.num_batches_tracked.fill_(99)
    r = m.load_state_dict(sd, strict=False)
    show("strict=False missing:", r.missing_keys, "unexpected:", r.unexpected_keys)
    assert r.missing_keys == [] and r.unexpected_keys == []
    assert hasattr(m.bn, "num_batches_tracked") and m.bn.num_batches_tracked.item() == 0
    assert m.bn1d.num_batches_tracked.item() == 0
    show("bn.num_batches_tracked re-created:", m.bn.num_batches_tracked.item())
    Net().load_state_dict(sd, strict=True)
    show("strict load: ok")
    assert torch.equal(m.bn.running_mean, before["bn.running_mean"])

    # Without the version change the loss is visible: exactly the dropped keys.
    sd2 = collections.OrderedDict(sd)
    sd2._metadata = collections.OrderedDict(
        (k, dict(v, version=2) if k in ("bn", "bn1d") else v) for k, v in meta(sd))
    r = Net().load_state_dict(sd2, strict=False)
    show("as version 2, missing:", r.missing_keys)
    assert r.missing_keys == dropped and r.unexpected_keys == []


# --- optimizer state ---------------------------------------------------------

def gen_adam(out, ref, int_steps=False, drop_group_keys=()):
    m, opt = adam_checkpoint()
    osd = opt.state_dict()
    torch.save({"model": m.state_dict(), "optimizer": osd}, ref)
    if int_steps:  # the layout before 1.12: step is a Python int
        for s in osd["state"].values():
            s["step"] = int(s["step"].item())
    for g in osd["param_groups"]:
        for k in drop_group_keys:
            g.pop(k, None)
    torch.save({"model": m.state_dict(), "optimizer": osd, "epoch": 2}, out)


def _states_equal(got, want):
    assert sorted(got) == sorted(want)
    for i in want:
        for k in ("exp_avg", "exp_avg_sq"):
            assert torch.equal(got[i][k], want[i][k]), (i, k)


def _load_and_step(ck):
    m, opt = fresh_adam()
    m.load_state_dict(ck["model"], strict=True)
    opt.load_state_dict(ck["optimizer"])
    adam_step(m, opt)
    return m, opt


def check_step_number(path, ref):
    ck, want = torch.load(path), torch.load(ref)
    st = ck["optimizer"]["state"]
    show("steps:", " ".join("%s=%s:%r" % (i, type(s["step"]).__name__, s["step"])
                             for i, s in sorted(st.items())))
    for s in st.values():
        assert type(s["step"]) is int and s["step"] == 2, s["step"]
    _states_equal(st, want["optimizer"]["state"])
    assert ck["epoch"] == 2
    m, opt = _load_and_step(ck)
    steps = sorted({float(s["step"]) for s in opt.state.values()})
    show("Adam 1.13 load_state_dict + step: ok, steps", steps)
    assert steps == [3.0]


def check_step_tensor(path, ref):
    ck, want = torch.load(path), torch.load(ref)
    st = ck["optimizer"]["state"]
    for i, s in sorted(st.items()):
        t = s["step"]
        show("step %d: %s %s %s requires_grad=%s" % (
            i, type(t).__name__, t.dtype, list(t.shape), t.requires_grad))
        assert torch.is_tensor(t) and t.dtype == torch.float32 and t.dim() == 0
        assert not t.requires_grad and t.item() == 2.0
    _states_equal(st, want["optimizer"]["state"])
    m, opt = _load_and_step(ck)
    steps = sorted({float(s["step"]) for s in opt.state.values()})
    show("Adam 1.13 load_state_dict + step: ok, steps", steps)
    assert steps == [3.0]


def check_group_drop(path, ref, key):
    ck, want = torch.load(path), torch.load(ref)
    groups, wgroups = ck["optimizer"]["param_groups"], want["optimizer"]["param_groups"]
    for g, w in zip(groups, wgroups):
        show("group keys:", " ".join(g))
        assert key not in g
        assert {k: v for k, v in w.items() if k != key} == g
    m, opt = _load_and_step(ck)
    show("Adam 1.13 load_state_dict + step: ok;", key, "after load =",
         [g[key] for g in opt.param_groups])


def check_group_add(path):
    """After optim-group-add{key=maximize,value=True},
    optim-group-add{key=foreach}, optim-group-add{key=lr,value=0.5},
    optim-group-add{key=note,value="warm"}, optim-group-add{key=warmup,value=3}
    on gen-adam-mixed's output."""
    ck = torch.load(path)
    groups = ck["optimizer"]["param_groups"]
    for i, g in enumerate(groups):
        show("group %d:" % i, " ".join("%s=%r" % (k, g[k]) for k in
                                       ("lr", "maximize", "foreach", "note", "warmup")))
    want = [dict(lr=0.01, maximize=False, foreach=None, note="warm", warmup=3),
            dict(lr=0.005, maximize=True, foreach=None, note="warm", warmup=3)]
    for g, w in zip(groups, want):
        for k, v in w.items():
            assert type(g[k]) is type(v) and g[k] == v, (k, g[k], v)
    m, opt = _load_and_step(ck)
    assert [g["maximize"] for g in opt.param_groups] == [False, True]
    show("Adam 1.13 load_state_dict + step: ok")


def check_before_1_12(path, ref):
    """optimizer-before-1.12: int steps, none of the 1.12+ group keys, and
    1.13 still loads it (filling its defaults)."""
    ck, want = torch.load(path), torch.load(ref)
    st = ck["optimizer"]["state"]
    assert all(type(s["step"]) is int and s["step"] == 2 for s in st.values())
    _states_equal(st, want["optimizer"]["state"])
    new_keys = ("foreach", "capturable", "differentiable", "fused")
    for g, w in zip(ck["optimizer"]["param_groups"], want["optimizer"]["param_groups"]):
        show("group keys:", " ".join(g))
        assert {k: v for k, v in w.items() if k not in new_keys} == g
    show("steps:", sorted({s["step"] for s in st.values()}))
    m, opt = _load_and_step(ck)
    show("Adam 1.13 load_state_dict + step: ok")


def gen_adam_mixed(out):
    """Two groups; group 0 keeps maximize=False, group 1 lost maximize,
    neither has foreach."""
    m, opt = adam_checkpoint()
    osd = opt.state_dict()
    for g in osd["param_groups"]:
        g.pop("foreach", None)
    osd["param_groups"][1].pop("maximize")
    torch.save({"model": m.state_dict(), "optimizer": osd, "epoch": 2}, out)


# --- dtypes ------------------------------------------------------------------

def gen_dtypes(out):
    """Every f16 and bf16 bit pattern, a bool mask, and views sharing them."""
    bits = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
    h = bits.view(torch.float16).clone()
    b = bits.view(torch.bfloat16).clone()
    mask = torch.tensor([True, False, True, True])
    torch.save({"h": h, "h_view": h[10:20].view(2, 5).t(), "b": b,
                "b_param": nn.Parameter(b[100:104].clone()),
                "mask": mask, "f": torch.tensor([1.5, -2.0])}, out)


def _same_values(got, want):
    """Equal values, NaN where NaN (torch may quiet a NaN's payload)."""
    nan = torch.isnan(want)
    assert torch.equal(torch.isnan(got), nan)
    assert torch.equal(got[~nan], want[~nan])
    # -0.0 stays -0.0
    assert torch.equal(torch.signbit(got[~nan]), torch.signbit(want[~nan]))


def check_widened(orig, *kind_paths):
    """kind_paths: f16=PATH, bf16=PATH, bool=PATH (what each file widened)."""
    for kp in kind_paths:
        what, path = kp.split("=", 1)
        _check_widened(path, orig, what)


def _check_widened(path, orig, what):
    import numpy as np
    ck, o = torch.load(path), torch.load(orig)
    if what == "f16":
        for k in ("h", "h_view"):
            t = ck[k]
            show(k, t.dtype, list(t.shape), list(t.stride()), t.storage_offset())
            assert t.dtype == torch.float32
            assert t.shape == o[k].shape and t.stride() == o[k].stride()
            assert t.storage_offset() == o[k].storage_offset()
            _same_values(t, o[k].float())
        # Bit for bit as numpy widens half (NaN payloads kept).
        want = o["h"].numpy().astype(np.float32).view(np.uint32)
        assert (ck["h"].numpy().view(np.uint32) == want).all()
        assert ck["h"].storage().data_ptr() == ck["h_view"].storage().data_ptr()
        assert ck["b"].dtype == torch.bfloat16 and torch.equal(ck["b"].view(torch.int16), o["b"].view(torch.int16))
        show("all 65536 f16 values widened exactly; bf16 untouched")
    elif what == "bf16":
        for k in ("b", "b_param"):
            t = ck[k]
            show(k, type(t).__name__, t.dtype, list(t.shape), "requires_grad=%s" % t.requires_grad)
            assert t.dtype == torch.float32
            _same_values(t.detach(), o[k].detach().float())
        assert isinstance(ck["b_param"], nn.Parameter) and ck["b_param"].requires_grad
        assert ck["h"].dtype == torch.float16
        show("all 65536 bf16 values widened exactly; f16 untouched")
    elif what == "bool":
        t = ck["mask"]
        show("mask", t.dtype, t.tolist())
        assert t.dtype == torch.uint8 and t.tolist() == [1, 0, 1, 1]
    assert torch.equal(ck["f"], o["f"]) and ck["f"].dtype == torch.float32


# --- whole pickled modules whose classes moved -------------------------------

MOD_SRC = '''import torch
import torch.nn as nn
from {pkg}.layers import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2)
        self.tag = "moved"

    def forward(self, x):
        return self.head(self.block(x))
'''

LAYERS_SRC = '''import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.register_buffer("shift", torch.arange(4.0))

    def forward(self, x):
        return torch.relu(self.fc(x)) + self.shift
'''


def write_pkg(root, pkg):
    d = os.path.join(root, *pkg.split("."))
    os.makedirs(d, exist_ok=True)
    parts = pkg.split(".")
    for i in range(1, len(parts) + 1):
        open(os.path.join(root, *parts[:i], "__init__.py"), "a").close()
    with open(os.path.join(d, "mod.py"), "w") as f:
        f.write(MOD_SRC.format(pkg=pkg))
    with open(os.path.join(d, "layers.py"), "w") as f:
        f.write(LAYERS_SRC)


def gen_whole(root):
    """root/old/oldpkg/{mod,layers}.py; root/net.zip.pt and root/net.legacy.pt
    (torch.save of the whole Net), root/net.ref.pt (its state dict)."""
    write_pkg(os.path.join(root, "old"), "oldpkg")
    sys.path.insert(0, os.path.join(root, "old"))
    from oldpkg.mod import Net as OldNet
    torch.manual_seed(5)
    m = OldNet()
    torch.save(m, os.path.join(root, "net.zip.pt"))
    torch.save(m, os.path.join(root, "net.legacy.pt"),
               _use_new_zipfile_serialization=False)
    torch.save(m.state_dict(), os.path.join(root, "net.ref.pt"))


def check_whole(root, newpkg, *files):
    """Loads each file with only root/new (holding `newpkg`) on sys.path."""
    new = os.path.join(root, "new")
    shutil.rmtree(new, ignore_errors=True)
    write_pkg(new, newpkg)
    sys.path.insert(0, new)
    ref = torch.load(os.path.join(root, "net.ref.pt"))
    for f in files:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = torch.load(f)
        cls = type(m)
        show(os.path.basename(f) + ":", "%s.%s" % (cls.__module__, cls.__name__),
             "block=%s.%s" % (type(m.block).__module__, type(m.block).__name__),
             "tag=%s" % m.tag, "warnings=%d" % len(w))
        assert cls.__module__ == newpkg + ".mod", cls.__module__
        assert not any("oldpkg" in k for k in sys.modules), "oldpkg was imported"
        same_tensors(m.state_dict(), ref)
        out = m(torch.ones(2, 3))
        assert out.shape == (2, 2)
    show("parameters equal the saved model's")


ACTIONS = {
    "gen-dp": gen_dp, "check-strip": check_strip,
    "gen-plain": gen_plain, "check-add": check_add,
    "gen-ln": gen_ln, "check-ln": check_ln,
    "gen-bn": gen_bn, "check-nbt": check_nbt,
    "gen-adam": lambda out, ref: gen_adam(out, ref),
    "gen-adam-int-steps": lambda out, ref: gen_adam(out, ref, int_steps=True),
    "gen-adam-mixed": gen_adam_mixed,
    "check-step-number": check_step_number, "check-step-tensor": check_step_tensor,
    "check-group-drop": check_group_drop, "check-group-add": check_group_add,
    "check-before-1.12": check_before_1_12,
    "gen-dtypes": gen_dtypes, "check-widened": check_widened,
    "gen-whole": gen_whole, "check-whole": check_whole,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ACTIONS:
        sys.exit("usage: passes_e2e.py {%s} ARGS..." % ",".join(ACTIONS))
    ACTIONS[sys.argv[1]](*sys.argv[2:])
