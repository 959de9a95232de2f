//===- ObjectsToStateDicts.cpp - Pickled modules made state dicts ---------===//
//
// Part of ckpt-migrate. objects-to-state-dicts: whole pickled nn.Modules and
// torch.optim optimizers replaced by what their state_dict() methods return
// in torch 1.13, without running them.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"
#include "PythonObjects.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"
#include <optional>

#define GEN_PASS_DEF_OBJECTSTOSTATEDICTS
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// A new `collections.OrderedDict()` object, empty or filled later through
/// its SETITEMS items.
ObjectValue *makeOrderedDict(Checkpoint &C) {
  return C.create<ObjectValue>(
      ObjectValue::Form::Reduce,
      C.create<GlobalValue>("collections", "OrderedDict"),
      C.create<TupleValue>());
}

/// The items of a dict, an OrderedDict or a defaultdict (whose argument is
/// its default factory); null for anything else.
SmallVectorImpl<DictItem> *getMappingItems(Value *V) {
  if (auto *M = dyn_cast_or_null<MappingValue>(V))
    return &M->getItems();
  auto *O = dyn_cast_or_null<ObjectValue>(V);
  if (!O || !O->listItems().empty() || !O->states().empty() || !O->getArgs())
    return nullptr;
  size_t NumArgs = O->getArgs()->size();
  if ((O->isCallTo("collections", "OrderedDict") && NumArgs == 0) ||
      (O->isCallTo("collections", "defaultdict") && NumArgs <= 1))
    return &O->getDictItems();
  return nullptr;
}

/// Whether \p V is None or a mapping (dict, OrderedDict) without items.
bool isNoneOrEmptyMapping(Value *V) {
  if (!V || isa<NoneValue>(V))
    return true;
  SmallVectorImpl<DictItem> *Items = getMappingItems(V);
  return Items && Items->empty();
}

/// Adds the strings of a set of str to \p Out: a set node, or protocol 2's
/// `builtins.set([...])`. Returns false for anything else.
bool getStringSet(Value *V, DenseSet<StringRef> &Out) {
  ArrayRef<Value *> Elements;
  if (auto *S = dyn_cast<SetValue>(V)) {
    Elements = S->elements();
  } else if (auto *O = dyn_cast<ObjectValue>(V);
             O &&
             (O->isCallTo("builtins", "set") ||
              O->isCallTo("__builtin__", "set")) &&
             O->getArgs() && O->getArgs()->size() <= 1 &&
             O->listItems().empty() && O->dictItems().empty() &&
             O->states().empty()) {
    if (O->getArgs()->size() == 1) {
      auto *L = dyn_cast<SequenceValue>((*O->getArgs())[0]);
      if (!L)
        return false;
      Elements = L->elements();
    }
  } else {
    return false;
  }
  for (Value *E : Elements) {
    auto K = getStringValue(E);
    if (!K)
      return false;
    Out.insert(*K);
  }
  return true;
}

/// Replaces whole pickled nn.Modules and torch.optim optimizers at the top of
/// the checkpoint by what their `state_dict()` methods return in torch 1.13.
/// The originals are not modified: each conversion builds new nodes, so a
/// parameter shared between a module and an optimizer is read, never
/// rewritten, by both.
class ObjectsToStateDictsPass
    : public impl::ObjectsToStateDictsBase<ObjectsToStateDictsPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    this->Stats = &Stats;
    // An object referenced twice at the top becomes one state dict.
    DenseMap<Value *, Value *> Converted;
    auto Convert = [&](Value *&Slot) {
      auto [It, Inserted] = Converted.try_emplace(Slot, nullptr);
      if (Inserted)
        It->second = convert(C, Slot, Stats);
      if (It->second)
        Slot = It->second;
    };
    Value *Root = C.getRoot();
    if (auto *D = dyn_cast<DictValue>(Root)) {
      for (DictItem &It : D->getItems())
        Convert(It.second);
    } else if (isa<ListValue, TupleValue>(Root)) {
      for (Value *&E : cast<SequenceValue>(Root)->getElements())
        Convert(E);
    } else {
      Convert(Root);
      C.setRoot(Root);
    }
    return Error::success();
  }

private:
  Value *convert(Checkpoint &C, Value *V, PassStatistics &Stats) {
    if (getModuleAttributes(V)) {
      Value *SD = convertModule(C, cast<ObjectValue>(V));
      if (SD)
        Stats.add(NumModules);
      return SD;
    }
    Value *OS = convertOptimizer(C, V);
    if (OS)
      Stats.add(NumOptimizers);
    return OS;
  }

  /// torch 1.13's `_version` of the module class of \p O, or std::nullopt
  /// for a torch class whose state_dict() is not Module's.
  static std::optional<int64_t> getModuleVersion(ObjectValue *O,
                                                 MappingValue *A) {
    GlobalValue *G = getObjectClass(O);
    if (!G)
      return std::nullopt;
    StringRef M = G->getModule();
    if (M == "torch" || M.starts_with("torch.")) {
      // _NormBase (BatchNorm*, SyncBatchNorm, InstanceNorm*) sets
      // _version = 2; every other module of torch.nn.modules keeps
      // Module's 1. Quantized, QAT and sparse modules (torch.ao,
      // torch.nn.quantized, ...) save extra state and other versions.
      if (M == "torch.nn.modules.batchnorm" ||
          M == "torch.nn.modules.instancenorm")
        return 2;
      if (M.starts_with("torch.nn.modules.") ||
          G->is("torch.nn.parallel.data_parallel", "DataParallel"))
        return 1;
      return std::nullopt;
    }
    // A user class: Module's version, unless it is a BatchNorm subclass
    // (the buffer 0.4.1's version 2 added).
    if (SmallVectorImpl<DictItem> *Buffers =
            getMappingItems(A->lookup("_buffers")))
      for (const DictItem &It : *Buffers)
        if (auto K = getStringValue(It.first); K && *K == "num_batches_tracked")
          return 2;
    return 1;
  }

  /// `tensor.detach()`: a new tensor on the same storage, without grad.
  static TensorValue *detach(Checkpoint &C, Value *V) {
    auto *T = dyn_cast<TensorValue>(V);
    if (auto *P = dyn_cast<ParameterValue>(V))
      T = P->getTensor();
    if (!T)
      return nullptr;
    auto *D = C.create<TensorValue>(*T);
    D->setRequiresGrad(false);
    if (isEmptyOrderedDict(T->getHooks()))
      D->setHooks(nullptr);
    return D;
  }

  /// Module.state_dict(destination=SD, prefix=Prefix) for the module \p V;
  /// false when some part of it cannot be reproduced faithfully.
  bool saveModule(Checkpoint &C, Value *V, const std::string &Prefix,
                  StateDictValue *SD, ObjectValue *Metadata, DictValue *Extra,
                  unsigned Depth) {
    MappingValue *A = getModuleAttributes(V);
    if (!A || Depth > 1000)
      return false;
    auto *O = cast<ObjectValue>(V);
    std::optional<int64_t> Version = getModuleVersion(O, A);
    // Hooks could change what state_dict() returns.
    if (!Version || !isNoneOrEmptyMapping(A->lookup("_state_dict_hooks")) ||
        !isNoneOrEmptyMapping(A->lookup("_state_dict_pre_hooks")))
      return false;
    auto *Local = C.create<DictValue>();
    Local->set(C.create<StrValue>("version"), C.create<IntValue>(*Version));
    StringRef Name = StringRef(Prefix).drop_back(Prefix.empty() ? 0 : 1);
    Metadata->getDictItems().emplace_back(C.create<StrValue>(Name.str()),
                                          Local);

    // _save_to_state_dict: parameters, then persistent buffers.
    DenseSet<StringRef> NonPersistent;
    if (Value *NP = A->lookup("_non_persistent_buffers_set"))
      if (!getStringSet(NP, NonPersistent))
        return false;
    for (StringRef Kind : {"_parameters", "_buffers"}) {
      SmallVectorImpl<DictItem> *Items = getMappingItems(A->lookup(Kind));
      if (!Items)
        return false;
      for (const DictItem &It : *Items) {
        auto K = getStringValue(It.first);
        if (!K)
          return false;
        if (isa<NoneValue>(It.second) ||
            (Kind == "_buffers" && NonPersistent.count(*K)))
          continue;
        TensorValue *T = detach(C, It.second);
        if (!T)
          return false;
        SD->set(C.create<StrValue>((Twine(Prefix) + *K).str()), T);
        Saved.insert(It.second);
      }
    }

    // Tensors the module holds outside state_dict() (non-persistent
    // buffers, plain attributes, inside other objects) are not dropped:
    // they are kept in the state dict's `_extra_tensors` attribute (beside
    // `_metadata`) under their attribute path ("block.gain",
    // "block.extra.t"), which load_state_dict never reads, and listed by
    // -stats.
    for (const DictItem &It : A->items()) {
      auto K = getStringValue(It.first);
      if (!K || *K == "_parameters" || *K == "_modules")
        continue;
      if (*K == "_buffers") {
        if (SmallVectorImpl<DictItem> *Items = getMappingItems(It.second))
          for (const DictItem &B : *Items)
            if (auto BK = getStringValue(B.first);
                BK && NonPersistent.count(*BK))
              keepExtraTensors(C, B.second, Prefix + BK->str(), Extra);
        continue;
      }
      keepExtraTensors(C, It.second, Prefix + K->str(), Extra);
    }

    SmallVectorImpl<DictItem> *Children =
        getMappingItems(A->lookup("_modules"));
    if (!Children)
      return false;
    for (const DictItem &It : *Children) {
      auto K = getStringValue(It.first);
      if (!K)
        return false;
      if (isa<NoneValue>(It.second))
        continue;
      if (!saveModule(C, It.second, (Twine(Prefix) + *K + ".").str(), SD,
                      Metadata, Extra, Depth + 1))
        return false;
    }
    return true;
  }

  /// Module.state_dict() of the whole pickled module \p O.
  /// Adds every tensor inside \p V (an attribute of a module) to \p SD
  /// under its attribute path \p Path.
  void keepExtraTensors(Checkpoint &C, Value *V, const std::string &Path,
                        DictValue *Extra, unsigned Depth = 0) {
    if (!V || Depth > 64)
      return;
    if (isa<TensorValue, ParameterValue>(V)) {
      // Decided once the whole module tree is saved: an attribute may alias
      // a parameter (an LSTM's _flat_weights), which is not extra.
      ExtraCandidates.push_back({V, Path});
      return;
    }
    if (auto *M = dyn_cast<MappingValue>(V)) {
      for (const DictItem &It : M->items())
        if (auto K = getStringValue(It.first))
          keepExtraTensors(C, It.second, Path + "." + K->str(), Extra,
                           Depth + 1);
      return;
    }
    if (auto *Q = dyn_cast<SequenceValue>(V)) {
      for (auto [I, E] : llvm::enumerate(Q->elements()))
        keepExtraTensors(C, E, Path + "." + std::to_string(I), Extra,
                         Depth + 1);
      return;
    }
    // An object's attributes (not a submodule's: those are in _modules).
    if (auto *O = dyn_cast<ObjectValue>(V))
      if (!getModuleAttributes(O))
        keepExtraTensors(C, O->getState(), Path, Extra, Depth + 1);
  }

  Value *convertModule(Checkpoint &C, ObjectValue *O) {
    auto *SD = C.create<StateDictValue>(
        C.create<GlobalValue>("collections", "OrderedDict"));
    ObjectValue *Metadata = makeOrderedDict(C);
    auto *Extra = C.create<DictValue>();
    Saved.clear();
    ExtraCandidates.clear();
    if (!saveModule(C, O, "", SD, Metadata, Extra, 0))
      return nullptr;
    for (auto &[V, Path] : ExtraCandidates) {
      if (Saved.count(V) || Extra->lookup(Path))
        continue;
      TensorValue *T = detach(C, V);
      if (!T)
        continue;
      Extra->set(C.create<StrValue>(Path), T);
      Stats->add(NumExtraTensors);
      Stats->remark(Path +
                    ": a tensor outside state_dict(), kept in the "
                    "state dict's _extra_tensors['" +
                    Path + "']");
    }
    auto *State = C.create<DictValue>();
    State->set(C.create<StrValue>("_metadata"), Metadata);
    if (!Extra->getItems().empty())
      State->set(C.create<StrValue>("_extra_tensors"), Extra);
    SD->setState(State);
    return SD;
  }

  /// Optimizer.state_dict() of a whole pickled torch.optim optimizer:
  /// `{'state': {index: state}, 'param_groups': [{..., 'params': [index]}]}`,
  /// each parameter numbered by its first appearance across the groups,
  /// counting every entry of earlier groups.
  static Value *convertOptimizer(Checkpoint &C, Value *V) {
    auto *O = dyn_cast<ObjectValue>(V);
    GlobalValue *G = O ? O->getCallableGlobal() : nullptr;
    if (!G || !(G->getModule() == "torch.optim" ||
                G->getModule().starts_with("torch.optim.")))
      return nullptr;
    auto *A = dyn_cast_or_null<MappingValue>(O->getState());
    auto *Groups =
        A ? dyn_cast_or_null<ListValue>(A->lookup("param_groups")) : nullptr;
    SmallVectorImpl<DictItem> *State =
        A ? getMappingItems(A->lookup("state")) : nullptr;
    if (!Groups || !State)
      return nullptr;

    DenseMap<Value *, int64_t> Index;
    int64_t Start = 0;
    auto *NewGroups = C.create<ListValue>();
    for (Value *GV : Groups->elements()) {
      auto *Group = dyn_cast<DictValue>(GV);
      auto *Params = Group
                         ? dyn_cast_or_null<ListValue>(Group->lookup("params"))
                         : nullptr;
      if (!Params)
        return nullptr;
      auto *Packed = C.create<DictValue>();
      for (const DictItem &It : Group->items())
        if (auto K = getStringValue(It.first); !K || *K != "params")
          Packed->set(It.first, It.second);
      auto *Ids = C.create<ListValue>();
      for (auto [I, P] : llvm::enumerate(Params->elements())) {
        if (!isa<ParameterValue, TensorValue>(P))
          return nullptr;
        Index.try_emplace(P, Start + int64_t(I));
      }
      for (Value *P : Params->elements())
        Ids->getElements().push_back(C.create<IntValue>(Index[P]));
      Start += Params->size();
      Packed->set(C.create<StrValue>("params"), Ids);
      NewGroups->getElements().push_back(Packed);
    }

    auto *NewState = C.create<DictValue>();
    for (const DictItem &It : *State) {
      Value *K = It.first;
      if (isa<ParameterValue, TensorValue>(K)) {
        auto Found = Index.find(K);
        if (Found == Index.end())
          return nullptr;
        K = C.create<IntValue>(Found->second);
      }
      NewState->set(K, It.second);
    }

    auto *SD = C.create<OptimizerStateValue>();
    SD->set(C.create<StrValue>("state"), NewState);
    SD->set(C.create<StrValue>("param_groups"), NewGroups);
    return SD;
  }

  PassStatistics *Stats = nullptr;
  /// The parameters and buffers the state dict being built holds, and the
  /// other tensors its modules hold, with their attribute paths.
  DenseSet<Value *> Saved;
  std::vector<std::pair<Value *, std::string>> ExtraCandidates;
};

} // namespace
} // namespace ckpt
