#!/usr/bin/python3
"""Generate torch 2.x checkpoint fixtures with the real torch 2.6.

usage: gen_fixtures26.py OUTDIR [CASE...]
       gen_fixtures26.py list

Runs under torch 2.6 / numpy 2.x / omegaconf 2.3 (e.g. the Debian 13 chroot:
`chroot /var/lib/ckpt-migrate/torch26 python3 gen_fixtures26.py OUTDIR`).
torch 1.13 cannot run it (float8/uint16/... dtypes do not exist there), but
can import it (to load whole_module's classes after downgrade-1.13).

Every case is written once, as OUTDIR/<case>.pt, with torch.save's defaults
(zip container, so 2.6's records byteorder, .data/serialization_id,
.format_version and .storage_alignment appear), except where SAVE_KW says
otherwise (sd_legacy_format: _use_new_zipfile_serialization=False; its storage
keys are pointer strings, so its bytes are not deterministic).
No CASE = all cases. Values are deterministic (fixed seeds / fixed values).
Prints nothing on success; exits non-zero on failure.

Classes, functions and the enum pickled by reference (whole_module,
train_omegaconf) are named `gen_fixtures26.<Name>`, never `__main__.<Name>`:
when run as a script this file imports itself and runs the imported copy.
So loading those fixtures with weights_only=False needs this directory on
sys.path (check26.py does that).
"""
import argparse
import collections
import enum
import functools
import os
import pathlib
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def _seed(n):
    torch.manual_seed(n)
    np.random.seed(n)


# ---------------------------------------------------------------------------
# Module-level objects pickled by reference.

class Mode(enum.Enum):
    TRAIN = "train"
    EVAL = "eval"


def warmup_factor(epoch, scale):
    """A scheduler function used through functools.partial."""
    return min(1.0, (epoch + 1) / float(scale))


class Holder:
    """A plain Python object (not a Module) holding a tensor."""

    def __init__(self, name, t):
        self.name = name
        self.t = t


class ScaledBlock(nn.Module):
    """A user module: Linear + a float64 tensor attribute (neither parameter
    nor buffer) + a plain Python object holding a tensor + a real buffer."""

    def __init__(self, n):
        super().__init__()
        self.lin = nn.Linear(n, n)
        self.gain = torch.linspace(0.5, 1.5, n, dtype=torch.float64)  # plain attr
        self.extra = Holder("aux", torch.arange(n, dtype=torch.int32))
        self.register_buffer("shift", torch.full((n,), 0.25))
        self.tag = "block"

    def forward(self, x):
        return self.lin(x) * self.gain.to(x.dtype) + self.shift


class SmallCNN(nn.Module):
    """Conv2d + BatchNorm2d + ReLU + Linear (the "classic" state dict)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(3 * 2 * 2, 5)

    def forward(self, x):
        x = self.act(self.bn(self.conv(x)))
        return self.fc(x.flatten(1))


def _trained_cnn(seed):
    """SmallCNN after one train-mode forward (BN running stats touched)."""
    _seed(seed)
    model = SmallCNN()
    model.train()
    x = torch.randn(4, 2, 4, 4)
    with torch.no_grad():
        model(x)
    return model, x


# ---------------------------------------------------------------------------
# Cases.

# Module level stays importable by torch 1.13, which loads the classes of
# whole_module after downgrade-1.13: the 2.x dtypes are named in the cases.
F8_NAMES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
            "float8_e5m2fnuz"]


def case_sd_float8():
    _seed(101)
    base = torch.randn(4, 6) * 2.0
    d = collections.OrderedDict()
    for dt in [getattr(torch, n) for n in F8_NAMES]:
        d["w_" + str(dt).replace("torch.", "")] = base.to(dt)
    # exact representable values, incl. 0 and negatives, in a 1-D tensor
    d["vals_e4m3fn"] = torch.tensor([0.0, 1.0, -1.0, 0.5, 448.0, -448.0, 0.015625],
                                    dtype=torch.float8_e4m3fn)
    d["vals_e5m2"] = torch.tensor([0.0, 1.0, -2.0, 57344.0, -0.25],
                                  dtype=torch.float8_e5m2)
    d["scale0d"] = torch.tensor(0.5, dtype=torch.float8_e4m3fn)  # 0-dim
    d["ref_f32"] = base.clone()
    return d


def case_sd_uints():
    return collections.OrderedDict([
        ("u16", torch.tensor([0, 1, 255, 256, 32768, 65535], dtype=torch.uint16)),
        ("u32", torch.tensor([0, 1, 65536, 2 ** 31, 2 ** 32 - 1], dtype=torch.uint32)),
        ("u64", torch.tensor([0, 1, 2 ** 32, 2 ** 63, 2 ** 64 - 1], dtype=torch.uint64)),
        ("u16_2d", torch.arange(12, dtype=torch.int32).to(torch.uint16).view(3, 4)),
        ("u8", torch.tensor([0, 200], dtype=torch.uint8)),   # classic, for contrast
    ])


def case_sd_complex32():
    re = torch.tensor([1.0, -2.0, 0.5, 0.0, 3.25, -0.125])
    im = torch.tensor([2.0, 0.0, -1.5, 1.0, -3.0, 8.0])
    c64 = torch.complex(re, im)
    c32 = c64.to(torch.chalf)
    return {
        "c32": c32,
        "c32_2d": c32.view(2, 3),           # a view of c32's storage
        "c32_tail": c32[4:],                # offset 4
        "c64": c64,                         # classic complex64, for contrast
    }


def case_sd_views_untyped():
    base = torch.linspace(-4.0, 4.0, 24).to(torch.float8_e4m3fn)   # one storage
    m = base.view(4, 6)
    u = torch.arange(20, dtype=torch.int32).to(torch.uint16)
    um = u.view(4, 5)
    u64 = torch.arange(10, dtype=torch.int64).to(torch.uint64)
    return collections.OrderedDict([
        ("f8_base", base),
        ("f8_mat", m),                      # view 1 of base's storage
        ("f8_slice", base[6:12]),           # view 2: offset 6
        ("f8_T", m.t()),                    # non-contiguous transpose, same storage
        ("f8_rowoff", m[1:, 2:5]),          # offset 8, strides (6,1), non-contig
        ("u16_mat", um),
        ("u16_T", um.t()),                  # non-contiguous
        ("u16_off", u[7:13]),               # offset view
        ("u64_strided", u64[1::3]),         # offset 1, stride 3
        ("e5m2_alone", torch.ones(3, dtype=torch.float8_e5m2)[1:]),  # offset 1, only view saved
    ])


def case_sd_classic():
    model, _ = _trained_cnn(105)
    return model.state_dict()


def case_sd_legacy_format():
    return case_sd_classic()


def case_train_omegaconf():
    from omegaconf import OmegaConf
    model, x = _trained_cnn(107)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    target = torch.linspace(-1.0, 1.0, 20).view(4, 5)
    for _ in range(2):
        opt.zero_grad()
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
    cfg = OmegaConf.create({
        "model": {"name": "cnn", "channels": [2, 3], "dropout": 0.1,
                  "act": {"kind": "relu", "inplace": False}},
        "train": {"epochs": 3, "lr": 1e-2, "betas": [0.9, 0.999],
                  "steps": [1, 2, 3], "tags": ["a", "b"], "seed": 107},
        "data": {"root": "/data", "batch": 4, "aug": None},
        "note": "fixture",
    })
    torch.manual_seed(107)
    return {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "cfg": cfg,
        "args": argparse.Namespace(lr=0.01, out=pathlib.PosixPath("/tmp/x"), name="run"),
        "best": np.float64(0.5),
        "dtype": np.dtype("float32"),
        "np_rng": np.random.RandomState(0).get_state(),
        "torch_rng": torch.get_rng_state(),
        "mode": Mode.TRAIN,
        "sched_fn": functools.partial(warmup_factor, 2),
        "arch": torch.nn.Linear,
        "opt_cls": torch.optim.Adam,
        "counts": collections.defaultdict(int, {"a": 1}),
        "np_array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "np_int": np.int64(7),
        "version": torch.__version__,
        "epoch": 2,
    }


def case_whole_module():
    _seed(108)
    model = nn.Sequential(
        nn.Linear(4, 4),
        ScaledBlock(4),
        nn.BatchNorm1d(4),
        nn.ReLU(),
    )
    model.train()
    with torch.no_grad():
        model(torch.randn(3, 4))
    return model


def case_numpy2_objects():
    d = {
        "a": np.float32(1.5),
        "b": np.array([1, 2, 3]),
        "c": np.dtype("int16"),
    }
    try:
        import pickle
        v = np.dtypes.Float64DType()
        pickle.loads(pickle.dumps(v))
        d["d"] = v
    except Exception:  # noqa: BLE001 - skip if this numpy cannot pickle it
        pass
    return d


def case_sd_all_patterns():
    """Every bit pattern of each 8- and 16-bit float dtype, and the edges of
    the unsigned ones: what an exact widening must reproduce value for value
    (torch's own .to() is the reference)."""
    b8 = torch.arange(256, dtype=torch.int32).to(torch.uint8)
    b16 = torch.arange(65536, dtype=torch.int32).to(torch.int16)
    return collections.OrderedDict(
        [("all_" + str(dt).replace("torch.", ""), b8.clone().view(dt))
         for dt in (torch.float8_e4m3fn, torch.float8_e5m2,
                    torch.float8_e4m3fnuz, torch.float8_e5m2fnuz)]
        + [("all_float16", b16.clone().view(torch.float16)),
           ("all_bfloat16", b16.clone().view(torch.bfloat16)),
           ("all_uint16", b16.clone().view(torch.uint16)),
           ("u32_edges", torch.tensor([0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1],
                                      dtype=torch.uint32)),
           ("u64_below_2_63", torch.tensor([0, 1, 2 ** 32, 2 ** 63 - 1],
                                           dtype=torch.uint64)),
           ("c32_specials", torch.complex(
               torch.tensor([0.0, -0.0, float("inf"), 65504.0, 6e-8]),
               torch.tensor([float("nan"), 1.0, -float("inf"), -65504.0, 0.0])
           ).to(torch.complex32))])


def case_sd_bf16_f16():
    _seed(110)
    base = torch.randn(3, 4)
    return collections.OrderedDict([
        ("bf16", base.bfloat16()),
        ("f16", base.half()),
        ("bf16_T", base.bfloat16().t()),              # non-contiguous
        ("f16_0d", torch.tensor(-0.375, dtype=torch.float16)),
        ("mask", torch.tensor([True, False, True, True, False])),
        ("mask2d", (base > 0)),
    ])


CASES = collections.OrderedDict([
    ("sd_float8", case_sd_float8),
    ("sd_uints", case_sd_uints),
    ("sd_complex32", case_sd_complex32),
    ("sd_views_untyped", case_sd_views_untyped),
    ("sd_classic", case_sd_classic),
    ("sd_legacy_format", case_sd_legacy_format),
    ("train_omegaconf", case_train_omegaconf),
    ("whole_module", case_whole_module),
    ("numpy2_objects", case_numpy2_objects),
    ("sd_bf16_f16", case_sd_bf16_f16),
    ("sd_all_patterns", case_sd_all_patterns),
])

SAVE_KW = {
    "sd_legacy_format": {"_use_new_zipfile_serialization": False},
}

MAX_BYTES = 200 * 1024
# sd_all_patterns holds every pattern of three 16-bit dtypes (3 x 128 KiB).
MAX_BYTES_OF = {"sd_all_patterns": 512 * 1024}


def generate(outdir, name):
    obj = CASES[name]()
    path = os.path.join(outdir, name + ".pt")
    torch.save(obj, path, **SAVE_KW.get(name, {}))
    size = os.path.getsize(path)
    limit = MAX_BYTES_OF.get(name, MAX_BYTES)
    if size >= limit:
        raise RuntimeError("%s: %d bytes, limit %d" % (path, size, limit))


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: gen_fixtures26.py OUTDIR [CASE...] | list\ncases: %s\n"
                         % " ".join(CASES))
        return 2
    if argv[0] == "list":
        for n in CASES:
            print(n)
        return 0
    outdir = argv[0]
    names = argv[1:] or list(CASES)
    bad = [n for n in names if n not in CASES]
    if bad:
        sys.stderr.write("gen_fixtures26.py: unknown case(s): %s\n" % " ".join(bad))
        return 2
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in names:
            generate(outdir, n)
    return 0


if __name__ == "__main__":
    # Run the importable copy so pickled classes are gen_fixtures26.X.
    import gen_fixtures26
    sys.exit(gen_fixtures26.main(sys.argv[1:]))
