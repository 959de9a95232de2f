#!/usr/bin/python3
"""Check a checkpoint against the real torch 2.6.

usage: check26.py load FILE
       check26.py mmap FILE
       check26.py describe [--values] FILE
       check26.py values FILE

Runs under torch 2.6 (e.g. `chroot /var/lib/ckpt-migrate/torch26 python3
check26.py ...`). This file's directory is put on sys.path so that whole-module
fixtures from gen_fixtures26.py (classes named gen_fixtures26.X) load.

load      torch.load(FILE, map_location='cpu', weights_only=True); prints `OK`,
          or `REFUSED: <first line of the error>` followed by
          `DETAIL: <ExceptionType>: <the most specific line>` (for weights_only
          refusals the line naming the refused global, since the first line of
          torch's message is always "Weights only load failed...").
mmap      the same with mmap=True (zip files only); `OK` or `ERROR: ...`
          and `DETAIL: ...`.
describe  torch.load(FILE, map_location='cpu', weights_only=False) and one line
          per tensor found anywhere in the object graph, sorted by path:
            <path> <dtype> <shape> <stride> <storage_offset> <sha1> \
                rg=<0|1> <param|tensor> st=<storage ordinal>:<storage nbytes>
          sha1: of the tensor's own elements as raw bytes (contiguous copy
          viewed as uint8; int_repr for quantized tensors), so float8 / uint /
          complex32 work. Storage ordinals number distinct untyped storages in
          sorted-path order, so shared storage shows as equal ordinals.
          Walk: path `$`; dicts -> `[repr(key)]`; lists/tuples -> `[i]`;
          objects with a __dict__ (incl. nn.Module: _parameters, _buffers,
          _modules and plain attributes) -> `.name`; a container or object
          reached twice (by id) is walked once, tensors print at every
          occurrence. Classes, functions, modules, numpy objects and scalars
          are leaves; enum members print their repr; functools.partial
          prints its function and walks `.args` / `.keywords`.
          --values also prints one line per non-tensor leaf:
            <path> = <type> <value>   (numpy arrays: dtype shape sha1)
values    the tensors as `describe` walks them, by value rather than bytes, so
          that a file whose dtypes were widened exactly compares equal to its
          source: one line per tensor,
            <path> <kind> <shape> <stride> <storage_offset> <sha1> st=<ordinal>
          kind: float, complex or int (bool as int); sha1: of the elements
          converted to float64 / complex128 / int64 (NaNs made one NaN);
          then one line per other leaf, `<path> = <type> <value>`, as
          --values prints them but the same under numpy 1 and 2 and Python
          3.11 and 3.13 (numpy scalars by their .item(), paths as pathlib).
          Also runs under torch 1.13 (the host's), for downgrade-1.13.
Exit status: 0 ok; 1 refused / load error; 2 usage.
"""
import enum
import functools
import hashlib
import os
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import torch  # noqa: E402

try:
    import numpy as np  # noqa: E402
except ImportError:  # pragma: no cover
    np = None


def _detail(e):
    """The most specific line of an exception's message."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in lines:
        if "WeightsUnpickler error" in ln or "Unsupported global" in ln:
            return ln
    return lines[0] if lines else ""


def _first(e):
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0] if lines else type(e).__name__


def cmd_load(path, mmap=False):
    kw = {"map_location": "cpu", "weights_only": True}
    if mmap:
        kw["mmap"] = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.load(path, **kw)
    except Exception as e:  # noqa: BLE001
        print("%s: %s" % ("ERROR" if mmap else "REFUSED", _first(e)))
        print("DETAIL: %s: %s" % (type(e).__name__, _detail(e)))
        return 1
    print("OK")
    return 0


def _tensor_bytes(t):
    t = t.detach()
    if t.is_quantized:
        t = t.int_repr()
    t = t.contiguous().reshape(-1)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.view(torch.uint8).numpy().tobytes()


def _fmt(seq):
    return "[" + ",".join(str(int(x)) for x in seq) + "]"


_LEAF_TYPES = (str, bytes, bytearray, int, float, complex, bool, type(None),
               type, types.FunctionType, types.BuiltinFunctionType,
               types.ModuleType, torch.dtype, torch.device, torch.Size)


def _walk(obj, path, seen, out, vals):
    if isinstance(obj, torch.Tensor):
        out.append((path, obj))
        return
    if isinstance(obj, _LEAF_TYPES) or isinstance(obj, (set, frozenset, enum.Enum)):
        if vals is not None:
            vals.append((path, _leaf_repr(obj)))
        return
    if np is not None and isinstance(obj, (np.ndarray, np.generic, np.dtype)):
        if vals is not None:
            vals.append((path, _leaf_repr(obj)))
        return
    if isinstance(obj, functools.partial):
        if vals is not None:
            f = obj.func
            vals.append((path, "functools.partial %s.%s" % (
                getattr(f, "__module__", "?"), getattr(f, "__qualname__", "?"))))
        _walk(list(obj.args), path + ".args", seen, out, vals)
        _walk(dict(obj.keywords), path + ".keywords", seen, out, vals)
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        for k, v in list(obj.items()):
            _walk(v, "%s[%r]" % (path, k), seen, out, vals)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _walk(v, "%s[%d]" % (path, i), seen, out, vals)
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict) and not isinstance(obj, type):
        if vals is not None and not isinstance(obj, (dict, list, tuple)):
            vals.append((path, "%s.%s object" % (type(obj).__module__,
                                                  type(obj).__qualname__)))
        for k, v in list(d.items()):
            _walk(v, "%s.%s" % (path, k), seen, out, vals)
    elif vals is not None and not isinstance(obj, (dict, list, tuple)):
        vals.append((path, _leaf_repr(obj)))


def _leaf_repr(obj):
    if np is not None and isinstance(obj, np.generic):
        return "numpy.%s %r" % (obj.dtype, obj.item())
    if np is not None and isinstance(obj, np.dtype):
        return "numpy.dtype %s" % obj.str
    if np is not None and isinstance(obj, np.ndarray):
        return "numpy.ndarray %s %s sha1=%s" % (
            obj.dtype, list(obj.shape),
            hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest())
    t = type(obj)
    r = repr(obj)
    if isinstance(obj, os.PathLike):  # pathlib._local (3.13) or pathlib
        return "pathlib.%s %r" % (t.__qualname__, str(obj))
    if len(r) > 200:
        r = r[:200] + "...(%d chars, sha1=%s)" % (
            len(r), hashlib.sha1(r.encode("utf-8", "replace")).hexdigest()[:12])
    return "%s.%s %s" % (t.__module__, t.__qualname__, r)


def _load_all(path):
    """(True, torch.load(path, weights_only=False)) with warnings silenced;
    (False, None) after printing ERROR and DETAIL lines when it fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return True, torch.load(path, map_location="cpu",
                                    weights_only=False)
        except Exception as e:  # noqa: BLE001
            print("ERROR: %s" % _first(e))
            print("DETAIL: %s: %s" % (type(e).__name__, _detail(e)))
            return False, None


def cmd_describe(path, values):
    ok, obj = _load_all(path)
    if not ok:
        return 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = []
        vals = [] if values else None
        _walk(obj, "$", set(), out, vals)
        out.sort(key=lambda pt: pt[0])
        storages = {}
        lines = []
        for p, t in out:
            try:
                st = t.untyped_storage()
                skey = (st.data_ptr(), st.nbytes())
                nbytes = st.nbytes()
            except Exception:  # noqa: BLE001 - e.g. quantized / subclass
                skey = ("id", id(t))
                nbytes = -1
            if skey not in storages:
                storages[skey] = len(storages)
            lines.append("%s %s %s %s %d %s rg=%d %s st=%d:%d" % (
                p, str(t.dtype).replace("torch.", ""), _fmt(t.shape), _fmt(t.stride()),
                t.storage_offset(), hashlib.sha1(_tensor_bytes(t)).hexdigest(),
                int(t.requires_grad),
                "param" if isinstance(t, torch.nn.Parameter) else "tensor",
                storages[skey], nbytes))
        if vals is not None:
            for p, r in sorted(vals):
                lines.append("%s = %s" % (p, r))
        for ln in lines:
            print(ln)
    return 0


def _storage_key(t):
    """(data_ptr, nbytes) of the storage under t, in torch 2.x and 1.13."""
    try:
        st = t.untyped_storage()
    except AttributeError:  # torch 1.13
        st = t.storage()
    return st.data_ptr(), st.nbytes()


def _value_bytes(t):
    t = t.detach()
    if t.is_complex():
        v = t.to(torch.complex128)
        v = torch.view_as_real(v.contiguous())
    elif t.is_floating_point():
        v = t.to(torch.float64)
    else:
        return "int", t.to(torch.int64).contiguous().numpy().tobytes()
    v = torch.where(torch.isnan(v), torch.full_like(v, float("nan")), v)
    kind = "complex" if t.is_complex() else "float"
    return kind, v.contiguous().numpy().tobytes()


def cmd_values(path):
    ok, obj = _load_all(path)
    if not ok:
        return 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, vals = [], []
        _walk(obj, "$", set(), out, vals)
        out.sort(key=lambda pt: pt[0])
        storages = {}
        for p, t in out:
            skey = _storage_key(t)
            if skey not in storages:
                storages[skey] = len(storages)
            kind, data = _value_bytes(t)
            print("%s %s %s %s %d %s st=%d" % (
                p, kind, _fmt(t.shape), _fmt(t.stride()), t.storage_offset(),
                hashlib.sha1(data).hexdigest(), storages[skey]))
        for p, r in sorted(vals):
            print("%s = %s" % (p, r))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "load":
        return cmd_load(argv[1])
    if len(argv) >= 2 and argv[0] == "mmap":
        return cmd_load(argv[1], mmap=True)
    if len(argv) == 2 and argv[0] == "values":
        return cmd_values(argv[1])
    if len(argv) >= 2 and argv[0] == "describe":
        values = "--values" in argv[1:]
        files = [a for a in argv[1:] if a != "--values"]
        if len(files) == 1:
            return cmd_describe(files[0], values)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main(sys.argv[1:]))
