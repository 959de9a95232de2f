//===- WidenDType.cpp - Exact dtype widening passes -----------------------===//
//
// Part of ckpt-migrate. widen-dtype and widen-for-release: storages of a
// dtype a release lacks converted to one it has, exactly (IR/DTypeConversion),
// with the tensors that view them retyped.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/DTypeConversion.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <optional>

#define GEN_PASS_DEF_WIDENDTYPE
#define GEN_PASS_DEF_WIDENFORRELEASE
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// Converts every storage of dtype From (typed, or untyped bytes that only
/// tensors of dtype From view) into dtype To with an ExactConversion, and
/// retypes the tensors that view it.
class WidenDTypePass : public impl::WidenDTypeBase<WidenDTypePass> {
public:
  WidenDTypePass(Options Opts, ExactConversion Conv)
      : Base(std::move(Opts)), Conv(std::move(Conv)) {}

  static Expected<std::unique_ptr<Pass>> create(Options Opts) {
    std::optional<DType> From = parseDTypeIRName(Opts.from);
    std::optional<DType> To = parseDTypeIRName(Opts.to);
    if (!From || !To)
      return makeError("widen-dtype: unknown dtype '{0}'",
                       !From ? Opts.from : Opts.to);
    Expected<ExactConversion> Conv = ExactConversion::get(*From, *To);
    if (!Conv) {
      consumeError(Conv.takeError());
      std::string Offered;
      for (DType W : getExactWidenings(*From))
        Offered += (Offered.empty() ? "" : ", ") + getDTypeIRName(W).str();
      return makeError("widen-dtype: {0} -> {1} is not an exact widening "
                       "({0} widens exactly to: {2})",
                       Opts.from, Opts.to,
                       Offered.empty() ? "nothing" : Offered);
    }
    return std::make_unique<WidenDTypePass>(std::move(Opts), std::move(*Conv));
  }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    return widenStorages(C, Conv, Stats);
  }

  /// Widens the storages of Conv's source dtype; shared with
  /// widen-for-release.
  static Error widenStorages(Checkpoint &C, const ExactConversion &Conv,
                             PassStatistics &Stats);

private:
  ExactConversion Conv;
};

Error WidenDTypePass::widenStorages(Checkpoint &C, const ExactConversion &Conv,
                                    PassStatistics &Stats) {
  DType From = Conv.getFrom(), To = Conv.getTo();
  auto Views = tensorsByStorage(C);
  // Untyped storages (torch 2.x's form for dtypes without a storage class)
  // hold the dtype of the tensors that view them.
  auto HoldsFrom = [&](StorageValue *S) -> Expected<bool> {
    if (S->getDType() == From)
      return true;
    if (S->getDType() != DType::Untyped)
      return false;
    auto It = Views.find(S);
    if (It == Views.end() || llvm::none_of(It->second, [&](TensorValue *T) {
          return T->getDType() == From;
        }))
      return false;
    for (TensorValue *T : It->second)
      if (T->getDType() != From)
        return makeError("storage '{0}' is viewed as {1} and as {2}; it "
                         "cannot be converted to {3}",
                         S->getKey(), getDTypeIRName(From),
                         getDTypeIRName(T->getDType()), getDTypeIRName(To));
    if (S->getNumBytes() % getDTypeSize(From))
      return makeError("storage '{0}' holds {1} bytes, not a whole number of "
                       "{2} elements",
                       S->getKey(), S->getNumBytes(), getDTypeIRName(From));
    return true;
  };

  DenseSet<StorageValue *> Widened;
  for (StorageValue *S : C.getStorages()) {
    if (S->getViewRoot())
      continue;
    Expected<bool> Match = HoldsFrom(S);
    if (!Match)
      return Match.takeError();
    if (!*Match)
      continue;
    if (!S->hasData())
      return makeError("storage '{0}' has no bytes to convert", S->getKey());
    uint64_t N = S->getNumBytes() / getDTypeSize(From);
    std::string Out(N * getDTypeSize(To), '\0');
    if (std::optional<uint64_t> Bad =
            Conv.convert(S->getData().data(), Out.data(), N))
      return makeError("storage '{0}': element {1} has no exact {2} value; "
                       "the {3} tensors it holds cannot be converted",
                       S->getKey(), *Bad, getDTypeIRName(To),
                       getDTypeIRName(From));
    S->setDType(To);
    S->setNumElements(N);
    S->setData(C.saveBytes(std::move(Out)), std::nullopt);
    Widened.insert(S);
    Stats.add(NumStoragesWidened);
  }
  if (!Widened.empty())
    Stats.remark(formatv("{0} storage(s) of {1} -> {2}, exactly",
                         Widened.size(), getDTypeIRName(From),
                         getDTypeIRName(To)));
  for (StorageValue *S : C.getStorages())
    if (S->getViewRoot() && Widened.count(S->getViewRoot()))
      return makeError("storage view '{0}' of a widened storage cannot be "
                       "widened; write the checkpoint without views first",
                       S->getKey());
  // A tensor of a dtype with a storage class is pickled with
  // _rebuild_tensor_v2, as torch does; v3 stays for the others.
  bool HasStorageClass = !getDTypeStorageClass(To).empty();
  for (StorageValue *S : Widened)
    for (TensorValue *T : Views.lookup(S))
      if (T->getDType() == From) {
        T->setDType(To);
        if (T->getForm() == TensorValue::Form::RebuildTensorV3) {
          if (HasStorageClass)
            T->setForm(TensorValue::Form::RebuildTensorV2);
          T->setDTypeGlobal(HasStorageClass
                                ? nullptr
                                : C.create<GlobalValue>(
                                      "torch", getDTypeTorchName(To).str()));
        }
        Stats.add(NumTensorsRetyped);
      }
  return Error::success();
}

/// Widens every dtype that a release lacks into the first of its exact
/// widenings the release has.
class WidenForReleasePass
    : public impl::WidenForReleaseBase<WidenForReleasePass> {
public:
  WidenForReleasePass(Options Opts, const TargetSpec &Release)
      : Base(std::move(Opts)), Release(Release) {}

  static Expected<std::unique_ptr<Pass>> create(Options Opts) {
    const TargetSpec *Release = lookupTarget(Opts.release);
    if (!Release)
      return makeError("widen-for-release: unknown release '{0}'",
                       Opts.release);
    return std::make_unique<WidenForReleasePass>(std::move(Opts), *Release);
  }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    // The dtypes present, in the order of their first storage.
    SmallVector<DType, 4> Present;
    auto Views = tensorsByStorage(C);
    for (StorageValue *S : C.getStorages()) {
      if (S->getDType() != DType::Untyped) {
        if (!is_contained(Present, S->getDType()))
          Present.push_back(S->getDType());
        continue;
      }
      for (TensorValue *T : Views.lookup(S))
        if (!is_contained(Present, T->getDType()))
          Present.push_back(T->getDType());
    }
    for (DType From : Present) {
      if (is_contained(Release.DTypes, getDTypeIRName(From)))
        continue;
      auto It = llvm::find_if(getExactWidenings(From), [&](DType To) {
        return is_contained(Release.DTypes, getDTypeIRName(To));
      });
      // No exact widening: the target verifier names the tensors.
      if (It == getExactWidenings(From).end())
        continue;
      Expected<ExactConversion> Conv = ExactConversion::get(From, *It);
      if (!Conv)
        return Conv.takeError();
      if (Error E = WidenDTypePass::widenStorages(C, *Conv, Stats))
        return E;
    }
    return Error::success();
  }

private:
  const TargetSpec &Release;
};

} // namespace
} // namespace ckpt
