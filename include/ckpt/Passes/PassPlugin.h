//===- ckpt/Passes/PassPlugin.h - Passes from shared objects ----*- C++ -*-===//
//
// Part of ckpt-migrate. Like LLVM's pass plugins: a shared object built
// against the public headers defines
//
//   extern "C" ckpt::PassPluginInfo ckptGetPassPluginInfo();
//
// and `ckpt-migrate -load-pass-plugin=lib.so` registers its passes and
// pipelines next to the built-in ones. The plugin's C++ passes implement
// ckpt::Pass and are created through PassSpec::Factory.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASSPLUGIN_H
#define CKPT_PASSES_PASSPLUGIN_H

#include "ckpt/Passes/PassSpec.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>

namespace ckpt {
class PassRegistry;

/// Bumped whenever PassSpec, Pass or the IR change incompatibly.
constexpr uint32_t PassPluginAPIVersion = 1;

/// What a plugin returns from ckptGetPassPluginInfo().
struct PassPluginInfo {
  /// Must be PassPluginAPIVersion of the headers the plugin was built with.
  uint32_t APIVersion;
  const char *PluginName;
  /// The plugin's passes and pipelines (storage owned by the plugin).
  llvm::ArrayRef<PassSpec> (*GetPasses)();
  llvm::ArrayRef<PipelineSpec> (*GetPipelines)();
};

/// Loads the plugin at \p Path and adds its passes and pipelines to \p R.
/// Errors name the file (missing file, no entry point, wrong API version,
/// a name clash).
llvm::Error loadPassPlugin(llvm::StringRef Path, PassRegistry &R);

} // namespace ckpt

extern "C" ckpt::PassPluginInfo ckptGetPassPluginInfo();

#endif // CKPT_PASSES_PASSPLUGIN_H
