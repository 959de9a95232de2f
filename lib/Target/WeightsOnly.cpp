//===- WeightsOnly.cpp - torch's weights_only allowlist -------------------===//
//
// Part of ckpt-migrate. Mirrors _get_allowed_globals() of
// torch/_weights_only_unpickler.py (2.6): fixed names, every dtype and
// qscheme, the tensor and storage classes, the rebuild functions; each
// restricted to what the release's description says exists.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Target/WeightsOnly.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <string>

using namespace llvm;

namespace ckpt {
namespace {

/// Names every weights_only release allows, whatever its description says.
const StringLiteral FixedGlobals[] = {"collections.OrderedDict",
                                      "collections.Counter",
                                      "torch.nn.parameter.Parameter",
                                      "torch.Size",
                                      "torch.Tensor",
                                      "torch.device",
                                      "_codecs.encode",
                                      "builtins.bytearray",
                                      "builtins.set",
                                      "builtins.complex"};

/// Allowed names that Versions.td does not describe: the symmetric qschemes
/// and the sub-byte dtypes of 2.6 (formats.md 3.6), TypedStorage.
const StringLiteral ExtraTorchNames[] = {"per_tensor_symmetric",
                                         "per_channel_symmetric",
                                         "TypedStorage",
                                         "uint1",
                                         "uint2",
                                         "uint3",
                                         "uint4",
                                         "uint5",
                                         "uint6",
                                         "uint7",
                                         "int1",
                                         "int2",
                                         "int3",
                                         "int4",
                                         "int5",
                                         "int6",
                                         "int7"};

/// torch._utils functions of _tensor_rebuild_functions() (2.6).
const StringLiteral RebuildFunctions[] = {
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_qtensor",
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_sparse_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor",
    "_rebuild_wrapper_subclass",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor"};

/// Rebuild functions on the allowlist that Versions.td does not describe.
const StringLiteral UndescribedRebuildFunctions[] = {
    "_rebuild_device_tensor_from_numpy"};

/// Layouts are torch globals of the description but not on the allowlist
/// (they are pickled through torch.serialization._get_layout).
const StringLiteral Layouts[] = {"torch.strided", "torch.sparse_coo",
                                 "torch.sparse_csr", "torch._mkldnn"};

/// The legacy tensor classes (torch._tensor_classes), by element type.
const StringLiteral TensorTypes[] = {"Double", "Float", "Half",  "BFloat16",
                                     "Long",   "Int",   "Short", "Char",
                                     "Byte",   "Bool"};

/// Modules weights_only never allows (_blocklisted_modules).
const StringLiteral BlockedModules[] = {"sys", "os", "posix", "nt"};

/// Python 2 module names, as _compat_pickle.IMPORT_MAPPING maps them.
StringRef mapPython2Module(StringRef M) {
  if (M == "__builtin__" || M == "exceptions")
    return "builtins";
  if (M == "copy_reg")
    return "copyreg";
  return M;
}

bool isTensorClass(const TargetSpec &T, StringRef Module, StringRef Name) {
  if (Module != "torch" && Module != "torch.cuda" && Module != "torch.sparse" &&
      Module != "torch.cuda.sparse")
    return false;
  if (!Name.consume_back("Tensor") || !is_contained(TensorTypes, Name))
    return false;
  if (Module.ends_with("sparse") && Name == "Bool")
    return false;
  return is_contained(T.StorageClasses, (Name + "Storage").str());
}

} // namespace

bool hasWeightsOnly(const TargetSpec &T) {
  ArrayRef<TargetSpec> All = getTargetSpecs();
  const TargetSpec *First = lookupTarget("1.13");
  if (!First)
    return T.WeightsOnlyDefault;
  return &T >= First && &T < All.end();
}

const TargetSpec &getWeightsOnlyRelease(const TargetSpec &T) {
  if (hasWeightsOnly(T))
    return T;
  return getTargetSpecs().back();
}

WeightsOnlyStatus classifyWeightsOnlyGlobal(const TargetSpec &T,
                                            StringRef Module, StringRef Name) {
  Module = mapPython2Module(Module);
  if (is_contained(BlockedModules, Module))
    return WeightsOnlyStatus::BlockedModule;
  std::string Q = (Module + "." + Name).str();
  auto Yes = [](bool B) {
    return B ? WeightsOnlyStatus::Allowed : WeightsOnlyStatus::NotAllowed;
  };
  if (is_contained(FixedGlobals, Q))
    return WeightsOnlyStatus::Allowed;
  if (Module == "torch.serialization")
    return Yes(Name == "_get_layout" && is_contained(T.TorchGlobals, Q));
  if (Module == "torch._utils")
    return Yes(is_contained(RebuildFunctions, Name) &&
               (is_contained(T.RebuildFunctions, Name) ||
                is_contained(UndescribedRebuildFunctions, Name)));
  if (Module == "torch._tensor")
    return Yes(Name == "_rebuild_from_type_v2" &&
               is_contained(T.RebuildFunctions, Name));
  if (isTensorClass(T, Module, Name))
    return WeightsOnlyStatus::Allowed;
  if (Module == "torch.cuda")
    return Yes(Name.ends_with("Storage") && Name != "UntypedStorage" &&
               is_contained(T.StorageClasses, Name));
  // torch._storage_classes by their __module__: UntypedStorage's is
  // torch.storage.
  if (Module == "torch.storage")
    return Yes(Name == "UntypedStorage" &&
               is_contained(T.StorageClasses, Name));
  if (Module != "torch")
    return WeightsOnlyStatus::NotAllowed;
  // dtypes and qschemes of the description; storage classes; the extras.
  if (is_contained(T.TorchGlobals, Q) && !is_contained(Layouts, Q))
    return WeightsOnlyStatus::Allowed;
  // The allowlist names storage classes by their __module__: `torch` for
  // the typed ones; `torch.UntypedStorage` is refused (checked in 2.6).
  return Yes((is_contained(T.StorageClasses, Name) &&
              Name != "UntypedStorage") ||
             is_contained(ExtraTorchNames, Name));
}

bool isWeightsOnlyAllowed(const TargetSpec &T, StringRef Module,
                          StringRef Name) {
  return classifyWeightsOnlyGlobal(T, Module, Name) ==
         WeightsOnlyStatus::Allowed;
}

bool isWeightsOnlyBuildable(const TargetSpec &T, StringRef Module,
                            StringRef Name) {
  Module = mapPython2Module(Module);
  if ((Module == "_codecs" && Name == "encode") ||
      (Module == "torch.serialization" && Name == "_get_layout"))
    return false;
  return isWeightsOnlyAllowed(T, Module, Name);
}

bool isKnownDangerousGlobal(StringRef Module, StringRef Name) {
  // Whole modules: processes, files, networking, code loading.
  static const StringLiteral Modules[] = {"os",         "posix",
                                          "nt",         "sys",
                                          "subprocess", "commands",
                                          "popen2",     "pty",
                                          "runpy",      "shutil",
                                          "socket",     "webbrowser",
                                          "importlib",  "pickle",
                                          "_pickle",    "cPickle",
                                          "dill",       "marshal",
                                          "code",       "codeop",
                                          "ctypes",     "multiprocessing",
                                          "asyncio",    "bdb",
                                          "pdb",        "timeit",
                                          "platform",   "requests",
                                          "urllib",     "urllib2",
                                          "httplib",    "http",
                                          "aiohttp",    "ftplib",
                                          "telnetlib",  "smtplib",
                                          "tempfile",   "glob",
                                          "pip",        "venv",
                                          "signal",     "_posixsubprocess",
                                          "zipimport",  "pydoc",
                                          "cProfile",   "profile",
                                          "trace",      "doctest",
                                          "imp",        "site"};
  // Single callables that evaluate code or reach arbitrary attributes.
  static const StringLiteral Names[] = {
      "builtins.eval",
      "builtins.exec",
      "builtins.execfile",
      "builtins.compile",
      "builtins.open",
      "builtins.getattr",
      "builtins.setattr",
      "builtins.delattr",
      "builtins.__import__",
      "builtins.globals",
      "builtins.locals",
      "builtins.vars",
      "builtins.input",
      "builtins.breakpoint",
      "builtins.apply",
      "builtins.file",
      "operator.attrgetter",
      "operator.methodcaller",
      "functools.partial",
      "functools.reduce",
      "types.FunctionType",
      "types.CodeType",
      "types.MethodType",
      "io.open",
      "_io.open",
      "io.FileIO",
      "_io.FileIO",
      "pathlib.Path",
      "pathlib.PosixPath",
      "numpy.load",
      "numpy.testing._private.utils.runstring",
      "torch.load",
      "torch.hub.load",
      "torch.serialization.load",
      "torch.jit.load",
      "torch.ops.load_library",
      "torch._C._jit_compile"};
  Module = mapPython2Module(Module);
  StringRef Top = Module.split('.').first;
  if (is_contained(Modules, Top))
    return true;
  return is_contained(Names, (Module + "." + Name).str());
}

} // namespace ckpt
