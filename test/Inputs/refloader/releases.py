"""Per-release feature tables of the emulated PyTorch releases.

Every fact carries a confidence mark, as in shared/reference/formats.md:
  V  verified (read in source text of that era, or reproduced),
  S  stated by a primary source (upstream source / PR / issue report),
  M  medium: inferred from adjacent versions or indirect evidence,
  L  low: from memory; a hypothesis.
Version tuples compare lexicographically: (0, 4, 0) < (0, 4, 1) < (1, 0).

Nothing here is read from ckpt-migrate (lib/, tools/): the tables are built
from formats.md, peers-and-user-pain.md and public copies of torch sources.
"""

RELEASE_NAMES = ["0.3", "0.4.0", "1.0", "1.3", "1.4", "1.5", "2.6-weights-only"]


class Release:
    def __init__(self, name, vt, **kw):
        self.name = name
        self.vt = vt
        # 'pickle': no zip support, the magic-number pickle.load meets 'PK'
        # 'jit-message': 1.3's "<name> is a zip archive" check after tar fails
        # 'reader': PyTorchStreamReader with a version gate
        self.zip_mode = kw.pop("zip_mode")
        self.zip_max_version = kw.pop("zip_max_version", None)
        # encoding passed to pickle for py2 `str` opcodes.
        self.encoding = kw.pop("encoding")
        self.weights_only = kw.pop("weights_only", False)
        # load_state_dict flavour: '0.3' (KeyError), '0.4.0', '1.0', '1.3'
        self.lsd = kw.pop("lsd", None)
        assert not kw, kw

    def at_least(self, vt):
        return self.vt >= vt

    def __repr__(self):
        return "Release(%s)" % self.name


RELEASES = {
    # 0.3.x: SER-0.3 [V] (unconditional tar attempt, magic stream, no zip).
    "0.3": Release("0.3", (0, 3, 1), zip_mode="pickle", encoding="ASCII", lsd="0.3"),
    # 0.4.0: formats.md 4.1/4.2 [V]/[M].
    "0.4.0": Release("0.4.0", (0, 4, 0), zip_mode="pickle", encoding="ASCII", lsd="0.4.0"),
    # 1.0: SER-0.4x loader + UTILS-1.0 (_rebuild_parameter) [V]/[S].
    "1.0": Release("1.0", (1, 0, 0), zip_mode="pickle", encoding="ASCII", lsd="1.0"),
    # 1.3: `_is_zipfile` after the tar attempt [S]; utf-8 default encoding [L].
    "1.3": Release("1.3", (1, 3, 0), zip_mode="jit-message", encoding="utf-8", lsd="1.3"),
    # 1.4: reads zip, kMaxSupportedFileFormatVersion = 2 [S] (pytorch#47243).
    "1.4": Release("1.4", (1, 4, 0), zip_mode="reader", zip_max_version=2,
                   encoding="utf-8", lsd="1.3"),
    # 1.5: reads version 3 (pytorch#42724, #40140) [S]/[M].
    "1.5": Release("1.5", (1, 5, 0), zip_mode="reader", zip_max_version=3,
                   encoding="utf-8", lsd="1.3"),
    # 2.6 with its default weights_only=True [V] (NOTES); reader max version
    # 0xA [L] (torch.save always writes 3, so the gate never bites in practice).
    "2.6-weights-only": Release("2.6-weights-only", (2, 6, 0), zip_mode="reader",
                                zip_max_version=10, encoding="utf-8",
                                weights_only=True, lsd=None),
}

# ---------------------------------------------------------------------------
# dtypes and storage classes

# (storage class name, dtype name, first version, confidence)
STORAGE_CLASSES = [
    ("DoubleStorage", "float64", (0,), "V"),
    ("FloatStorage", "float32", (0,), "V"),
    ("HalfStorage", "float16", (0,), "V"),
    ("LongStorage", "int64", (0,), "V"),
    ("IntStorage", "int32", (0,), "V"),
    ("ShortStorage", "int16", (0,), "V"),
    ("CharStorage", "int8", (0,), "V"),
    ("ByteStorage", "uint8", (0,), "V"),
    ("BoolStorage", "bool", (1, 2), "M"),
    ("BFloat16Storage", "bfloat16", (1, 3), "M"),
    ("QInt8Storage", "qint8", (1, 3), "M"),
    ("QUInt8Storage", "quint8", (1, 3), "M"),
    ("QInt32Storage", "qint32", (1, 3), "M"),
    ("ComplexFloatStorage", "complex64", (1, 6), "L"),
    ("ComplexDoubleStorage", "complex128", (1, 6), "L"),
    ("QUInt4x2Storage", "quint4x2", (1, 8), "L"),
    ("QUInt2x4Storage", "quint2x4", (1, 10), "L"),
]
# 1.11+/1.13 storage classes (never in the <= 1.5 releases) [M]
LATER_STORAGE_NAMES = {"UntypedStorage": (1, 13), "TypedStorage": (1, 13),
                       "_UntypedStorage": (1, 11), "_TypedStorage": (1, 11)}

# legacy tensor type objects (torch.FloatTensor ...), same availability.
TENSOR_CLASSES = [(s.replace("Storage", "Tensor"), d, v, c) for (s, d, v, c) in STORAGE_CLASSES
                  if not s.startswith("Q")]

# dtype objects `torch.<name>` (pickled by name: GLOBAL 'torch float32')
# (name, dtype, first version, confidence); aliases point at the same dtype.
DTYPE_OBJECTS = [
    ("float32", "float32", (0, 4, 0), "S"), ("float", "float32", (0, 4, 0), "S"),
    ("float64", "float64", (0, 4, 0), "S"), ("double", "float64", (0, 4, 0), "S"),
    ("float16", "float16", (0, 4, 0), "S"), ("half", "float16", (0, 4, 0), "S"),
    ("uint8", "uint8", (0, 4, 0), "S"), ("int8", "int8", (0, 4, 0), "S"),
    ("int16", "int16", (0, 4, 0), "S"), ("short", "int16", (0, 4, 0), "S"),
    ("int32", "int32", (0, 4, 0), "S"), ("int", "int32", (0, 4, 0), "S"),
    ("int64", "int64", (0, 4, 0), "S"), ("long", "int64", (0, 4, 0), "S"),
    ("bool", "bool", (1, 2), "M"),
    ("bfloat16", "bfloat16", (1, 3), "M"),
    ("qint8", "qint8", (1, 3), "M"), ("quint8", "quint8", (1, 3), "M"),
    ("qint32", "qint32", (1, 3), "M"),
    ("complex64", "complex64", (1, 6), "L"), ("complex128", "complex128", (1, 6), "L"),
    ("cfloat", "complex64", (1, 6), "L"), ("cdouble", "complex128", (1, 6), "L"),
    ("quint4x2", "quint4x2", (1, 8), "L"), ("quint2x4", "quint2x4", (1, 10), "L"),
    ("complex32", "complex32", (1, 6), "L"),
    ("float8_e5m2", "float8_e5m2", (2, 1), "S"), ("float8_e4m3fn", "float8_e4m3fn", (2, 1), "S"),
    ("float8_e5m2fnuz", "float8_e5m2fnuz", (2, 2), "M"),
    ("float8_e4m3fnuz", "float8_e4m3fnuz", (2, 2), "M"),
    ("uint16", "uint16", (2, 3), "M"), ("uint32", "uint32", (2, 3), "M"),
    ("uint64", "uint64", (2, 3), "M"),
    ("bits8", "bits8", (2, 0), "L"), ("bits16", "bits16", (2, 0), "L"),
    ("bits1x8", "bits1x8", (2, 0), "L"), ("bits2x4", "bits2x4", (2, 0), "L"),
    ("bits4x2", "bits4x2", (2, 0), "L"),
]

# other `torch.<name>` objects: (name, kind, first version, confidence)
TORCH_MISC = [
    ("Size", "Size", (0,), "M"),
    ("Tensor", "Tensor", (0,), "M"),
    ("device", "device", (0, 4, 0), "S"),
    ("strided", "layout", (0, 4, 0), "M"),
    ("sparse_coo", "layout", (0, 4, 0), "M"),
    ("per_tensor_affine", "qscheme", (1, 3), "M"),
    ("per_channel_affine", "qscheme", (1, 3), "M"),
    ("per_tensor_symmetric", "qscheme", (1, 3), "M"),
    ("per_channel_symmetric", "qscheme", (1, 3), "M"),
    ("per_channel_affine_float_qparams", "qscheme", (1, 6), "L"),
]

# `torch._utils` rebuild helpers: (name, first version, last version, confidence)
UTILS_FUNCS = [
    ("_rebuild_tensor", (0, 1, 11), None, "S"),        # pytorch#1050
    ("_rebuild_tensor_v2", (0, 4, 0), None, "V"),      # TENSOR-0.4, pytorch#5729
    ("_rebuild_parameter", (1, 0), None, "S"),         # UTILS-1.0, pytorch#15375
    ("_rebuild_qtensor", (1, 3), None, "M"),
    ("_rebuild_sparse_tensor", (1, 4), None, "L"),
    ("_rebuild_xla_tensor", (1, 5), None, "L"),
    ("_rebuild_device_tensor_from_numpy", (1, 9), None, "L"),
    ("_rebuild_meta_tensor_no_storage", (1, 10), None, "L"),
    ("_rebuild_sparse_csr_tensor", (1, 10), (1, 13), "L"),
    ("_rebuild_wrapper_subclass", (1, 13), None, "M"),
    ("_rebuild_nested_tensor", (2, 0), None, "L"),
    ("_rebuild_parameter_with_state", (2, 0), None, "M"),
    ("_rebuild_tensor_v3", (2, 2), None, "S"),
    ("_rebuild_device_tensor_from_cpu_tensor", (2, 6), None, "M"),
]

# torch modules whose existence changed: (module, first, last-or-None, conf)
TORCH_MODULES = [
    ("torch", (0,), None, "V"),
    ("torch._utils", (0,), None, "V"),
    ("torch.cuda", (0,), None, "V"),
    ("torch.serialization", (0,), None, "V"),
    ("torch.nn", (0,), None, "V"),
    ("torch.nn.parameter", (0,), None, "V"),
    ("torch.nn.modules", (0,), None, "V"),
    ("torch.nn.backends", (0,), None, "M"),
    ("torch.nn.backends.thnn", (0,), None, "M"),      # still in 1.13 [V]
    ("torch.autograd", (0,), None, "V"),
    ("torch.autograd.variable", (0,), None, "V"),
    ("torch.optim", (0,), None, "V"),
    ("torch.optim.lr_scheduler", (0, 2), None, "M"),
    ("torch.tensor", (0,), (1, 8), "M"),              # torch/tensor.py until 1.8
    ("torch._tensor", (1, 9), None, "M"),             # formats.md 2.2
    ("torch.torch_version", (1, 10), None, "L"),
    ("torch.nn.modules.flatten", (1, 2), None, "L"),
    ("torch.nn.modules.transformer", (1, 2), None, "L"),
    ("torch.nn.modules.channelshuffle", (1, 11), None, "L"),
    ("torch.nn.modules.lazy", (1, 8), None, "L"),
    ("torch.optim.adamw", (1, 2), None, "M"),
    ("torch.optim.radam", (1, 10), None, "L"),
    ("torch.optim.nadam", (1, 10), None, "L"),
]

# named objects in other torch modules (non-rebuild): full name -> (first, conf)
TORCH_NAMED = {
    "torch.nn.parameter.Parameter": ((0,), "V"),
    "torch.autograd.variable.Variable": ((0,), "V"),
    "torch.nn.backends.thnn._get_thnn_function_backend": ((0,), "M"),
    "torch.serialization._get_layout": ((1, 4), "L"),
    "torch.tensor._rebuild_from_type": ((1, 7), "L"),
    "torch._tensor._rebuild_from_type": ((1, 9), "L"),
    "torch._tensor._rebuild_from_type_v2": ((1, 10), "L"),
    "torch.torch_version.TorchVersion": ((1, 10), "L"),
}

# nn classes added after 0.3 (absent -> AttributeError in older releases).
# Any other class of torch.nn.modules.* is assumed present (resolved to a
# permissive stub, like a user class).
NN_LATER = {
    "torch.nn.modules.activation.SiLU": ((1, 7), "L"),
    "torch.nn.modules.activation.Hardswish": ((1, 6), "L"),
    "torch.nn.modules.activation.Hardsigmoid": ((1, 6), "L"),
    "torch.nn.modules.activation.Mish": ((1, 9), "L"),
    "torch.nn.modules.activation.GELU": ((1, 2), "L"),
    "torch.nn.modules.activation.CELU": ((1, 0), "L"),
    "torch.nn.modules.activation.MultiheadAttention": ((1, 1), "L"),
    "torch.nn.modules.linear.Identity": ((1, 1), "L"),
    "torch.nn.modules.linear.LazyLinear": ((1, 8), "L"),
    "torch.nn.modules.batchnorm.SyncBatchNorm": ((1, 0), "L"),
    "torch.nn.modules.normalization.GroupNorm": ((0, 4, 1), "L"),
    "torch.nn.modules.container.ModuleDict": ((0, 4, 0), "L"),
    "torch.nn.modules.container.ParameterDict": ((0, 4, 0), "L"),
    "torch.nn.modules.flatten.Unflatten": ((1, 7), "L"),
}

# torch.optim classes (stubbed when pickled whole); anything else in
# torch.optim.* is accepted too.
OPTIM_LATER = {
    "torch.optim.adamw.AdamW": ((1, 2), "M"),
}


def feature_table(rel):
    """Lines describing what `rel` can resolve (for --explain)."""
    out = []
    vt = rel.vt

    def mark(first, conf, last=None):
        ok = vt >= first and (last is None or vt <= last)
        return ("yes" if ok else "no "), conf

    for name, first, last, conf in UTILS_FUNCS:
        yn, c = mark(first, conf, last)
        out.append("%s torch._utils.%s [%s]" % (yn, name, c))
    for name, _d, first, conf in STORAGE_CLASSES:
        yn, c = mark(first, conf)
        out.append("%s torch.%s [%s]" % (yn, name, c))
    for name, _d, first, conf in DTYPE_OBJECTS:
        yn, c = mark(first, conf)
        out.append("%s torch.%s (dtype) [%s]" % (yn, name, c))
    for name, _k, first, conf in TORCH_MISC:
        yn, c = mark(first, conf)
        out.append("%s torch.%s [%s]" % (yn, name, c))
    for mod, first, last, conf in TORCH_MODULES:
        yn, c = mark(first, conf, last)
        out.append("%s module %s [%s]" % (yn, mod, c))
    for full, (first, conf) in sorted(TORCH_NAMED.items()):
        yn, c = mark(first, conf)
        out.append("%s %s [%s]" % (yn, full, c))
    for full, (first, conf) in sorted(NN_LATER.items()):
        yn, c = mark(first, conf)
        out.append("%s %s [%s]" % (yn, full, c))
    return out
