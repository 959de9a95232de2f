//===- AttentionRename.cpp - An example ckpt-migrate pass plugin ----------===//
//
// Part of ckpt-migrate's examples. A C++ pass, loaded at run time with
//
//   ckpt-migrate -load-pass-plugin=libAttentionRenamePlugin.so
//                -passes=attention-rename in.pth -o out.pth
//
// that renames `encoder.layers.N.attn.*` to `blocks.N.attention.*` in every
// state dict, as a refactored model expects. docs/WritingPasses.md builds the
// same migration as a TableGen pass file; a plugin is for what rules cannot
// express.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Passes/PassPlugin.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Regex.h"

using namespace llvm;
using namespace ckpt;

namespace {

class AttentionRenamePass : public Pass {
public:
  explicit AttentionRenamePass(std::string To) : To(std::move(To)) {}
  StringRef getArgument() const override { return "attention-rename"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    Regex R("^encoder\\.layers\\.([0-9]+)\\.attn\\.(.*)$");
    DenseSet<Value *> Seen;
    SmallVector<Value *, 32> Work{C.getRoot()};
    while (!Work.empty()) {
      Value *V = Work.pop_back_val();
      if (!V || V->isScalar() || !Seen.insert(V).second)
        continue;
      if (auto *SD = dyn_cast<StateDictValue>(V))
        for (DictItem &It : SD->getItems())
          if (auto K = getStringValue(It.first); K && R.match(*K)) {
            It.first = C.create<StrValue>(R.sub(To, *K));
            Stats.add("keys-renamed");
          }
      forEachChild(V, [&](Value *Ch) { Work.push_back(Ch); });
    }
    return Error::success();
  }

private:
  std::string To;
};

Expected<std::unique_ptr<Pass>> create(const OptionValues &V) {
  return std::make_unique<AttentionRenamePass>(V.getString("to").str());
}

const OptionSpec Options[] = {
    {"to", OptionType::String, "blocks.\\1.attention.\\2",
     "Replacement for encoder.layers.N.attn.REST (\\1 = N, \\2 = REST)"}};
const StatisticSpec Statistics[] = {{"keys-renamed", "Keys renamed"}};
const PassSpec Passes[] = {{"attention-rename",
                            "Renames encoder.layers.N.attn to "
                            "blocks.N.attention (example plugin)",
                            "", Options, Statistics, {}, create,
                            "AttentionRename.cpp"}};

ArrayRef<PassSpec> getPasses() { return Passes; }
ArrayRef<PipelineSpec> getPipelines() { return {}; }

} // namespace

extern "C" PassPluginInfo ckptGetPassPluginInfo() {
  return {PassPluginAPIVersion, "attention-rename", getPasses, getPipelines};
}
