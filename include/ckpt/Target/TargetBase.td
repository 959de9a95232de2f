//===- TargetBase.td - The vocabulary of PyTorch releases -*- tablegen -*--===//
//
// Part of ckpt-migrate. Include this from a release file:
//
//   include "ckpt/Target/TargetBase.td"
//
// A PyTorch release is a record deriving from Release<"version", Base>: it
// starts as a copy of Base (an older release, or NoRelease for the oldest)
// and states only what changed, with `add<Field>`/`remove<Field>` lists and
// `let` for the scalars:
//
//   def Torch_1_2 : Release<"1.2", Torch_1_1> {
//     let addStorageClasses = ["BoolStorage"];
//     let addDTypes = ["bool"];
//   }
//
// `ckpt-tblgen -gen-target-tables` turns the releases into the constexpr
// TargetSpec tables of ckpt/Target/TargetSpec.h (one field per field below),
// in definition order, which must be ascending by version;
// `-gen-target-docs` writes their Markdown reference. Every name is checked:
// dtypes against the IR names of ckpt/IR/DTypes.def, storage classes against
// its storage classes, containers, tensor and parameter forms against the
// lists below, module and object classes against their module prefixes.
//
//===----------------------------------------------------------------------===//

/// Everything a release reads and writes; the fields of TargetSpec.
class TargetFacts {
  /// Containers torch.load reads: "tar", "legacy", "zip".
  list<string> containers = [];
  /// Container torch.save writes by default (one of `containers`).
  string defaultContainer = "";
  /// Highest zip `version` record the reader accepts; 0 without "zip".
  int maxZipVersion = 0;
  /// Functions of torch._utils and torch._tensor the unpickler resolves, by
  /// unqualified name ("_rebuild_tensor_v2", "_rebuild_from_type_v2").
  list<string> rebuildFunctions = [];
  /// Storage classes of module torch ("FloatStorage", "UntypedStorage").
  list<string> storageClasses = [];
  /// Other globals it resolves, in full ("torch.Size", "torch.float32").
  list<string> torchGlobals = [];
  /// dtypes it has, by IR name ("f32", "bf16", ...; "untyped" for the byte
  /// storage of torch.UntypedStorage).
  list<string> dtypes = [];
  /// How it pickles a tensor: "tensor_v1" (_rebuild_tensor) or "tensor"
  /// (_rebuild_tensor_v2).
  string tensorForm = "";
  /// How it pickles an nn.Parameter: "parameter_legacy" (Variable era),
  /// "tensor" (0.4.0: as a plain tensor), "parameter_call"
  /// (Parameter(data, requires_grad)) or "parameter" (_rebuild_parameter).
  string parameterForm = "";
  /// Device location tags its loader restores ("cpu", "cuda" for cuda:N).
  list<string> locations = [];
  /// Whether state dicts carry `_metadata` with module versions.
  bit hasModuleVersions = false;
  /// Whether optimizers keep `step` as a tensor.
  bit tensorOptimizerStep = false;
  /// Param-group keys its optimizers know, as "optimizer:key".
  list<string> paramGroupKeys = [];
  /// Whether torch.load defaults to weights_only=True.
  bit weightsOnlyDefault = false;
  /// Highest pickle protocol its Python reads.
  int maxPickleProtocol = 2;
  /// The torch module classes (torch.nn.Module subclasses, and the few
  /// torch.nn functions pickled with them) a whole pickled model may name, in
  /// full, under the module path this release defines them in
  /// ("torch.nn.modules.conv.Conv2d", "torch.nn.parallel.data_parallel.
  /// DataParallel", "torch.quantization.stubs.QuantStub"). Not part of the
  /// weights-only allowlist.
  list<string> moduleClasses = [];
  /// Other torch classes pickled whole ("torch.optim.adam.Adam",
  /// "torch.optim.lr_scheduler.StepLR", "torch.autograd.variable.Variable").
  /// Not part of the weights-only allowlist.
  list<string> objectClasses = [];
  /// The records torch.save writes into a zip archive besides data.pkl,
  /// data/* and version (ckpt/Container/ZipRecords.def): "byteorder",
  /// ".data/serialization_id", ".format_version", ".storage_alignment".
  list<string> zipRecords = [];
}

/// The empty starting point of the oldest release. Not a release itself.
def NoRelease : TargetFacts;

/// A release: \p Base's facts plus the `add*` lists, minus the `remove*`
/// lists; `let` a scalar field to change it. Version is "N.N" or "N.N.N".
class Release<string V, TargetFacts Base> : TargetFacts {
  string version = V;
  /// The release this one is described relative to.
  TargetFacts base = Base;
  /// One line for the docs: what this release changed.
  string summary = "";

  list<string> addContainers = [];
  list<string> removeContainers = [];
  list<string> addRebuildFunctions = [];
  list<string> removeRebuildFunctions = [];
  list<string> addStorageClasses = [];
  list<string> removeStorageClasses = [];
  list<string> addTorchGlobals = [];
  list<string> removeTorchGlobals = [];
  list<string> addDTypes = [];
  list<string> removeDTypes = [];
  list<string> addLocations = [];
  list<string> removeLocations = [];
  list<string> addParamGroupKeys = [];
  list<string> removeParamGroupKeys = [];
  list<string> addModuleClasses = [];
  list<string> removeModuleClasses = [];
  list<string> addObjectClasses = [];
  list<string> removeObjectClasses = [];
  list<string> addZipRecords = [];
  list<string> removeZipRecords = [];

  let containers = !listremove(!listconcat(Base.containers, addContainers),
                               removeContainers);
  let rebuildFunctions =
      !listremove(!listconcat(Base.rebuildFunctions, addRebuildFunctions),
                  removeRebuildFunctions);
  let storageClasses =
      !listremove(!listconcat(Base.storageClasses, addStorageClasses),
                  removeStorageClasses);
  let torchGlobals = !listremove(!listconcat(Base.torchGlobals, addTorchGlobals),
                                 removeTorchGlobals);
  let dtypes = !listremove(!listconcat(Base.dtypes, addDTypes), removeDTypes);
  let locations = !listremove(!listconcat(Base.locations, addLocations),
                              removeLocations);
  let paramGroupKeys =
      !listremove(!listconcat(Base.paramGroupKeys, addParamGroupKeys),
                  removeParamGroupKeys);
  let moduleClasses =
      !listremove(!listconcat(Base.moduleClasses, addModuleClasses),
                  removeModuleClasses);
  let objectClasses =
      !listremove(!listconcat(Base.objectClasses, addObjectClasses),
                  removeObjectClasses);
  let zipRecords = !listremove(!listconcat(Base.zipRecords, addZipRecords),
                               removeZipRecords);

  let defaultContainer = Base.defaultContainer;
  let maxZipVersion = Base.maxZipVersion;
  let tensorForm = Base.tensorForm;
  let parameterForm = Base.parameterForm;
  let hasModuleVersions = Base.hasModuleVersions;
  let tensorOptimizerStep = Base.tensorOptimizerStep;
  let weightsOnlyDefault = Base.weightsOnlyDefault;
  let maxPickleProtocol = Base.maxPickleProtocol;
}

/// The classes \p Names of module \p Module, in full: "module.Name".
class ClassesOf<string Module, list<string> Names> {
  list<string> names = !foreach(N, Names, Module # "." # N);
}

/// The param-group keys of optimizer \p Opt: "opt:key" for every key.
class OptimizerKeys<string Opt, list<string> Keys> {
  list<string> keys = !foreach(K, Keys, Opt # ":" # K);
}
