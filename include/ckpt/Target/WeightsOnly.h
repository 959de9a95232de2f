//===- ckpt/Target/WeightsOnly.h - weights_only allowlist -----*- C++ -*-===//
//
// Part of ckpt-migrate. Which globals `torch.load(weights_only=True)` lets a
// pickle name, for a release described in Versions.td: built from the
// release's TargetSpec (torch globals, storage classes, rebuild functions)
// plus the fixed names of torch/_weights_only_unpickler.py (formats.md 3.6).
// Used by the target verifier (`-verify-target`) and the scanner (`-scan`).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TARGET_WEIGHTSONLY_H
#define CKPT_TARGET_WEIGHTSONLY_H

#include "llvm/ADT/StringRef.h"

namespace ckpt {

struct TargetSpec;

/// How torch's weights_only unpickler treats one global.
enum class WeightsOnlyStatus {
  /// On the allowlist: resolved without importing anything else.
  Allowed,
  /// Not on the allowlist: "Unsupported global" unless the user calls
  /// torch.serialization.add_safe_globals.
  NotAllowed,
  /// In a module weights_only never allows, even with add_safe_globals
  /// (sys, os, posix, nt).
  BlockedModule,
};

/// Whether release \p T has `torch.load(weights_only=...)` (1.13 and later).
bool hasWeightsOnly(const TargetSpec &T);

/// The release whose weights_only allowlist judges files for \p T: \p T
/// itself from 1.13 on, else the newest described release (older releases
/// have no weights_only mode to judge against).
const TargetSpec &getWeightsOnlyRelease(const TargetSpec &T);

/// Classifies the global \p Module . \p Name under the weights_only
/// unpickler of \p T. Python 2 module names are mapped as torch does
/// (`__builtin__` -> `builtins`, `copy_reg` -> `copyreg`). \p T should be a
/// release with weights_only (see getWeightsOnlyRelease).
WeightsOnlyStatus classifyWeightsOnlyGlobal(const TargetSpec &T,
                                            llvm::StringRef Module,
                                            llvm::StringRef Name);

/// Whether classifyWeightsOnlyGlobal gives Allowed.
bool isWeightsOnlyAllowed(const TargetSpec &T, llvm::StringRef Module,
                          llvm::StringRef Name);

/// Whether an object created by calling the allowed global \p Module .
/// \p Name may receive BUILD state under weights_only: tensors, Parameters,
/// OrderedDicts and other allowlisted classes may; the values of functions
/// such as `_codecs.encode` (bytes) or `_get_layout` may not.
bool isWeightsOnlyBuildable(const TargetSpec &T, llvm::StringRef Module,
                            llvm::StringRef Name);

/// Whether \p Module . \p Name is a well-known way to run code, read or
/// write files, or reach the network from a pickle (os.system, builtins.eval,
/// subprocess.Popen, ...): what scanners such as picklescan call dangerous.
/// Only a label: everything off the allowlist is refused either way.
bool isKnownDangerousGlobal(llvm::StringRef Module, llvm::StringRef Name);

} // namespace ckpt

#endif // CKPT_TARGET_WEIGHTSONLY_H
