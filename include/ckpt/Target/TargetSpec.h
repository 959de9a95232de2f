//===- ckpt/Target/TargetSpec.h - What a PyTorch release reads --*- C++ -*-===//
//
// Part of ckpt-migrate. A PyTorch release described as data: which
// containers, rebuild functions, storage classes and dtypes it can read,
// which torch.nn and torch.optim classes it has, what its modules and
// optimizers expect, and how a checkpoint for it is best encoded. Generated
// by `ckpt-tblgen -gen-target-tables` from include/ckpt/Target/Versions.td;
// used by the writer (`-target=`) and the target verifier
// (`-verify-target=`).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TARGET_TARGETSPEC_H
#define CKPT_TARGET_TARGETSPEC_H

#include "ckpt/Support/ReleaseVersion.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <tuple>

namespace ckpt {

/// One PyTorch release.
struct TargetSpec {
  /// "0.4.0", "1.13", "2.6", ...
  llvm::StringRef Version;
  /// Containers torch.load reads: "tar", "legacy", "zip".
  llvm::ArrayRef<llvm::StringRef> Containers;
  /// Container torch.save writes by default ("legacy" or "zip").
  llvm::StringRef DefaultContainer;
  /// Highest zip `version` record the reader accepts (0 when no zip).
  int MaxZipVersion = 0;
  /// Functions of torch._utils (and torch._tensor) the unpickler resolves:
  /// "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_parameter", ...
  llvm::ArrayRef<llvm::StringRef> RebuildFunctions;
  /// Storage classes in module torch: "FloatStorage", "BoolStorage", ...
  llvm::ArrayRef<llvm::StringRef> StorageClasses;
  /// Other globals of torch it resolves ("torch.Size", "torch.device",
  /// "torch.float32", "torch.per_tensor_affine", ...).
  llvm::ArrayRef<llvm::StringRef> TorchGlobals;
  /// dtypes it has, by IR name ("f32", "bf16", ...).
  llvm::ArrayRef<llvm::StringRef> DTypes;
  /// How it pickles a tensor: "tensor_v1" (_rebuild_tensor) or "tensor"
  /// (_rebuild_tensor_v2).
  llvm::StringRef TensorForm;
  /// How it pickles an nn.Parameter: "parameter" (_rebuild_parameter),
  /// "parameter_call" (Parameter(data, rg), 0.4.1), "tensor" (0.4.0 saved
  /// Parameters as plain tensors), "parameter_legacy" (Variable era).
  llvm::StringRef ParameterForm;
  /// Device location tags its loader restores: "cpu", "cuda", ...
  llvm::ArrayRef<llvm::StringRef> Locations;
  /// Whether state dicts carry `_metadata` (0.4.1+) and BatchNorm has
  /// num_batches_tracked with module version 2.
  bool HasModuleVersions = false;
  /// Whether optimizers keep `step` as a tensor (1.12+).
  bool TensorOptimizerStep = false;
  /// Param-group keys the optimizers of this release know, per optimizer
  /// ("adam:amsgrad", "sgd:nesterov", ...).
  llvm::ArrayRef<llvm::StringRef> ParamGroupKeys;
  /// Whether torch.load defaults to weights_only=True (2.6+).
  bool WeightsOnlyDefault = false;
  /// Highest pickle protocol its Python reads (2 for Python 2.7 releases).
  int MaxPickleProtocol = 2;
  /// Module classes whole pickled models may name, in full, under the module
  /// path of this release ("torch.nn.modules.conv.Conv2d",
  /// "torch.quantization.stubs.QuantStub").
  llvm::ArrayRef<llvm::StringRef> ModuleClasses;
  /// Other torch classes pickled whole ("torch.optim.adam.Adam",
  /// "torch.autograd.variable.Variable").
  llvm::ArrayRef<llvm::StringRef> ObjectClasses;
  /// Records torch.save writes into a zip archive besides data.pkl, data/*
  /// and version ("byteorder", ".data/serialization_id", ...; the names of
  /// ckpt/Container/ZipRecords.def).
  llvm::ArrayRef<llvm::StringRef> ZipRecords;
};

/// Every release described in Versions.td, oldest first.
llvm::ArrayRef<TargetSpec> getTargetSpecs();

/// The release named \p Version ("0.4.0", "0.4", "1.13"); null if unknown.
const TargetSpec *lookupTarget(llvm::StringRef Version);


} // namespace ckpt

#endif // CKPT_TARGET_TARGETSPEC_H
