//===- passes.td - ckpt-migrate passes and pipelines ------*- tablegen -*-===//
//
// The project's migration passes and pipelines, in the vocabulary of
// include/ckpt/Passes/PassBase.td. ckpt-tblgen turns this file into the
// built-in pass registry (PassRegistry.inc), the declarations of C++ passes
// (PassDecls.inc) and docs/Passes.md; every output lists passes and
// pipelines in the order they are defined here.
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

//===----------------------------------------------------------------------===//
// Renames
//===----------------------------------------------------------------------===//

def StripPrefix : Pass<"strip-prefix"> {
  let summary = "Removes a prefix from state-dict keys";
  let description = [{
    `torch.nn.DataParallel` and `DistributedDataParallel` save the wrapped
    module's state under `module.`, so a model loaded without the wrapper
    finds none of its keys. This pass renames `module.x` to `x` (or strips
    another `prefix`), renaming the matching `_metadata` entries in step.
    Keys without the prefix are left alone; a rename onto an existing key is
    an error.
  }];
  let options = [
    Option<"prefix", "string", "module.", "The prefix to remove">
  ];
  let rules = [RenameKeys<"^${prefix:regex}(.*)$", "\\1">];
}

def AddPrefix : Pass<"add-prefix"> {
  let summary = "Adds a prefix to every state-dict key";
  let description = [{
    The inverse of `strip-prefix`: makes a plain model's state dict loadable
    into a model wrapped in `DataParallel` (`prefix=module.`) or nested under
    a parent module. `_metadata` prefixes move with the keys.
  }];
  let options = [
    Option<"prefix", "string", "module.", "The prefix to add">
  ];
  let rules = [RenameKeys<"^(.*)$", "${prefix}\\1">];
}

def RenameKeysPass : Pass<"rename-keys"> {
  let summary = "Renames state-dict keys with a regular expression";
  let description = [{
    Every key matching `from` (and `scope`, when given) is rewritten to `to`,
    where `\1`..`\9` name `from`'s groups; `_metadata` prefixes are renamed in
    step. Renaming onto an existing key is an error.
  }];
  let options = [
    Option<"from", "string", "", "Regex matched against each key">,
    Option<"to", "string", "", "Replacement, with \\1..\\9 for groups">,
    Option<"scope", "string", "", "Only keys matching this regex (all when empty)">
  ];
  let rules = [RenameKeys<"${from}", "${to}", "${scope}">];
}

def DropKeysPass : Pass<"drop-keys"> {
  let summary = "Drops state-dict entries whose key matches a regex";
  let description = [{
    Also drops the same entries from the `_parameters` and `_buffers` of
    pickled modules, whose keys are their dotted module paths.
  }];
  let options = [
    Option<"pattern", "string", "", "Regex matched against each key">
  ];
  let rules = [DropKeys<"${pattern}">];
}

def RenameGlobalPass : Pass<"rename-global"> {
  let summary = "Renames a pickled global (a class or function that moved)";
  let description = [{
    For whole pickled models whose class moved between modules
    (`ModuleNotFoundError: No module named 'models'`): every reference to the
    global `from` (`module.Name`) becomes `to`.
  }];
  let options = [
    Option<"from", "string", "", "The global as module.Name">,
    Option<"to", "string", "", "Its new module.Name">
  ];
  let rules = [RenameGlobal<"${from}", "${to}">];
}

def RenameModulePass : Pass<"rename-module"> {
  let summary = "Renames a Python module (and its submodules) in every global";
  let options = [
    Option<"from", "string", "", "The module, e.g. models">,
    Option<"to", "string", "", "Its new name, e.g. yolov5.models">
  ];
  let rules = [RenameModule<"${from}", "${to}">];
}

def RenameAttributePass : Pass<"rename-attribute"> {
  let summary = "Renames an attribute of pickled objects of a class";
  let options = [
    Option<"class", "string", "", "Regex on the object's module.Class">,
    Option<"from", "string", "", "The attribute's name">,
    Option<"to", "string", "", "Its new name">
  ];
  let rules = [RenameAttribute<"${class}", "${from}", "${to}">];
}

def DropAttributePass : Pass<"drop-attribute"> {
  let summary = "Drops an attribute from pickled objects of a class";
  let options = [
    Option<"class", "string", "", "Regex on the object's module.Class">,
    Option<"attr", "string", "", "The attribute's name">
  ];
  let rules = [DropAttribute<"${class}", "${attr}">];
}

def DropMetadataPass : Pass<"drop-metadata"> {
  let summary = "Removes the _metadata attribute of every state dict";
  let description = [{
    Without `_metadata`, PyTorch 0.4.1+ treats every module as written by its
    oldest version and upgrades it on load (BatchNorm re-creates
    `num_batches_tracked`); PyTorch 0.4.0 and older never read it.
  }];
  let rules = [DropMetadata];
}

def DropNumBatchesTracked : Pass<"drop-num-batches-tracked"> {
  let summary = "Removes BatchNorm's num_batches_tracked (for PyTorch <= 0.4.0)";
  let description = [{
    PyTorch 0.4.1 added the `num_batches_tracked` buffer to BatchNorm and
    bumped its module version to 2; 0.4.0's strict `load_state_dict` rejects
    it (`Unexpected key(s) in state_dict: "bn1.num_batches_tracked"`). This
    pass records version 1 for the BatchNorms that had the buffer, then drops
    the buffer from state dicts and from pickled modules.
  }];
  let rules = [
    SetMetadataVersion<".*", 1, 2, "num_batches_tracked">,
    DropKeys<"(^|\\.)num_batches_tracked$">
  ];
}

def DropRecordPass : Pass<"drop-record"> {
  let summary = "Drops a zip record (byteorder, .data/serialization_id, ...)";
  let options = [
    Option<"name", "string", "", "The record's name inside the archive root">
  ];
  let rules = [DropRecord<"${name}">];
}

//===----------------------------------------------------------------------===//
// Optimizer state
//===----------------------------------------------------------------------===//

def OptimStepToNumber : Pass<"optim-step-to-number"> {
  let summary = "Turns optimizer `step` tensors back into numbers (< 1.12)";
  let description = [{
    PyTorch 1.12 stores Adam/AdamW/Adagrad/... `state[p]['step']` as a 0-dim
    float tensor; older optimizers do arithmetic with it as a Python number.
  }];
  let rules = [OptimizerStepToNumber];
}

def OptimStepToTensor : Pass<"optim-step-to-tensor"> {
  let summary = "Turns optimizer `step` numbers into 0-dim tensors (1.12+)";
  let options = [
    Option<"dtype", "string", "f32", "Tensor dtype: f32, f64 or i64">
  ];
  let rules = [OptimizerStepToTensor<"${dtype}">];
}

def OptimGroupAdd : Pass<"optim-group-add"> {
  let summary = "Adds a key with a default to optimizer param_groups lacking it";
  let options = [
    Option<"key", "string", "", "The param_group key">,
    Option<"value", "string", "None", "Its value: None, True, False, a number or a \"string\"">
  ];
  let rules = [AddParamGroupKey<"${key}", "${value}">];
}

def OptimGroupDrop : Pass<"optim-group-drop"> {
  let summary = "Removes a key from every optimizer param_group";
  let options = [
    Option<"key", "string", "", "The param_group key">
  ];
  let rules = [DropParamGroupKey<"${key}">];
}

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

def UnwrapDataParallel : Pipeline<"unwrap-data-parallel"> {
  let summary = "Makes a DataParallel/DDP checkpoint load into the bare model";
  let description = [{
    Fixes `Missing key(s) ... Unexpected key(s) ... "module.conv1.weight"`:
    strips `module.` from every key and `_metadata` prefix, in the top-level
    state dict and in any nested one (`{'model': ..., 'optimizer': ...}`).
  }];
  let passes = "strip-prefix{prefix=module.}";
}

def OptimizerBefore112 : Pipeline<"optimizer-before-1.12"> {
  let summary = "Optimizer state as PyTorch before 1.12 keeps it";
  let description = [{
    PyTorch 1.12 made `step` a tensor and added param_group keys
    (`foreach`, `capturable`, `differentiable`, `fused`); older optimizers
    do integer arithmetic on `step`, and ignore the extra keys, which are
    dropped anyway so the state looks as an older release wrote it.
  }];
  let passes = "optim-step-to-number,optim-group-drop{key=capturable},optim-group-drop{key=differentiable},optim-group-drop{key=fused},optim-group-drop{key=foreach}";
}

def BatchNormBefore041 : Pipeline<"batchnorm-before-0.4.1"> {
  let summary = "BatchNorm state as PyTorch 0.4.0 and older keep it";
  let passes = "drop-num-batches-tracked";
}

//===----------------------------------------------------------------------===//
// Passes implemented in C++
//===----------------------------------------------------------------------===//

def WidenDType : Pass<"widen-dtype"> {
  let summary = "Converts tensors of a dtype an older release lacks, exactly";
  let description = [{
    Rewrites every storage of dtype `from` into dtype `to` and retypes the
    tensors that view it; an untyped storage (torch 2.x's form for the
    dtypes without a storage class) is converted when the tensors that view
    it are all of dtype `from`, and its tensors are then pickled with
    `_rebuild_tensor_v2` if `to` has a storage class. Only exact conversions
    are offered, checked bit pattern by bit pattern with LLVM's APFloat:
    `bf16`, `f16` -> `f32`, `f64`; `f32` -> `f64`; the float8 family
    (`f8e4m3fn`, `f8e5m2`, `f8e4m3fnuz`, `f8e5m2fnuz`) -> `f16`, `f32`,
    `f64`; `f8e8m0fnu` -> `f32`, `f64`; `bool` -> `u8` (0/1 bytes, as
    PyTorch before 1.2 stored masks); `u16` -> `i32`, `i64`; `u32` -> `i64`;
    `c32` -> `c64`, `c128`; `c64` -> `c128`; and `u64` -> `i64`, which
    refuses, naming the storage and element, a value of 2^63 or more.
    Storage sharing, shapes, strides and offsets are kept.
  }];
  let options = [
    Option<"from", "string", "bf16", "The dtype to convert (IR name)">,
    Option<"to", "string", "f32", "The dtype to convert it to (IR name)">
  ];
  let statistics = [
    Statistic<"storages-widened", "Storages converted">,
    Statistic<"tensors-retyped", "Tensors whose dtype changed">
  ];
  let constructor = "ckpt::createWidenDTypePass";
}

def WidenForRelease : Pass<"widen-for-release"> {
  let summary = "Widens every dtype a release lacks to one it has, exactly";
  let description = [{
    For each dtype present that `release` does not have (Versions.td), the
    first of its exact widenings (see `widen-dtype`) that `release` has:
    float8 -> `f16`, `u16` -> `i32`, `u32` and `u64` -> `i64`, `c32` ->
    `c64`, `bf16` -> `f32` for releases before 1.0, ... Dtypes with no exact
    widening the release has (the bits and quantized types) are left for the
    target verifier, which names their tensors. Each conversion is reported
    under `-stats`.
  }];
  let options = [
    Option<"release", "string", "1.13", "The release the tensors are for">
  ];
  let statistics = [
    Statistic<"storages-widened", "Storages converted">,
    Statistic<"tensors-retyped", "Tensors whose dtype changed">
  ];
  let constructor = "ckpt::createWidenForReleasePass";
}

def DropSchedulerLambdas : Pass<"drop-scheduler-lambdas"> {
  let summary = "Drops LambdaLR's `lr_lambdas` entries of None";
  let description = [{
    Newer LambdaLR/MultiplicativeLR state dicts save `lr_lambdas: [None]` for
    plain functions; older releases `__dict__.update` the state and would
    overwrite the scheduler's callables with None. Drops every `lr_lambdas`
    entry whose elements are all None.
  }];
  let statistics = [
    Statistic<"lr-lambdas-dropped", "lr_lambdas entries of None dropped">
  ];
  let constructor = "ckpt::createDropSchedulerLambdasPass";
}

def StripModuleAttributes : Pass<"strip-module-attributes"> {
  let summary = "Drops the nn.Module attributes an older release never had";
  let description = [{
    Every `torch.nn.Module` pickled whole carries the bookkeeping attributes
    its release's `Module.__init__` sets: `_non_persistent_buffers_set`
    (1.6), `_is_full_backward_hook` (1.8), `_load_state_dict_post_hooks`,
    `_state_dict_pre_hooks`, `_forward_hooks_with_kwargs`,
    `_forward_pre_hooks_with_kwargs`, `_backward_pre_hooks` (2.x),
    `_forward_hooks_always_called`, ... An older release's Module never reads
    them. This pass drops, from every pickled module (an object whose state
    has `_parameters` and `_modules`, user classes included), those that
    `release` did not have yet; the attributes of the module classes
    themselves (`padding_mode`, `inplace`, ...) are left alone. Where the
    first release of an attribute is uncertain the earliest plausible one is
    assumed, so that an attribute `release` reads is never dropped.
  }];
  let options = [
    Option<"release", "string", "0.4.0", "The release the modules are for">
  ];
  let statistics = [
    Statistic<"modules-changed", "Pickled modules that lost attributes">,
    Statistic<"attributes-dropped", "Attributes dropped">
  ];
  let constructor = "ckpt::createStripModuleAttributesPass";
}

def Select : Pass<"select"> {
  let summary = "Makes one entry of the root mapping the whole checkpoint";
  let description = [{
    A training checkpoint holds the model's state dict beside optimizer
    state, epochs and configs; a safetensors file holds tensors only.
    `select{key=model}` makes `root['model']` the checkpoint (to write it
    with `-format=safetensors`, say); every other entry of the root is
    dropped, counted and listed under `-stats`.
  }];
  let options = [
    Option<"key", "string", "", "The key of the root mapping to keep">
  ];
  let statistics = [
    Statistic<"entries-dropped", "Root entries dropped">
  ];
  let constructor = "ckpt::createSelectPass";
}

def ZeroDimTo1D : Pass<"zero-dim-to-1d"> {
  let summary = "Reshapes 0-dim tensors to size [1] (for PyTorch <= 0.3)";
  let description = [{
    PyTorch 0.3 and older have no 0-dim tensors: a scalar is a tensor of one
    element. Every 0-dim tensor becomes size [1], stride [1], on the same
    storage element; its value is unchanged.
  }];
  let statistics = [
    Statistic<"tensors-reshaped", "0-dim tensors made size [1]">
  ];
  let constructor = "ckpt::createZeroDimTo1DPass";
}

//===----------------------------------------------------------------------===//
// Migration pipelines (each names the release it targets: the writer encodes
// for it and the target verifier must accept the result before anything is
// written).
//===----------------------------------------------------------------------===//

def Downgrade040 : Pipeline<"downgrade-0.4.0"> {
  let summary = "Makes a 0.4.1+ checkpoint loadable by PyTorch 0.4.0";
  let description = [{
    Legacy container, `_rebuild_tensor_v2` tensors, Parameters saved as 0.4.0
    saved them (plain tensors); BatchNorm's `num_batches_tracked` dropped and
    its `_metadata` version brought back to 1; optimizer `step` back to a
    number and the param_group keys of 1.12+ removed; bfloat16 widened to
    float32 and bool to uint8, exactly; LambdaLR `lr_lambdas` of None
    dropped; the Module attributes of later releases dropped from whole
    pickled models. Complex and quantized tensors, and module classes 0.4.0
    does not have, are refused by the verifier.
  }];
  let passes = "drop-num-batches-tracked,optimizer-before-1.12,widen-dtype{from=bf16,to=f32},widen-dtype{from=bool,to=u8},drop-scheduler-lambdas,strip-module-attributes{release=0.4.0}";
  let target = "0.4.0";
}

def Downgrade10 : Pipeline<"downgrade-1.0"> {
  let summary = "Makes a newer checkpoint loadable by PyTorch 1.0";
  let passes = "optimizer-before-1.12,widen-dtype{from=bf16,to=f32},widen-dtype{from=bool,to=u8},drop-scheduler-lambdas";
  let target = "1.0";
}

def Downgrade15 : Pipeline<"downgrade-1.5"> {
  let summary = "Makes a 1.6+ checkpoint loadable by PyTorch 1.3 - 1.5";
  let description = [{
    The legacy container instead of zip (1.3 cannot read zip, 1.4 only zip
    version 2), the 1.12+ optimizer layout taken back, LambdaLR `lr_lambdas`
    of None dropped.
  }];
  let passes = "optimizer-before-1.12,drop-scheduler-lambdas";
  let target = "1.5";
}

def Downgrade03 : Pipeline<"downgrade-0.3"> {
  let summary = "Makes a checkpoint loadable by PyTorch 0.3";
  let description = [{
    `_rebuild_tensor` tensors (no requires_grad, no hooks), 0.3-style
    Parameters, no `num_batches_tracked`, numeric optimizer steps, exact
    dtype widening, 0-dim tensors (which 0.3 cannot hold) reshaped to [1],
    the Module attributes of later releases dropped from whole pickled
    models.
  }];
  let passes = "drop-num-batches-tracked,drop-metadata,optimizer-before-1.12,widen-dtype{from=bf16,to=f32},widen-dtype{from=bool,to=u8},drop-scheduler-lambdas,zero-dim-to-1d,strip-module-attributes{release=0.3}";
  let target = "0.3";
}

def Downgrade113 : Pipeline<"downgrade-1.13"> {
  let summary = "Makes a torch 2.x checkpoint loadable by PyTorch 1.13";
  let description = [{
    For torch 1.13 with numpy 1.x under Python 3.11 (Debian 12, and many
    pinned deployments): the dtypes 1.13 lacks widened exactly
    (`widen-for-release`: float8 -> float16, uint16 -> int32, uint32 and
    uint64 -> int64, complex32 -> complex64; a uint64 of 2^63 or more is
    refused, naming its storage), their tensors pickled with
    `_rebuild_tensor_v2` again; numpy 2's `numpy._core` globals back to
    `numpy.core`; Python 3.13's `pathlib._local` paths back to `pathlib`;
    the Module attributes of 2.x dropped from whole pickled models; and the
    zip records 1.13 does not write (`byteorder`,
    `.data/serialization_id`, `.format_version`, `.storage_alignment`) left
    out. The bits dtypes, which 1.13 has no counterpart for, are refused by
    the verifier.
  }];
  let passes = "widen-for-release{release=1.13},rename-module{from=numpy._core,to=numpy.core},rename-module{from=pathlib._local,to=pathlib},strip-module-attributes{release=1.13}";
  let target = "1.13";
}

def WeightsOnlyCompat : Pass<"weights-only-compat"> {
  let summary = "Replaces objects weights_only loading refuses with plain data";
  let description = [{
    PyTorch 2.6 made `torch.load(weights_only=True)` the default; checkpoints
    holding numpy objects fail with `Unsupported global: GLOBAL
    numpy.core.multiarray.scalar`. This pass turns numpy scalars into Python
    numbers, numpy arrays into tensors, `argparse.Namespace` into a dict and
    `torch.torch_version.TorchVersion` into a str. What it cannot convert is
    left for the target verifier to name.
  }];
  let statistics = [
    Statistic<"numpy-scalars", "numpy scalars made Python numbers">,
    Statistic<"numpy-arrays", "numpy arrays made tensors">,
    Statistic<"namespaces", "argparse.Namespace objects made dicts">,
    Statistic<"versions", "TorchVersion objects made str">
  ];
  let constructor = "ckpt::createWeightsOnlyCompatPass";
}

def ObjectsToStateDicts : Pass<"objects-to-state-dicts"> {
  let summary = "Replaces whole pickled modules and optimizers by their state dicts";
  let description = [{
    `torch.save(model)` and `torch.save({'model': model, 'optimizer': opt})`
    pickle the objects themselves, which `torch.load(weights_only=True)`
    refuses (`Unsupported global: GLOBAL __main__.Net`). Each `nn.Module`
    (an object whose state has `_parameters`, `_buffers` and `_modules`)
    that is the root, or a value of a root dict, list or tuple, becomes what
    torch 1.13's `module.state_dict()` returns: an OrderedDict of the
    detached parameters and persistent buffers under their dotted names, in
    torch's order, with `_metadata` holding each module's `_version` (2 for
    BatchNorm and InstanceNorm, and for user modules with a
    `num_batches_tracked` buffer; 1 otherwise). Each `torch.optim` optimizer
    there becomes `optimizer.state_dict()`: parameters numbered in order of
    appearance across `param_groups`, `state` keyed by those numbers.
    Objects that cannot be converted faithfully (state-dict hooks, torch
    classes outside `torch.nn.modules`, a parameter that is not a tensor, an
    optimizer state keyed by an unknown parameter) are left for the target
    verifier to name. No tensor is dropped: one a module holds outside
    `state_dict()` (a non-persistent buffer, a plain attribute, inside
    another object) is kept in the state dict's `_extra_tensors` attribute
    (beside `_metadata`; `sd._extra_tensors['block.gain']` after loading),
    under its attribute path, which `load_state_dict` never reads; each is
    listed by `-stats`.
  }];
  let statistics = [
    Statistic<"modules", "Pickled modules made state dicts">,
    Statistic<"optimizers", "Pickled optimizers made state dicts">,
    Statistic<"extra-tensors", "Tensors outside state_dict() kept in _extra_tensors">
  ];
  let constructor = "ckpt::createObjectsToStateDictsPass";
}

def PlainData : Pass<"plain-data"> {
  let summary = "Replaces every object weights_only refuses by plain data, by declared rules";
  let description = [{
    Walks the whole graph and replaces each value that `torch.load(
    weights_only=True)` of `release` refuses by plain data it accepts, by
    these rules (each counted, and listed by `-stats` with its path, old
    type and new type):

    - `omegaconf`: `DictConfig`/`ListConfig` become a dict/list of their
      values; value nodes become their value (interpolations and `???`
      stay strings).
    - `paths`: `pathlib` paths (`PosixPath`, `WindowsPath`, the `Pure*`
      forms, Python 3.13's `pathlib._local`) become their string.
    - `defaultdicts`: `collections.defaultdict` becomes a dict of its items.
    - `numpy-dtypes`: a numpy dtype becomes its name (`"float32"`).
    - `partials`: `functools.partial` becomes `{"function": "module.name",
      "args": [...], "keywords": {...}}`.
    - `enums`: a call of a class with one scalar argument and no state (how
      an `enum.Enum` member pickles) becomes that argument.
    - `classes`: a class or function stored as a value (`'arch':
      models.CNN`) becomes its qualified name, `"models.CNN"`.
    - `objects`: any other object with a `__dict__` state (user classes,
      nn.Modules below the top that `objects-to-state-dicts` leaves, their
      tensors included) becomes the dict of that state, converted in turn;
      one built from arguments only becomes `{"args": [...]}`; a dict or list
      subclass becomes the dict or list of its items (attributes, if any,
      under `"__dict__"`; a list's as `{"items": [...], "__dict__": {...}}`). Classes the legacy and tar formats save
      as persistent ids count as `classes`.
    - `frozensets`: a frozenset becomes a set (weights_only builds sets
      only).
    - `tensor-subclasses`: a tensor of a user subclass (`_rebuild_from_type_v2`)
      becomes the plain tensor (same bytes, shape and hooks).

    Values the allowlist accepts (tensors, torch dtypes and sizes,
    OrderedDict, ...) are kept as they are; a value shared by two parents
    is converted once and stays shared. No tensor is dropped: tensors inside
    converted objects stay where their attribute path puts them.
  }];
  let options = [
    Option<"release", "string", "2.6", "The release whose weights_only allowlist decides">
  ];
  let statistics = [
    Statistic<"omegaconf", "omegaconf containers made dicts and lists">,
    Statistic<"paths", "pathlib paths made str">,
    Statistic<"defaultdicts", "defaultdicts made dicts">,
    Statistic<"numpy-dtypes", "numpy dtypes made str">,
    Statistic<"partials", "functools.partial objects described as dicts">,
    Statistic<"enums", "enum-like values made their value">,
    Statistic<"classes", "classes and functions stored as values made str">,
    Statistic<"objects", "other objects made the dict of their state">,
    Statistic<"tensor-subclasses", "tensors of user subclasses made plain tensors">,
    Statistic<"frozensets", "frozensets made sets">
  ];
  let constructor = "ckpt::createPlainDataPass";
}

def UpgradeWeightsOnly : Pipeline<"upgrade-weights-only"> {
  let summary = "Makes a checkpoint load with torch.load(weights_only=True) (2.6+)";
  let description = [{
    Whole pickled modules and optimizers become their state dicts
    (`objects-to-state-dicts`); numpy values, `argparse.Namespace` and
    `TorchVersion` become plain data (`weights-only-compat`); everything
    else 2.6 refuses (omegaconf configs, paths, enums, classes stored as
    values, defaultdicts, numpy dtypes, `functools.partial`, user objects)
    becomes plain data by the rules of `plain-data`.
  }];
  let passes = "objects-to-state-dicts,weights-only-compat,plain-data";
  let target = "2.6";
}

def StateDictsToDicts : Pass<"state-dicts-to-dicts"> {
  let summary = "Turns OrderedDict state dicts into plain dicts (drops _metadata)";
  let description = [{
    libtorch's `torch::pickle_load` reads plain dicts only (`Expected
    GenericDict but got None` on an OrderedDict). Keys keep their order.
  }];
  let statistics = [
    Statistic<"state-dicts-converted", "State dicts made plain dicts">
  ];
  let constructor = "ckpt::createStateDictsToDictsPass";
}

def ParametersToTensors : Pass<"parameters-to-tensors"> {
  let summary = "Replaces every nn.Parameter by its tensor (requires_grad kept)";
  let statistics = [
    Statistic<"parameters-unwrapped", "Parameters replaced by their tensors">
  ];
  let constructor = "ckpt::createParametersToTensorsPass";
}

def LibtorchPortable : Pipeline<"libtorch-portable"> {
  let summary = "What C++ torch::pickle_load reads: zip, plain dicts and tensors";
  let description = [{
    For C++ users: a zip archive whose pickle holds only plain dicts, lists
    and tensors (no OrderedDict, no `_metadata`, no Parameters), which
    libtorch 1.13's `torch::pickle_load` loads.
  }];
  let passes = "state-dicts-to-dicts,parameters-to-tensors";
  let target = "1.13";
}
