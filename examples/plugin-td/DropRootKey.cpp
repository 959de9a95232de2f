//===- DropRootKey.cpp - An example plugin on generated pass bases --------===//
//
// The C++ pass of examples/plugin-td: RootKeys.td declares it (argument,
// options, statistics, constructor); ckpt-tblgen generates its base
// (RootKeysPluginPassDecls.inc) and the plugin's PassSpec tables
// (RootKeysPluginPassRegistry.inc); this file holds only what the pass does.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Passes/PassPlugin.h"

#define GEN_PASS_DEF_DROPROOTKEY
#include "RootKeysPluginPassDecls.inc"
#include "RootKeysPluginPassRegistry.inc"

using namespace ckpt;
using namespace llvm;

namespace {

class DropRootKeyPass
    : public rootkeys::impl::DropRootKeyBase<DropRootKeyPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    auto *Root = dyn_cast_or_null<MappingValue>(C.getRoot());
    if (!Root)
      return Error::success();
    size_t Before = Root->size();
    llvm::erase_if(Root->getItems(), [&](const DictItem &It) {
      std::optional<StringRef> K = getStringValue(It.first);
      return K && *K == Opts.key;
    });
    Stats.add(NumEntriesDropped, Before - Root->size());
    return Error::success();
  }
};

} // namespace

extern "C" PassPluginInfo ckptGetPassPluginInfo() {
  return {PassPluginAPIVersion, "root-keys", ckpt::getRootKeysPluginPassSpecs,
          ckpt::getRootKeysPluginPipelineSpecs};
}
