#!/usr/bin/python3
"""Deep-compare checkpoints as real torch (1.13) loads them.

usage: torch_compare.py [--stubs] [--keep-going] A B [A2 B2 ...]

Loads every file exactly as torch_describe.py does (its `load`: map_location
cpu, BUILD states recorded, `--stubs` turns names that fail to import into stub
classes) and compares each pair A/B deeply. At the first difference of a pair
it prints

    DIFF <A> <B>: <path>: <what differs>

(path like `$['state_dict']['fc.weight']`, `.name` for attributes; on stdout
and stderr) and stops; with --keep-going it goes on with the next pair.
Load errors print `ERROR <A> <B>: ...` the same way. An equal pair prints

    equal tensors=<T> storages=<S> objects=<O>: <A> <B>

T: distinct tensor objects, S: distinct storages, O: distinct containers and
objects compared (so a test can check the comparison was not vacuous).

Compared:
  * exact types (OrderedDict vs dict, Parameter vs Tensor, subclasses); stub
    classes and other classes by module + qualified name;
  * dict keys (deeply) and their order, then values; list/tuple lengths and
    elements; sets by content; defaultdict's default_factory;
  * attributes: vars() of every object (incl. dict/list subclasses, so an
    OrderedDict's `_metadata` is covered) and the BUILD states the pickle
    applied (as torch_describe.py records them), stub objects' odd states;
  * tensors: dtype, shape, stride, storage_offset, requires_grad, layout,
    device, exact class, the instance __dict__, quantization (qscheme,
    scale/zero_point or per-channel scales/zero_points/axis) and the bytes of
    the whole storage;
  * identity: objects (containers, tensors, storages, numpy arrays) are
    mapped A->B on first visit; a later visit must meet the same pair in both
    directions (shared storages and tensors, tied parameters, shared lists,
    cycles);
  * scalars: ints of any size, floats (nan == nan, the sign of -0.0), complex,
    str, bytes, bytearray, None, bools; numpy arrays (dtype, shape, order,
    bytes) and scalars (dtype + bytes); torch dtype/device/layout/qscheme;
    classes, functions and modules by qualified name; other objects by their
    attributes and then by their __reduce_ex__(4) result.

Exit status: 0 all pairs equal; 1 a difference or a load error; 2 usage.
"""
import math
import os
import sys
import threading
import types

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_describe  # noqa: E402


class Difference(Exception):
    def __init__(self, path, what):
        Exception.__init__(self, "%s: %s" % (path, what))
        self.path = path
        self.what = what


def _qualname(obj):
    mod = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    return "%s.%s" % (mod, name)


def _is_stub_class(cls):
    return bool(getattr(cls, "__dict__", {}).get("_ckpt_stub", False))


def _type_name(obj):
    t = type(obj)
    return ("stub " if _is_stub_class(t) else "") + _qualname(t)


def _short(v, limit=80):
    try:
        s = repr(v)
    except Exception as e:  # pragma: no cover
        s = "<repr failed: %s>" % e
    return s if len(s) <= limit else s[:limit] + "..."


_IMMUTABLE_SCALARS = (str, bytes, int, float, complex, bool, type(None))
_TORCH_ENUMS = (torch.dtype, torch.device, torch.layout, torch.memory_format,
                torch.qscheme)
_CALLABLE_LEAVES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                    types.BuiltinMethodType)


def _is_numpy(obj):
    mod = getattr(type(obj), "__module__", "") or ""
    return mod == "numpy" or mod.startswith("numpy.")


def _simple_hashable(v):
    if isinstance(v, (str, bytes, int, float, complex, bool, type(None))):
        return True
    if isinstance(v, (tuple, frozenset)):
        return all(_simple_hashable(x) for x in v)
    return False


class Comparer:
    def __init__(self, rec_a, rec_b):
        self.rec_a = rec_a
        self.rec_b = rec_b
        self.map_ab = {}        # id(a) -> id(b), identity-bearing objects
        self.map_ba = {}
        self.first_path = {}    # id(a) -> path of the first visit
        self.stor_ab = {}       # StorageImpl A -> StorageImpl B
        self.stor_ba = {}
        self.stor_path = {}
        self.keep = []          # keeps everything whose id() is recorded alive
        self.n_tensors = 0
        self.n_objects = 0

    # -- state snapshots (for trial matching of set elements) -------------
    def snapshot(self):
        return (dict(self.map_ab), dict(self.map_ba), dict(self.first_path),
                dict(self.stor_ab), dict(self.stor_ba), dict(self.stor_path),
                self.n_tensors, self.n_objects)

    def restore(self, snap):
        (self.map_ab, self.map_ba, self.first_path, self.stor_ab, self.stor_ba,
         self.stor_path, self.n_tensors, self.n_objects) = snap

    # -- identity ----------------------------------------------------------
    def _identity(self, a, b, path):
        """True if the pair was visited before (consistently); raises when the
        sharing differs; records a new pair and returns False otherwise."""
        ia, ib = id(a), id(b)
        mb = self.map_ab.get(ia)
        ma = self.map_ba.get(ib)
        if mb is None and ma is None:
            self.map_ab[ia] = ib
            self.map_ba[ib] = ia
            self.first_path[ia] = path
            self.keep.append(a)
            self.keep.append(b)
            return False
        if mb == ib and ma == ia:
            return True
        if mb is not None and mb != ib:
            raise Difference(path, "sharing differs: in A this is the object first seen at %s, "
                             "in B it is a different object" % self.first_path[ia])
        raise Difference(path, "sharing differs: in B this is an object already seen (in A at %s), "
                         "in A it is a new object" % self.first_path[ma])

    # -- entry -------------------------------------------------------------
    def compare(self, a, b, path):
        ta, tb = type(a), type(b)
        if ta is not tb:
            if not (_is_stub_class(ta) and _is_stub_class(tb) and
                    _qualname(ta) == _qualname(tb)):
                raise Difference(path, "type %s != %s" % (_type_name(a), _type_name(b)))

        if isinstance(a, torch.Tensor):
            return self.compare_tensor(a, b, path)
        if isinstance(a, (torch.storage.TypedStorage, torch.storage.UntypedStorage)):
            return self.compare_storage_object(a, b, path)
        if _is_numpy(a):
            return self.compare_numpy(a, b, path)
        if ta is bool or a is None:
            if a is not b:
                raise Difference(path, "%r != %r" % (a, b))
            return
        if ta is int:
            if a != b:
                raise Difference(path, "int %d != %d" % (a, b))
            return
        if ta is float:
            return self.compare_float(a, b, path)
        if ta is complex:
            self.compare_float(a.real, b.real, path + ".real")
            self.compare_float(a.imag, b.imag, path + ".imag")
            return
        if ta in (str, bytes):
            if a != b:
                raise Difference(path, "%s %s != %s" % (ta.__name__, _short(a), _short(b)))
            return
        if isinstance(a, _TORCH_ENUMS):
            if a != b or str(a) != str(b):
                raise Difference(path, "%s != %s" % (a, b))
            return
        if isinstance(a, type):
            if _qualname(a) != _qualname(b) or _is_stub_class(a) != _is_stub_class(b):
                raise Difference(path, "class %s%s != %s%s" % (
                    "stub " if _is_stub_class(a) else "", _qualname(a),
                    "stub " if _is_stub_class(b) else "", _qualname(b)))
            return
        if isinstance(a, _CALLABLE_LEAVES):
            if _qualname(a) != _qualname(b):
                raise Difference(path, "function %s != %s" % (_qualname(a), _qualname(b)))
            return
        if isinstance(a, types.ModuleType):
            if a.__name__ != b.__name__:
                raise Difference(path, "module %s != %s" % (a.__name__, b.__name__))
            return
        if isinstance(a, (str, bytes, int, float, complex)):
            # subclasses of scalars: value, then attributes below
            if a != b and not (isinstance(a, float) and math.isnan(a) and math.isnan(b)):
                raise Difference(path, "%s != %s" % (_short(a), _short(b)))
            if not hasattr(a, "__dict__"):
                return
            if self._identity(a, b, path):
                return
            self.n_objects += 1
            return self.compare_attrs(a, b, path)

        if isinstance(a, tuple) and not hasattr(a, "__dict__"):
            # immutable: no identity (pickle may or may not memoize tuples)
            return self.compare_sequence(a, b, path)
        if isinstance(a, frozenset):
            return self.compare_set(a, b, path)

        # Identity-bearing objects.
        if self._identity(a, b, path):
            return
        self.n_objects += 1
        if isinstance(a, dict):
            self.compare_dict(a, b, path)
        elif isinstance(a, (list, tuple)):
            self.compare_sequence(a, b, path)
        elif isinstance(a, (set, frozenset)):
            self.compare_set(a, b, path)
        elif isinstance(a, bytearray):
            if bytes(a) != bytes(b):
                raise Difference(path, "bytearray %s != %s" % (_short(a), _short(b)))
        else:
            # Generic objects: attributes, then what pickling them would save
            # (catches state that lives outside __dict__, e.g. the arguments
            # of functools.partial or datetime's value).
            self.compare_attrs(a, b, path)
            self.compare_reduce(a, b, path)
            return
        self.compare_attrs(a, b, path)

    # -- scalars -------------------------------------------------------------
    @staticmethod
    def compare_float(a, b, path):
        if math.isnan(a) or math.isnan(b):
            if not (math.isnan(a) and math.isnan(b)):
                raise Difference(path, "float %r != %r" % (a, b))
            return
        if a != b or math.copysign(1.0, a) != math.copysign(1.0, b):
            raise Difference(path, "float %r != %r" % (a, b))

    # -- containers ----------------------------------------------------------
    def compare_dict(self, a, b, path):
        if len(a) != len(b):
            ka, kb = list(a.keys()), list(b.keys())
            extra_a = [k for k in ka if not _simple_hashable(k) or k not in b]
            extra_b = [k for k in kb if not _simple_hashable(k) or k not in a]
            raise Difference(path, "dict length %d != %d (only in A: %s; only in B: %s)" % (
                len(a), len(b), _short(extra_a[:5]), _short(extra_b[:5])))
        ka, kb = list(a.keys()), list(b.keys())
        for i, (x, y) in enumerate(zip(ka, kb)):
            try:
                self.compare(x, y, "%s.keys()[%d]" % (path, i))
            except Difference as d:
                raise Difference(d.path, d.what + " (key order or key differs: A key %s, B key %s)"
                                 % (_short(x), _short(y)))
        if hasattr(a, "default_factory"):
            self.compare(a.default_factory, b.default_factory, path + ".default_factory")
        for x, y in zip(ka, kb):
            self.compare(a[x], b[y], "%s[%s]" % (path, _short(x, 200)))

    def compare_sequence(self, a, b, path):
        if len(a) != len(b):
            raise Difference(path, "%s length %d != %d" % (type(a).__name__, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            self.compare(x, y, "%s[%d]" % (path, i))

    def compare_set(self, a, b, path):
        if len(a) != len(b):
            raise Difference(path, "%s length %d != %d" % (type(a).__name__, len(a), len(b)))
        if all(_simple_hashable(x) for x in a) and all(_simple_hashable(x) for x in b):
            # nan / -0.0 inside sets: compare the sorted reprs too
            if a != b or sorted(map(repr, a)) != sorted(map(repr, b)):
                raise Difference(path, "set %s != %s" % (_short(a), _short(b)))
            return
        # Elements without value equality (tensors, objects): match by trial.
        rest = list(b)
        for i, x in enumerate(a):
            for j, y in enumerate(rest):
                snap = self.snapshot()
                try:
                    self.compare(x, y, "%s{%d}" % (path, i))
                except Difference:
                    self.restore(snap)
                    continue
                del rest[j]
                break
            else:
                raise Difference("%s{%d}" % (path, i), "no element of B's set matches %s" % _short(x))

    # -- attributes ----------------------------------------------------------
    def compare_attrs(self, a, b, path):
        va = getattr(a, "__dict__", None)
        vb = getattr(b, "__dict__", None)
        if not isinstance(va, dict):
            va = None
        if not isinstance(vb, dict):
            vb = None
        if (va is None) != (vb is None):
            raise Difference(path, "__dict__ only in %s" % ("A" if va is not None else "B"))
        if va is not None:
            if ("_metadata" in va) != ("_metadata" in vb):
                raise Difference(path + "._metadata", "only in %s" % ("A" if "_metadata" in va else "B"))
            ka, kb = list(va.keys()), list(vb.keys())
            if ka != kb:
                raise Difference(path, "attributes differ: A %s, B %s" % (_short(ka, 300), _short(kb, 300)))
            for k in ka:
                self.compare(va[k], vb[k], "%s.%s" % (path, k))
        # The BUILD states the pickle applied (vars() covers what they set;
        # this catches a BUILD that is missing, doubled or of another shape).
        sa = self._states(self.rec_a, a)
        sb = self._states(self.rec_b, b)
        if len(sa) != len(sb):
            raise Difference(path, "BUILD applied %d times in A, %d times in B" % (len(sa), len(sb)))
        for i, (x, y) in enumerate(zip(sa, sb)):
            self.compare(x, y, "%s<BUILD %d>" % (path, i))
        oa = self._odd(self.rec_a, a)
        ob = self._odd(self.rec_b, b)
        if len(oa) != len(ob):
            raise Difference(path, "stub received %d non-dict states/items in A, %d in B" % (len(oa), len(ob)))
        for i, (x, y) in enumerate(zip(oa, ob)):
            self.compare(x, y, "%s<stub state %d>" % (path, i))

    @staticmethod
    def _states(rec, obj):
        ent = rec.build_states.get(id(obj))
        if ent is None or ent[0] is not obj:
            return []
        return ent[1]

    @staticmethod
    def _odd(rec, obj):
        ent = rec.odd_states.get(id(obj))
        if ent is None or ent[0] is not obj:
            return []
        return ent[1]

    def compare_reduce(self, a, b, path):
        try:
            ra = a.__reduce_ex__(4)
            rb = b.__reduce_ex__(4)
        except Exception as e:
            raise Difference(path, "cannot compare %s: %s" % (_type_name(a), e))
        if isinstance(ra, str) or isinstance(rb, str):
            if ra != rb:
                raise Difference(path, "global %s != %s" % (ra, rb))
            return
        ra = [list(x) if hasattr(x, "__next__") else x for x in ra]
        rb = [list(x) if hasattr(x, "__next__") else x for x in rb]
        self.keep.append(ra)
        self.keep.append(rb)
        if len(ra) != len(rb):
            raise Difference(path, "reduce tuple length %d != %d" % (len(ra), len(rb)))
        for i, (x, y) in enumerate(zip(ra, rb)):
            self.compare(x, y, "%s<reduce %d>" % (path, i))

    # -- numpy ---------------------------------------------------------------
    def compare_numpy(self, a, b, path):
        if isinstance(a, np.ndarray):
            if self._identity(a, b, path):
                return
            self.n_objects += 1
            if a.dtype != b.dtype:
                raise Difference(path, "ndarray dtype %s != %s" % (a.dtype, b.dtype))
            if a.shape != b.shape:
                raise Difference(path, "ndarray shape %s != %s" % (a.shape, b.shape))
            if a.flags.f_contiguous != b.flags.f_contiguous or \
                    a.flags.c_contiguous != b.flags.c_contiguous:
                raise Difference(path, "ndarray memory order differs")
            if a.dtype.hasobject:
                self.compare_sequence(list(a.flat), list(b.flat), path + ".flat")
            elif a.tobytes() != b.tobytes():
                raise Difference(path, "ndarray bytes differ")
            return
        if isinstance(a, np.dtype):
            if a != b or str(a) != str(b):
                raise Difference(path, "numpy dtype %s != %s" % (a, b))
            return
        if isinstance(a, np.generic):
            if a.dtype != b.dtype:
                raise Difference(path, "numpy scalar dtype %s != %s" % (a.dtype, b.dtype))
            if a.dtype.hasobject:
                return self.compare(a.item(), b.item(), path + ".item()")
            if a.tobytes() != b.tobytes():
                raise Difference(path, "numpy scalar %r != %r" % (a, b))
            return
        return self.compare_reduce(a, b, path)

    # -- torch -----------------------------------------------------------------
    @staticmethod
    def _untyped(s):
        if isinstance(s, torch.storage.TypedStorage):
            s = s._storage
        return s

    @staticmethod
    def _storage_bytes(us):
        n = us.nbytes()
        if n == 0:
            return b""
        u8 = torch.empty(0, dtype=torch.uint8).set_(us, 0, (n,), (1,))
        return u8.numpy().tobytes()

    def compare_storage(self, ua, ub, path):
        """ua, ub: UntypedStorage of the two sides."""
        ka, kb = ua._cdata, ub._cdata
        mb = self.stor_ab.get(ka)
        ma = self.stor_ba.get(kb)
        if mb is None and ma is None:
            self.stor_ab[ka] = kb
            self.stor_ba[kb] = ka
            self.stor_path[ka] = path
            self.keep.append(ua)
            self.keep.append(ub)
        elif mb == kb and ma == ka:
            return
        elif mb is not None and mb != kb:
            raise Difference(path, "storage sharing differs: in A this storage is the one of %s, "
                             "in B it is another storage" % self.stor_path[ka])
        else:
            raise Difference(path, "storage sharing differs: in B this storage is the one of %s, "
                             "in A it is another storage" % self.stor_path[ma])
        if ua.device != ub.device:
            raise Difference(path, "storage device %s != %s" % (ua.device, ub.device))
        if ua.nbytes() != ub.nbytes():
            raise Difference(path, "storage size %d != %d bytes" % (ua.nbytes(), ub.nbytes()))
        da, db = self._storage_bytes(ua), self._storage_bytes(ub)
        if da != db:
            first = next(i for i in range(len(da)) if da[i] != db[i])
            raise Difference(path, "storage bytes differ (%d bytes, first difference at byte %d: "
                             "%02x != %02x)" % (len(da), first, da[first], db[first]))

    def compare_storage_object(self, a, b, path):
        if self._identity(a, b, path):
            return
        self.n_objects += 1
        if isinstance(a, torch.storage.TypedStorage) and a.dtype != b.dtype:
            raise Difference(path, "storage dtype %s != %s" % (a.dtype, b.dtype))
        self.compare_storage(self._untyped(a), self._untyped(b), path)

    def compare_tensor(self, a, b, path):
        if self._identity(a, b, path):
            return
        self.n_tensors += 1
        if isinstance(a, torch.nn.Parameter) != isinstance(b, torch.nn.Parameter):
            raise Difference(path, "Parameter vs Tensor")
        for what, fa, fb in (
                ("layout", a.layout, b.layout),
                ("device", a.device, b.device),
                ("dtype", a.dtype, b.dtype),
                ("shape", tuple(a.shape), tuple(b.shape)),
                ("stride", tuple(a.stride()), tuple(b.stride())),
                ("storage_offset", a.storage_offset(), b.storage_offset()),
                ("requires_grad", a.requires_grad, b.requires_grad),
                ("is_quantized", a.is_quantized, b.is_quantized)):
            if fa != fb:
                raise Difference(path, "tensor %s %s != %s" % (what, fa, fb))
        if a.is_quantized:
            qa, qb = a.qscheme(), b.qscheme()
            if qa != qb:
                raise Difference(path, "tensor qscheme %s != %s" % (qa, qb))
            if qa in (torch.per_tensor_affine, torch.per_tensor_symmetric):
                self.compare_float(a.q_scale(), b.q_scale(), path + ".q_scale()")
                if a.q_zero_point() != b.q_zero_point():
                    raise Difference(path + ".q_zero_point()", "%d != %d" % (a.q_zero_point(), b.q_zero_point()))
            else:
                if a.q_per_channel_axis() != b.q_per_channel_axis():
                    raise Difference(path + ".q_per_channel_axis()", "%d != %d" % (
                        a.q_per_channel_axis(), b.q_per_channel_axis()))
                for what, x, y in (("q_per_channel_scales()", a.q_per_channel_scales(), b.q_per_channel_scales()),
                                   ("q_per_channel_zero_points()", a.q_per_channel_zero_points(),
                                    b.q_per_channel_zero_points())):
                    if x.dtype != y.dtype or tuple(x.shape) != tuple(y.shape) or \
                            x.contiguous().numpy().tobytes() != y.contiguous().numpy().tobytes():
                        raise Difference(path + "." + what, "%s != %s" % (x, y))
        if a.layout != torch.strided:
            raise Difference(path, "cannot compare tensors of layout %s" % a.layout)
        pa = a if type(a) in (torch.Tensor, torch.nn.Parameter) else a.as_subclass(torch.Tensor)
        pb = b if type(b) in (torch.Tensor, torch.nn.Parameter) else b.as_subclass(torch.Tensor)
        self.compare_storage(self._untyped(pa._storage()), self._untyped(pb._storage()), path)
        # Tensor subclasses carry their state in the instance __dict__.
        self.compare_attrs(a, b, path)


class LoadError(Exception):
    pass


def _load(path, stubs):
    try:
        return torch_describe.load(path, stubs)
    except torch_describe.TorchScriptArchive:
        raise LoadError("cannot load %s: a TorchScript archive" % path)
    except Exception as e:
        raise LoadError("cannot load %s: %s: %s" % (path, type(e).__name__, e))


def compare_files(fa, fb, stubs):
    obj_a, rec_a = _load(fa, stubs)
    obj_b, rec_b = _load(fb, stubs)
    c = Comparer(rec_a, rec_b)
    c.compare(obj_a, obj_b, "$")
    return c


def fail(line):
    """A failure goes to stdout (for FileCheck) and to stderr (for the log)."""
    sys.stdout.write(line)
    sys.stdout.flush()
    sys.stderr.write(line)


def run(argv):
    flags = [a for a in argv if a.startswith("--")]
    files = [a for a in argv if not a.startswith("--")]
    unknown = [f for f in flags if f not in ("--stubs", "--keep-going")]
    if unknown or not files or len(files) % 2:
        sys.stderr.write("usage: torch_compare.py [--stubs] [--keep-going] A B [A2 B2 ...]\n")
        return 2
    stubs = "--stubs" in flags
    keep_going = "--keep-going" in flags
    status = 0
    for i in range(0, len(files), 2):
        fa, fb = files[i], files[i + 1]
        try:
            c = compare_files(fa, fb, stubs)
        except LoadError as e:
            fail("ERROR %s %s: %s\n" % (fa, fb, e))
            status = 1
        except Difference as d:
            fail("DIFF %s %s: %s: %s\n" % (fa, fb, d.path, d.what))
            status = 1
        except Exception as e:
            fail("ERROR %s %s: %s: %s\n" % (fa, fb, type(e).__name__, e))
            status = 1
        else:
            sys.stdout.write("equal tensors=%d storages=%d objects=%d: %s %s\n" % (
                c.n_tensors, len(c.stor_ab), c.n_objects, fa, fb))
        sys.stdout.flush()
        if status and not keep_going:
            break
    return status


def main(argv):
    torch.set_num_threads(1)
    sys.setrecursionlimit(200000)
    threading.stack_size(512 * 1024 * 1024)
    result = []
    t = threading.Thread(target=lambda: result.append(run(argv)))
    t.start()
    t.join()
    return result[0] if result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
