#!/usr/bin/python3
"""Pairs of checkpoints for testing torch_compare.py itself.

usage: compare_cases.py OUTDIR [--compare]

Writes OUTDIR/<name>.a.pt and OUTDIR/<name>.b.pt (zip format) for every case
below. Without --compare, prints the case names in order, one a line; with
--compare, runs `torch_compare.py --keep-going --stubs` on all pairs in this process
(one torch import) and exits with its status. Each `diff_*` pair
differs in exactly one respect; each `same_*` pair is equal as torch loads it
although the objects were built separately.
"""
import collections
import datetime
import functools
import math
import os
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "Inputs")
sys.path.insert(0, INPUTS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import fixture_models  # noqa: E402


def base():
    return torch.arange(6, dtype=torch.float32)


def case_diff_od_vs_dict():
    t = base()
    return collections.OrderedDict([("w", t)]), {"w": t}


def case_diff_param_vs_tensor():
    return {"p": nn.Parameter(base())}, {"p": base()}


def case_diff_key_order():
    return {"a": base(), "b": 1}, {"b": 1, "a": base()}


def case_diff_missing_key():
    return {"a": 1, "b": 2}, {"a": 1}


def case_diff_storage_sharing():
    t = base()
    u = base()
    return {"x": t, "y": t[1:]}, {"x": t, "y": u[1:]}


def case_diff_storage_sharing_b():
    t = base()
    u = base()
    return {"x": t, "y": u[1:]}, {"x": t, "y": t[1:]}


def case_diff_tensor_identity():
    t = base()
    return {"a": t, "b": t}, {"a": t, "b": t.view(6)}


def case_diff_stride():
    x = base().view(2, 3)
    return {"t": x}, {"t": torch.empty_strided((2, 3), (1, 2)).copy_(x)}


def case_diff_storage_offset():
    s = torch.arange(8, dtype=torch.float32)
    t = torch.zeros(8)
    t[2:4] = s[1:3]
    return {"t": s[1:3]}, {"t": t.clone()[2:4]}


def case_diff_bytes():
    t = base()
    u = base()
    u[5] = 5.5
    return {"t": t}, {"t": u}


def case_diff_bytes_outside_view():
    t = base()
    u = base()
    u[0] = 9.0
    return {"t": t[2:4]}, {"t": u[2:4]}


def case_diff_dtype():
    return {"t": torch.zeros(2, dtype=torch.int32)}, {"t": torch.zeros(2, dtype=torch.float32)}


def case_diff_requires_grad():
    return {"t": base().requires_grad_()}, {"t": base()}


def case_diff_qscale():
    return ({"q": torch.quantize_per_tensor(base(), 0.5, 0, torch.qint8)},
            {"q": torch.quantize_per_tensor(base(), 0.25, 0, torch.qint8)})


def case_diff_qzero_per_channel():
    w = torch.ones(2, 3)
    s = torch.tensor([0.1, 0.2], dtype=torch.float64)
    return ({"q": torch.quantize_per_channel(w, s, torch.tensor([0, 1]), 0, torch.qint8)},
            {"q": torch.quantize_per_channel(w, s, torch.tensor([0, 2]), 0, torch.qint8)})


def case_diff_metadata():
    a = collections.OrderedDict([("w", base())])
    a._metadata = collections.OrderedDict([("", {"version": 1})])
    b = collections.OrderedDict([("w", base())])
    return a, b


def case_diff_metadata_value():
    a = collections.OrderedDict([("w", base())])
    a._metadata = collections.OrderedDict([("", {"version": 1})])
    b = collections.OrderedDict([("w", base())])
    b._metadata = collections.OrderedDict([("", {"version": 2})])
    return a, b


def case_diff_bigint():
    return {"n": 2 ** 70}, {"n": 2 ** 70 + 1}


def case_diff_neg_zero():
    return {"f": [1.0, 0.0]}, {"f": [1.0, -0.0]}


def case_diff_nan_vs_inf():
    return {"f": math.nan}, {"f": math.inf}


def case_diff_int_vs_bool():
    return {"v": 1}, {"v": True}


def case_diff_int_vs_float():
    return {"v": 1}, {"v": 1.0}


def case_diff_str():
    return {"s": "abc"}, {"s": "abd"}


def case_diff_bytes_value():
    return {"s": b"ab\x00"}, {"s": b"ab\x01"}


def case_diff_list_len():
    return {"l": [1, 2, 3]}, {"l": [1, 2]}


def case_diff_tuple_vs_list():
    return {"l": (1, 2)}, {"l": [1, 2]}


def case_diff_shared_list():
    l = [1]
    return {"a": l, "b": l}, {"a": l, "b": [1]}


def case_diff_set():
    return {"s": {1, 2}}, {"s": {1, 3}}


def case_diff_np_scalar_type():
    return {"v": np.float32(1.5)}, {"v": np.float64(1.5)}


def case_diff_np_array():
    return {"v": np.arange(4, dtype=np.int64)}, {"v": np.array([0, 1, 2, 4], dtype=np.int64)}


def case_diff_np_order():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    return {"v": a}, {"v": np.asfortranarray(a)}


def case_diff_class():
    return {"k": fixture_models.SmallNet}, {"k": fixture_models.SmallCNN}


def case_diff_object_attr():
    return {"h": fixture_models.Holder(x=1, t=base())}, {"h": fixture_models.Holder(x=2, t=base())}


def case_diff_object_attr_order():
    return {"h": fixture_models.Holder(x=1, y=2)}, {"h": fixture_models.Holder(y=2, x=1)}


def case_diff_subclass_state():
    a = base().as_subclass(fixture_models.TaggedTensor)
    a.tag = "a"
    b = base().as_subclass(fixture_models.TaggedTensor)
    b.tag = "b"
    return {"t": a}, {"t": b}


def case_diff_set_of_tensors():
    return {"s": {base()}}, {"s": {base() + 1}}


# Classes of a module that does not exist when the files are loaded: with
# --stubs, torch_describe.load turns them into stub classes.
_missing = types.ModuleType("ckpt_missing_module")


class Foo:
    pass


class Bar:
    pass


for _cls in (Foo, Bar):
    _cls.__module__ = _missing.__name__
    setattr(_missing, _cls.__name__, _cls)


def _obj(cls, **kw):
    o = cls()
    o.__dict__.update(kw)
    return o


def case_diff_stub_class():
    return {"o": _obj(Foo, x=1)}, {"o": _obj(Bar, x=1)}


def case_diff_stub_attr():
    return {"o": _obj(Foo, x=1, t=base())}, {"o": _obj(Foo, x=2, t=base())}


def case_same_stub():
    return {"o": _obj(Foo, x=1, t=base()), "k": Bar}, {"o": _obj(Foo, x=1, t=base()), "k": Bar}


def case_diff_partial():
    return {"f": functools.partial(max, 1)}, {"f": functools.partial(max, 2)}


def case_diff_datetime():
    return ({"d": datetime.datetime(2020, 1, 1, 12, 0)},
            {"d": datetime.datetime(2020, 1, 1, 12, 1)})


def case_same_nan():
    return {"f": [math.nan, -0.0, 2 ** 100]}, {"f": [float("nan"), -0.0, 2 ** 100]}


def case_same_separate_objects():
    def make():
        t = base()
        return {"x": t, "y": t[2:], "o": fixture_models.Holder(t=t)}
    return make(), make()


def case_same_model():
    torch.manual_seed(3)
    a = fixture_models.SmallNet()
    torch.manual_seed(3)
    b = fixture_models.SmallNet()
    return a, b


CASES = [(n[len("case_"):], f) for n, f in sorted(globals().items()) if n.startswith("case_")]


def main(argv):
    compare = "--compare" in argv
    argv = [a for a in argv if a != "--compare"]
    if len(argv) != 1:
        sys.stderr.write("usage: compare_cases.py OUTDIR [--compare]\n")
        return 2
    out = argv[0]
    os.makedirs(out, exist_ok=True)
    sys.modules[_missing.__name__] = _missing   # only while saving
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in CASES:
            a, b = fn()
            torch.save(a, os.path.join(out, name + ".a.pt"))
            torch.save(b, os.path.join(out, name + ".b.pt"))
            if not compare:
                print(name)
    del sys.modules[_missing.__name__]
    if compare:
        import torch_compare
        args = ["--keep-going", "--stubs"]
        for name, _ in CASES:
            args += [os.path.join(out, name + ".a.pt"), os.path.join(out, name + ".b.pt")]
        sys.stdout.flush()
        return torch_compare.main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
