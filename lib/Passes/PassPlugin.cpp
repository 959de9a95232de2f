//===- PassPlugin.cpp - Passes loaded from shared objects -----------------===//

#include "ckpt/Passes/PassPlugin.h"
#include "ckpt/Passes/PassManager.h"
#include "ckpt/Support/Error.h"
#include "llvm/Support/DynamicLibrary.h"

using namespace llvm;

namespace ckpt {

Error loadPassPlugin(StringRef Path, PassRegistry &R) {
  std::string Err;
  auto Lib = sys::DynamicLibrary::getPermanentLibrary(Path.str().c_str(), &Err);
  if (!Lib.isValid())
    return makeError("{0}: cannot load pass plugin: {1}", Path, Err);
  void *Sym = Lib.getAddressOfSymbol("ckptGetPassPluginInfo");
  if (!Sym)
    return makeError("{0}: not a ckpt-migrate pass plugin (no "
                     "ckptGetPassPluginInfo)",
                     Path);
  auto GetInfo = reinterpret_cast<PassPluginInfo (*)()>(Sym);
  PassPluginInfo Info = GetInfo();
  if (Info.APIVersion != PassPluginAPIVersion)
    return makeError("{0}: plugin '{1}' was built for plugin API version {2}; "
                     "this ckpt-migrate has version {3}",
                     Path, Info.PluginName ? Info.PluginName : "?",
                     Info.APIVersion, PassPluginAPIVersion);
  if (Info.GetPasses)
    for (const PassSpec &P : Info.GetPasses())
      if (Error E = R.addPass(P))
        return makeError("{0}: {1}", Path, toString(std::move(E)));
  if (Info.GetPipelines)
    for (const PipelineSpec &P : Info.GetPipelines())
      if (Error E = R.addPipeline(P))
        return makeError("{0}: {1}", Path, toString(std::move(E)));
  return Error::success();
}

} // namespace ckpt
