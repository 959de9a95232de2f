#!/usr/bin/python3
"""Generate checkpoint fixtures with real torch.

usage: gen_fixtures.py OUTDIR [CASE...]

Every case is written twice:
  OUTDIR/<case>.zip.pt      torch.save(obj, path)                      (zip format)
  OUTDIR/<case>.legacy.pt   torch.save(obj, path,
                                       _use_new_zipfile_serialization=False)
No CASE = all cases. Values are deterministic (fixed seeds / fixed values);
the legacy files' storage keys are pointer strings, so their bytes are not.
Prints nothing on success; exits non-zero on failure.
"""
import argparse
import collections
import math
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import fixture_models  # noqa: E402


def _seed(n):
    torch.manual_seed(n)
    np.random.seed(n)


def _train_model(seed):
    """SmallCNN after one train-mode forward (BN running stats touched)."""
    _seed(seed)
    model = fixture_models.SmallCNN()
    model.train()
    x = torch.randn(4, 2, 4, 4)
    return model, x


def case_sd_bn():
    model, x = _train_model(1)
    with torch.no_grad():
        model(x)
    return model.state_dict()


def _train_steps(model, x, opt, scheds, steps=2):
    target = torch.linspace(-1.0, 1.0, 20).view(4, 5)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
        for s in scheds:
            s.step()


def case_train_adam():
    model, x = _train_model(2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    _train_steps(model, x, opt, [sched])
    return {
        "epoch": 3,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "best": 0.25,
    }


def _lambda(epoch):
    return 0.95 ** epoch


def case_train_sgd():
    model, x = _train_model(3)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    step = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    lam = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=_lambda)
    _train_steps(model, x, opt, [step, lam])
    return {
        "epoch": 3,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": step.state_dict(),
        "lambda_scheduler": lam.state_dict(),
        "best": 0.25,
    }


def case_whole_module():
    _seed(4)
    model = fixture_models.SmallNet()
    model.train()
    with torch.no_grad():
        model(torch.randn(3, 4))
    return model


def case_views():
    b = torch.arange(12, dtype=torch.float32) * 0.5
    m = (torch.arange(20, dtype=torch.float64) - 7.0).view(4, 5)[1:]  # offset 5
    return {
        "base": b,
        "slice": b[2:5],
        "T": m.t(),
        "view": b.view(2, -1),
        "strided": b[::2],
        "m": m,
        "bm": b[2:].view(2, 5),          # view of b at offset 2
        "tail": b[7:].view(5, 1),        # offset 7, column shape
        "again": b,                      # same tensor object again
    }


def case_tied():
    _seed(6)
    return fixture_models.TiedLM().state_dict()


def case_zerodim_empty():
    shared = torch.arange(6, dtype=torch.int16)
    return {
        "f0": torch.tensor(3.25),
        "i0": torch.tensor(-7, dtype=torch.int64),
        "b0": torch.tensor(True),
        "e1": torch.empty(0),
        "e2": torch.zeros(2, 0, dtype=torch.int32),
        "e3": torch.empty(0, 3, dtype=torch.float64),
        "e4": torch.empty(0),                  # a distinct empty storage
        "shared": shared,
        "empty_view": shared[3:3],             # empty view, offset 3
        "scalar_view": shared[4],              # 0-dim view, offset 4
        "nbt": torch.tensor(5, dtype=torch.long),
        "int": 5,
    }


def case_dtypes():
    _seed(8)
    base = torch.linspace(-2.0, 2.0, 6)
    d = collections.OrderedDict()
    d["float64"] = base.double()
    d["float32"] = base.clone()
    d["float16"] = base.half()
    d["bfloat16"] = base.bfloat16()
    d["int64"] = torch.tensor([-(2 ** 62), -1, 0, 1, 2 ** 40, 2 ** 62], dtype=torch.int64)
    d["int32"] = torch.tensor([-(2 ** 31), -1, 0, 1, 7, 2 ** 31 - 1], dtype=torch.int32)
    d["int16"] = torch.tensor([-32768, -1, 0, 1, 300, 32767], dtype=torch.int16)
    d["int8"] = torch.tensor([-128, -1, 0, 1, 5, 127], dtype=torch.int8)
    d["uint8"] = torch.tensor([0, 1, 2, 127, 128, 255], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True, True, False, False])
    d["complex64"] = torch.complex(base, -base)
    d["complex128"] = torch.complex(base.double(), base.double() * 2)
    d["qint8"] = torch.quantize_per_tensor(base, 0.05, 3, torch.qint8)
    d["quint8"] = torch.quantize_per_tensor(base, 0.1, 20, torch.quint8)
    d["qint32"] = torch.quantize_per_tensor(base, 0.001, -5, torch.qint32)
    w = torch.randn(3, 4)
    d["qint8_per_channel"] = torch.quantize_per_channel(
        w, torch.tensor([0.1, 0.02, 0.3], dtype=torch.float64),
        torch.tensor([0, 1, -2], dtype=torch.int64), 0, torch.qint8)
    return d


def case_qpacked():
    """Sub-byte quantized dtypes (torch 1.13 can save them; exotic).

    16 elements fill the storages exactly (8 resp. 4 bytes); with fewer, the
    padding bytes of the last storage byte are uninitialized memory."""
    x = torch.linspace(-1.0, 1.0, 16).view(4, 4)
    return {
        "quint4x2": torch.quantize_per_tensor(x, 0.2, 5, torch.quint4x2),
        "quint2x4": torch.quantize_per_tensor(x, 0.5, 2, torch.quint2x4),
    }


def case_params():
    _seed(9)
    return {
        "p": nn.Parameter(torch.randn(3)),
        "q": nn.Parameter(torch.randn(2, 2), requires_grad=False),
        "t": torch.randn(2, requires_grad=True),
        "d": torch.randn(2),
    }


def case_payload():
    _seed(10)
    t1 = torch.arange(3, dtype=torch.float32)
    t2 = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    shared_list = [t1, "x"]
    cyc = [1]
    cyc.append(cyc)
    ns = argparse.Namespace(lr=0.1, name="run", weights=t2, nested={"t": t1})
    return {
        "ints": [0, -1, 255, 256, 65535, 2 ** 31, -2 ** 31 - 1, 2 ** 63, -2 ** 64, 10 ** 40],
        "floats": [0.1, -0.0, math.inf, -math.inf, math.nan, 1e300, 5e-324],
        "strs": ["", "plain", "unicode: \u00e9\u4e2d\U0001f600", "new\nline", "q'u\"o\\te"],
        "bytes": b"\x00\x01\xff\x80raw",
        "bytearray": bytearray(b"\x10\x20abc"),
        "none": None,
        "true": True,
        "false": False,
        "complex": 1.5 - 2.25j,
        "nested": {"l": [1, [2, (3, t1)], {"deep": [t2]}], "t": (t1, (t2,), ())},
        "set": {1, 2, "three"},
        "frozenset": frozenset({4, 5}),
        "set_with_tensor": {t1},               # sets are not walked: no line
        "keys": {1: t1, -5: "neg", 2 ** 70: t2, (1, 2): t1, None: t2, False: t1,
                 1.5: t1, "ключ": t1, "a'b c": t2, -(2 ** 40): t2, 0x7fffffff: t1},
        "boolkeys": {True: t2, 2: t1},
        "np_f32": np.float32(1.5),
        "np_i64": np.int64(7),
        "np_arr": np.arange(6, dtype=np.float32).reshape(2, 3),
        "ns": ns,
        "classkey": {fixture_models.SmallNet: t1, "after": t2},
        "klass": fixture_models.SmallNet,
        "shared1": shared_list,
        "shared2": shared_list,                # second visit: skipped
        "cycle": cyc,
        "tensor_last": t2,
    }


def case_proto4():
    _seed(11)
    sd = fixture_models.SmallCNN().state_dict()
    sd["extra.view"] = sd["fc.weight"][1:3]
    return sd


def case_noncontig():
    _seed(12)
    x = torch.randn(2, 3, 2, 2)
    a = torch.randn(5, 4)
    return {
        "channels_last": x.contiguous(memory_format=torch.channels_last),
        "fortran": torch.arange(24, dtype=torch.int64).view(4, 3, 2).permute(2, 1, 0),
        "narrow": a.narrow(1, 1, 2),
        "expanded": torch.arange(3, dtype=torch.float32).expand(2, 3),
    }


def case_payload_p4():
    return case_payload()


def case_payload_p5():
    return case_payload()


def case_containers():
    """Container kinds beyond dict/list/tuple, and attribute-bearing ones."""
    _seed(13)
    a = torch.arange(4, dtype=torch.float32)
    b = torch.ones(2, 2, dtype=torch.float64)
    c = torch.tensor([7, 8, 9], dtype=torch.int64)
    dd = collections.defaultdict(list)
    dd["x"].append(a)
    dd["y"].append(b)
    ad = fixture_models.AttrDict(k=a)
    ad.meta = b                      # BUILD state after SETITEMS
    tl = fixture_models.TensorList([c, a])
    tl.note = "list attrs"
    tl.extra = c
    od = collections.OrderedDict([("w", b)])
    od.extra = a                     # like state_dict._metadata, but a tensor
    shared = [c]
    holder = fixture_models.Holder(t=a, inner=fixture_models.Holder(u=b, same=shared))
    return {
        "defaultdict": dd,
        "attrdict": ad,
        "tensorlist": tl,
        "od_attr": od,
        "tuple_rep": (shared, shared, c),    # same list twice: second skipped
        "holder": holder,
        "holders": [holder, holder],         # same object again: skipped
        "empty_dict": {},
        "empty_list": [],
        "empty_tuple": (),
        "last": b,
    }


def case_tensor_subclass():
    _seed(14)
    t = torch.arange(6, dtype=torch.float32).view(2, 3).as_subclass(fixture_models.TaggedTensor)
    t.tag = "tagged"
    t.aux = torch.tensor([1.0, 2.0])     # only inside the REDUCE arguments: no line
    return {"sub": t, "plain": torch.zeros(2)}


def case_whole_lstm():
    _seed(15)
    return fixture_models.SeqNet()


CASES = collections.OrderedDict([
    ("sd_bn", case_sd_bn),
    ("train_adam", case_train_adam),
    ("train_sgd", case_train_sgd),
    ("whole_module", case_whole_module),
    ("views", case_views),
    ("tied", case_tied),
    ("zerodim_empty", case_zerodim_empty),
    ("dtypes", case_dtypes),
    ("qpacked", case_qpacked),
    ("params", case_params),
    ("payload", case_payload),
    ("proto4", case_proto4),
    ("noncontig", case_noncontig),
    # Extra cases beyond the original list.
    ("payload_p4", case_payload_p4),
    ("payload_p5", case_payload_p5),
    ("containers", case_containers),
    ("tensor_subclass", case_tensor_subclass),
    ("whole_lstm", case_whole_lstm),
])

SAVE_KW = {
    "proto4": {"pickle_protocol": 4},
    "payload_p4": {"pickle_protocol": 4},
    "payload_p5": {"pickle_protocol": 5},
}


def generate(outdir, name):
    obj = CASES[name]()
    kw = SAVE_KW.get(name, {})
    torch.save(obj, os.path.join(outdir, name + ".zip.pt"), **kw)
    torch.save(obj, os.path.join(outdir, name + ".legacy.pt"),
               _use_new_zipfile_serialization=False, **kw)


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: gen_fixtures.py OUTDIR [CASE...]\ncases: %s\n"
                         % " ".join(CASES))
        return 2
    outdir = argv[0]
    names = argv[1:] or list(CASES)
    bad = [n for n in names if n not in CASES]
    if bad:
        sys.stderr.write("gen_fixtures.py: unknown case(s): %s\n" % " ".join(bad))
        return 2
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in names:
            generate(outdir, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
