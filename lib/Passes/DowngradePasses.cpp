//===- DowngradePasses.cpp - C++ passes of the downgrade pipelines --------===//
//
// Part of ckpt-migrate. What the downgrade pipelines need beyond rules:
// strip-module-attributes (nn.Module attributes a release does not know),
// zero-dim-to-1d (0.3 has no 0-dim tensors) and drop-scheduler-lambdas.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/ReleaseVersion.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <tuple>

#define GEN_PASS_DEF_STRIPMODULEATTRIBUTES
#define GEN_PASS_DEF_ZERODIMTO1D
#define GEN_PASS_DEF_DROPSCHEDULERLAMBDAS
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// A release version as (major, minor, patch); "0.4" is (0, 4, 0).
using ReleaseKey = std::tuple<unsigned, unsigned, unsigned>;

std::optional<ReleaseKey> parseReleaseKey(StringRef S) {
  if (std::optional<ReleaseVersion> V = parseReleaseVersion(S))
    return V->key();
  return std::nullopt;
}

/// An attribute torch.nn.Module.__init__ sets on every module, and the first
/// release that sets it. Where the first release is uncertain, the earliest
/// plausible one is given: keeping an attribute a release ignores is
/// harmless, dropping one its Module reads is not.
struct ModuleAttribute {
  StringLiteral Name;
  StringLiteral Since;
};

/// 0.4.0's Module sets training, _backend, _parameters, _buffers,
/// _backward_hooks, _forward_hooks, _forward_pre_hooks and _modules [M];
/// these came later.
constexpr ModuleAttribute LaterModuleAttributes[] = {
    // With the versioned _load_from_state_dict of 0.4.1, or later [L].
    {"_state_dict_hooks", "0.4.1"},
    {"_load_state_dict_pre_hooks", "0.4.1"},
    // Non-persistent buffers (register_buffer(persistent=False)) [M].
    {"_non_persistent_buffers_set", "1.6"},
    // register_full_backward_hook [M].
    {"_is_full_backward_hook", "1.8"},
    // PR pytorch#75422 (April 2022) [M].
    {"_load_state_dict_post_hooks", "1.12"},
    // PR pytorch#88541 (November 2022, after 1.13).
    {"_state_dict_pre_hooks", "2.0"},
    // Hooks with kwargs and backward pre-hooks [M].
    {"_forward_hooks_with_kwargs", "2.0"},
    {"_forward_pre_hooks_with_kwargs", "2.0"},
    {"_backward_pre_hooks", "2.0"},
    // register_forward_hook(always_call=True) [M].
    {"_forward_hooks_always_called", "2.1"},
};

class StripModuleAttributesPass
    : public impl::StripModuleAttributesBase<StripModuleAttributesPass> {
public:
  StripModuleAttributesPass(Options Opts, ReleaseKey Release)
      : Base(std::move(Opts)), Release(Release) {}

  static Expected<std::unique_ptr<Pass>> create(Options Opts) {
    std::optional<ReleaseKey> R = parseReleaseKey(Opts.release);
    if (!R)
      return makeError("strip-module-attributes: invalid release '{0}' "
                       "(expected N.N or N.N.N)",
                       Opts.release);
    return std::make_unique<StripModuleAttributesPass>(std::move(Opts), *R);
  }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
      auto *O = dyn_cast<ObjectValue>(V);
      auto *A = O ? dyn_cast_or_null<MappingValue>(O->getState()) : nullptr;
      // A pickled nn.Module: its __dict__ has _parameters and _modules.
      if (!A || !A->lookup("_parameters") || !A->lookup("_modules"))
        continue;
      size_t Before = A->size();
      llvm::erase_if(A->getItems(), [&](const DictItem &It) {
        auto K = getStringValue(It.first);
        if (!K)
          return false;
        for (const ModuleAttribute &MA : LaterModuleAttributes)
          if (*K == MA.Name)
            return *parseReleaseKey(MA.Since) > Release;
        return false;
      });
      if (A->size() != Before) {
        Stats.add(NumModulesChanged);
        Stats.add(NumAttributesDropped, Before - A->size());
      }
    }
    return Error::success();
  }

private:
  ReleaseKey Release;
};

class ZeroDimTo1DPass : public impl::ZeroDimTo1DBase<ZeroDimTo1DPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
      auto *T = dyn_cast<TensorValue>(V);
      if (!T || T->getRank() != 0)
        continue;
      int64_t One[] = {1};
      T->setShape(One, One);
      Stats.add(NumTensorsReshaped);
    }
    return Error::success();
  }
};

class DropSchedulerLambdasPass
    : public impl::DropSchedulerLambdasBase<DropSchedulerLambdasPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
      auto *M = dyn_cast<MappingValue>(V);
      if (!M)
        continue;
      size_t Before = M->size();
      llvm::erase_if(M->getItems(), [](const DictItem &It) {
        auto K = getStringValue(It.first);
        auto *L = dyn_cast<ListValue>(It.second);
        return K && *K == "lr_lambdas" && L &&
               llvm::all_of(L->elements(),
                            [](Value *E) { return isa<NoneValue>(E); });
      });
      Stats.add(NumLrLambdasDropped, Before - M->size());
    }
    return Error::success();
  }
};

} // namespace
} // namespace ckpt
