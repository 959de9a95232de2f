//===- StateDictPasses.cpp - Reshaping the root for other consumers -------===//
//
// Part of ckpt-migrate. select (one entry of the root becomes the checkpoint)
// and the libtorch-portable passes: state-dicts-to-dicts and
// parameters-to-tensors.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include <string>

#define GEN_PASS_DEF_SELECT
#define GEN_PASS_DEF_STATEDICTSTODICTS
#define GEN_PASS_DEF_PARAMETERSTOTENSORS
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// Makes one entry of the root mapping the whole checkpoint.
class SelectPass : public impl::SelectBase<SelectPass> {
public:
  using Base::Base;

  static Expected<std::unique_ptr<Pass>> create(Options Opts) {
    if (Opts.key.empty())
      return makeError("select: name the key to keep, e.g. select{{key=model}");
    return std::make_unique<SelectPass>(std::move(Opts));
  }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    auto *Root = dyn_cast_or_null<MappingValue>(C.getRoot());
    if (!Root)
      return makeError("select: the checkpoint's root is not a mapping");
    Value *Chosen = Root->lookup(Opts.key);
    if (!Chosen) {
      std::string Keys;
      for (const DictItem &It : Root->items())
        if (auto K = getStringValue(It.first))
          Keys += (Keys.empty() ? "" : ", ") + K->str();
      return makeError("select: the root has no key '{0}' (its keys: {1})",
                       Opts.key, Keys);
    }
    for (const DictItem &It : Root->items())
      if (It.second != Chosen) {
        Stats.add(NumEntriesDropped);
        if (auto K = getStringValue(It.first))
          Stats.remark("$['" + K->str() + "']: dropped (not selected)");
      }
    C.setRoot(Chosen);
    return Error::success();
  }
};

class StateDictsToDictsPass
    : public impl::StateDictsToDictsBase<StateDictsToDictsPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    replaceNodes(C, [&](Value *V) -> Value * {
      auto *SD = dyn_cast<StateDictValue>(V);
      if (!SD)
        return nullptr;
      auto *D = C.create<DictValue>();
      D->getItems().assign(SD->items().begin(), SD->items().end());
      Stats.add(NumStateDictsConverted);
      return D;
    });
    return Error::success();
  }
};

class ParametersToTensorsPass
    : public impl::ParametersToTensorsBase<ParametersToTensorsPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    replaceNodes(C, [&](Value *V) -> Value * {
      auto *P = dyn_cast<ParameterValue>(V);
      TensorValue *T = P ? P->getTensor() : nullptr;
      if (!T)
        return nullptr;
      T->setRequiresGrad(P->getRequiresGrad());
      Stats.add(NumParametersUnwrapped);
      return T;
    });
    return Error::success();
  }
};

} // namespace
} // namespace ckpt
