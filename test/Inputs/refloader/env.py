"""Name resolution (Unpickler.find_class) of an emulated old release.

torch.* names resolve only if the release had them (tables in releases.py);
a missing name raises the error Python 3's stock find_class raised for torch
users: `AttributeError: Can't get attribute 'X' on <module 'torch._utils'>`
or `ModuleNotFoundError: No module named 'torch._tensor'`.
Non-torch names: a small allowlist of safe stdlib/numpy objects resolves to
the real object; other standard-library names are refused (exit 2: the real
release would import and maybe call them, which the emulator will not do);
anything else is user code and resolves to a permissive stub class.
"""
import _compat_pickle
import argparse
import codecs
import collections
import copyreg
import datetime
import pathlib
import pickle
import sys

from . import releases as R
from . import rebuild_old
from .context import EmulatorLimit


def _safe_table():
    t = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.defaultdict": collections.defaultdict,
        "collections.Counter": collections.Counter,
        "collections.deque": collections.deque,
        "_codecs.encode": codecs.encode,
        "copyreg._reconstructor": copyreg._reconstructor,
        "argparse.Namespace": argparse.Namespace,
        "datetime.datetime": datetime.datetime,
        "datetime.date": datetime.date,
        "datetime.time": datetime.time,
        "datetime.timedelta": datetime.timedelta,
        "datetime.timezone": datetime.timezone,
        "pathlib.Path": pathlib.Path,
        "pathlib.PosixPath": pathlib.PosixPath,
        "pathlib.WindowsPath": pathlib.WindowsPath,
        "pathlib.PurePosixPath": pathlib.PurePosixPath,
        "pathlib.PureWindowsPath": pathlib.PureWindowsPath,
    }
    for n in ("set", "frozenset", "complex", "bytearray", "slice", "range", "list", "dict",
              "tuple", "int", "float", "str", "bytes", "bool", "object"):
        t["builtins." + n] = getattr(__import__("builtins"), n)
    try:
        import numpy
        import numpy.core.multiarray as ma
        t["numpy.core.multiarray._reconstruct"] = ma._reconstruct
        t["numpy.core.multiarray.scalar"] = ma.scalar
        t["numpy.ndarray"] = numpy.ndarray
        t["numpy.dtype"] = numpy.dtype
        try:
            import numpy.core.numeric as nn_
            t["numpy.core.numeric._frombuffer"] = nn_._frombuffer
        except (ImportError, AttributeError):
            pass
    except ImportError:
        pass
    return t


SAFE = _safe_table()


def map_py2_name(module, name):
    """Python 3 pickle's fix_imports mapping (protocol < 3 pickles)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    if module in _compat_pickle.IMPORT_MAPPING:
        return _compat_pickle.IMPORT_MAPPING[module], name
    return module, name


def cant_get(name, module):
    # CPython: "Can't get attribute {!r} on {!r}".format(name, module); the
    # module repr of a real install adds " from '<path>'" which is dropped.
    return AttributeError("Can't get attribute %r on <module '%s'>" % (name, module))


class ReleaseEnv:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rel = ctx.release
        self.ns = rebuild_old.build_namespace(self.rel)
        self._mods = {m: (first, last) for (m, first, last, _c) in R.TORCH_MODULES}
        names_torch = set()
        for n, _d, _f, _c in R.STORAGE_CLASSES + R.TENSOR_CLASSES + R.DTYPE_OBJECTS:
            names_torch.add(n)
        for n, _k, _f, _c in R.TORCH_MISC:
            names_torch.add(n)
        names_torch.update(R.LATER_STORAGE_NAMES)
        self._known_torch = names_torch
        self._known_utils = {n for (n, _f, _l, _c) in R.UTILS_FUNCS}

    def module_exists(self, module):
        """None if importable, else the first missing dotted prefix."""
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            p = ".".join(parts[:i])
            info = self._mods.get(p)
            if info is None:
                continue
            first, last = info
            if self.rel.vt < first or (last is not None and self.rel.vt > last):
                return p
        return None

    def resolve(self, module, name):
        if not isinstance(module, str) or not isinstance(name, str):
            raise pickle.UnpicklingError("global name is not a string")
        full = module + "." + name
        obj = self.ns.get(full)
        if obj is not None:
            return obj
        top = module.split(".")[0]
        if top == "torch":
            return self.resolve_torch(module, name, full)
        if top == "__torch__":
            # TorchScript's class namespace: never importable by torch.load
            raise ModuleNotFoundError("No module named '__torch__'", name="__torch__")
        if full in SAFE:
            return SAFE[full]
        if top == "numpy":
            if module == "numpy._core" or module.startswith("numpy._core."):
                # numpy >= 2 module path; numpy of the release's era lacks it [M]
                raise ModuleNotFoundError("No module named 'numpy._core'", name="numpy._core")
            raise EmulatorLimit("GLOBAL %s: numpy name outside the emulator's allowlist" % full)
        if top in sys.stdlib_module_names or top in ("__builtin__", "copy_reg"):
            raise EmulatorLimit(
                "GLOBAL %s: standard-library name outside the emulator's allowlist; the real "
                "release would import it (and may call it), which is not emulated" % full)
        return self.ctx.stubs.get(module, name)

    def resolve_torch(self, module, name, full):
        vt = self.rel.vt
        missing = self.module_exists(module)
        if missing is not None:
            raise ModuleNotFoundError("No module named '%s'" % missing, name=missing)
        if module == "torch" and name in self._known_torch:
            raise cant_get(name, module)
        if module == "torch.cuda" and (name.endswith("Storage") or name.endswith("Tensor")):
            raise cant_get(name, module)
        if module == "torch._utils" and (name in self._known_utils or name.startswith("_rebuild")):
            raise cant_get(name, module)
        if full in R.TORCH_NAMED:
            raise cant_get(name, module)
        if full in R.NN_LATER:
            first, _c = R.NN_LATER[full]
            if vt < first:
                raise cant_get(name, module)
            return self.ctx.stubs.get(module, name)
        if full in R.OPTIM_LATER:
            first, _c = R.OPTIM_LATER[full]
            if vt < first:
                raise cant_get(name, module)
        if module.startswith("torch.nn.modules.") or module.startswith("torch.optim"):
            return self.ctx.stubs.get(module, name)
        raise EmulatorLimit("GLOBAL %s: no data on whether torch %s had this name"
                            % (full, self.rel.name))


class ReleaseUnpickler(pickle.Unpickler):
    """C-accelerated pickle.Unpickler (as torch used) with the release's
    find_class and an optional persistent_load."""

    def __init__(self, file, env, persistent_load=None, encoding="ASCII"):
        pickle.Unpickler.__init__(self, file, encoding=encoding)
        self._env = env
        if persistent_load is not None:
            self.persistent_load = persistent_load

    def find_class(self, module, name):
        module, name = map_py2_name(module, name)
        return self._env.resolve(module, name)


def restricted_load(f, env, encoding):
    """`pickle_module.load(f)` of the release (no persistent_load)."""
    return ReleaseUnpickler(f, env, None, encoding).load()
