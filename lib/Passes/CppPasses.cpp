//===- CppPasses.cpp - Passes too complex for declarative rules -----------===//
//
// Part of ckpt-migrate. Each pass here is declared in passes.td with
// `let constructor`; its options struct comes from PassDecls.inc.
//
//===----------------------------------------------------------------------===//

#include "PythonObjects.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/DTypeConversion.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include <cstring>
#include <optional>
#include <tuple>

#define GEN_PASS_DECL_WIDENDTYPE
#define GEN_PASS_DECL_WIDENFORRELEASE
#define GEN_PASS_DECL_DROPSCHEDULERLAMBDAS
#define GEN_PASS_DECL_WEIGHTSONLYCOMPAT
#define GEN_PASS_DECL_STATEDICTSTODICTS
#define GEN_PASS_DECL_PARAMETERSTOTENSORS
#define GEN_PASS_DECL_STRIPMODULEATTRIBUTES
#define GEN_PASS_DECL_ZERODIMTO1D
#define GEN_PASS_DECL_SELECT
#define GEN_PASS_DECL_OBJECTSTOSTATEDICTS
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// Every node reachable from the root, each once.
std::vector<Value *> reachableNodes(Checkpoint &C) {
  return C.getReachableForPass();
}

/// The tensors that view each storage, each once.
DenseMap<StorageValue *, SmallVector<TensorValue *, 2>>
tensorsByStorage(Checkpoint &C) {
  DenseMap<StorageValue *, SmallVector<TensorValue *, 2>> Views;
  for (Value *V : reachableNodes(C))
    if (auto *T = dyn_cast<TensorValue>(V))
      Views[T->getStorage()].push_back(T);
  return Views;
}

/// Converts every storage of dtype From (typed, or untyped bytes that only
/// tensors of dtype From view) into dtype To with an ExactConversion, and
/// retypes the tensors that view it.
class WidenDTypePass : public Pass {
public:
  explicit WidenDTypePass(ExactConversion Conv) : Conv(std::move(Conv)) {}

  StringRef getArgument() const override { return "widen-dtype"; }

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
    Stats.add("storages-widened");
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
        Stats.add("tensors-retyped");
      }
  return Error::success();
}

/// Widens every dtype that a release lacks into the first of its exact
/// widenings the release has.
class WidenForReleasePass : public Pass {
public:
  explicit WidenForReleasePass(const TargetSpec &Release) : Release(Release) {}

  StringRef getArgument() const override { return "widen-for-release"; }

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

class DropSchedulerLambdasPass : public Pass {
public:
  StringRef getArgument() const override { return "drop-scheduler-lambdas"; }

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
      Stats.add("lr-lambdas-dropped", Before - M->size());
    }
    return Error::success();
  }
};

std::optional<DType> numpyToDType(char Kind, unsigned Size) {
  switch (Kind) {
  case 'f':
    return Size == 2   ? DType::Float16
           : Size == 4 ? DType::Float32
           : Size == 8 ? std::optional<DType>(DType::Float64)
                       : std::nullopt;
  case 'i':
    return Size == 1   ? DType::Int8
           : Size == 2 ? DType::Int16
           : Size == 4 ? DType::Int32
           : Size == 8 ? std::optional<DType>(DType::Int64)
                       : std::nullopt;
  case 'u': // uint16/32/64: torch 2.3+, through untyped storages.
    return Size == 1   ? DType::UInt8
           : Size == 2 ? DType::UInt16
           : Size == 4 ? DType::UInt32
           : Size == 8 ? std::optional<DType>(DType::UInt64)
                       : std::nullopt;
  case 'b':
    return Size == 1 ? std::optional<DType>(DType::Bool) : std::nullopt;
  case 'c':
    return Size == 8    ? DType::Complex64
           : Size == 16 ? std::optional<DType>(DType::Complex128)
                        : std::nullopt;
  default:
    return std::nullopt;
  }
}

/// Replaces nodes chosen by \p Convert everywhere in the graph.
Error replaceNodes(Checkpoint &C, function_ref<Value *(Value *)> Convert) {
  DenseMap<Value *, Value *> Replace;
  for (Value *V : reachableNodes(C))
    if (Value *New = Convert(V))
      Replace[V] = New;
  auto Map = [&](Value *&Ch) {
    auto It = Replace.find(Ch);
    if (It != Replace.end())
      Ch = It->second;
  };
  for (Value *V : reachableNodes(C))
    forEachChildRef(V, Map);
  for (auto &[Old, New] : Replace)
    forEachChildRef(New, Map);
  Value *Root = C.getRoot();
  Map(Root);
  C.setRoot(Root);
  return Error::success();
}

class WeightsOnlyCompatPass : public Pass {
public:
  StringRef getArgument() const override { return "weights-only-compat"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    return replaceNodes(C, [&](Value *V) { return convert(C, V, Stats); });
  }

private:
  Value *convert(Checkpoint &C, Value *V, PassStatistics &Stats) {
    auto *O = dyn_cast<ObjectValue>(V);
    GlobalValue *G = O ? O->getCallableGlobal() : nullptr;
    if (!G)
      return nullptr;
    // numpy.core.multiarray.scalar(dtype, bytes) -> a Python number.
    if (isNumpyModule(G->getModule()) && G->getName() == "scalar" &&
        O->getArgs() && O->getArgs()->size() == 2) {
      auto DT = getNumpyDType((*O->getArgs())[0]);
      auto Bytes = getPickledBytes((*O->getArgs())[1]);
      if (!DT || !Bytes || Bytes->size() != DT->second)
        return nullptr;
      Value *N = makeNumber(C, DT->first, *Bytes);
      if (N)
        Stats.add("numpy-scalars");
      return N;
    }
    // numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') + BUILD
    // (version, shape, dtype, is_fortran, data) -> a tensor.
    if (isNumpyModule(G->getModule()) && G->getName() == "_reconstruct") {
      Value *T = makeTensor(C, O);
      if (T)
        Stats.add("numpy-arrays");
      return T;
    }
    if (G->is("argparse", "Namespace") && O->getArgs() &&
        O->getArgs()->size() == 0 && O->states().size() == 1)
      if (auto *D = dyn_cast<DictValue>(O->getState())) {
        Stats.add("namespaces");
        return D;
      }
    if (G->is("torch.torch_version", "TorchVersion") && O->getArgs() &&
        O->getArgs()->size() == 1)
      if (auto S = getStringValue((*O->getArgs())[0])) {
        Stats.add("versions");
        return C.create<StrValue>(S->str());
      }
    return nullptr;
  }

  static Value *makeNumber(Checkpoint &C, char Kind, StringRef B) {
    using namespace support::endian;
    const char *P = B.data();
    switch (Kind) {
    case 'b':
      return C.getBool(P[0] != 0);
    case 'i':
      switch (B.size()) {
      case 1:
        return C.create<IntValue>(int8_t(P[0]));
      case 2:
        return C.create<IntValue>(int16_t(read16le(P)));
      case 4:
        return C.create<IntValue>(int32_t(read32le(P)));
      case 8:
        return C.create<IntValue>(int64_t(read64le(P)));
      }
      return nullptr;
    case 'u':
      switch (B.size()) {
      case 1:
        return C.create<IntValue>(uint8_t(P[0]));
      case 2:
        return C.create<IntValue>(read16le(P));
      case 4:
        return C.create<IntValue>(read32le(P));
      }
      return nullptr;
    case 'f': {
      if (B.size() == 8) {
        uint64_t U = read64le(P);
        double D;
        std::memcpy(&D, &U, 8);
        return C.create<FloatValue>(D);
      }
      if (B.size() == 4) {
        uint32_t U = read32le(P);
        float F;
        std::memcpy(&F, &U, 4);
        return C.create<FloatValue>(F);
      }
      if (B.size() == 2)
        return C.create<FloatValue>(
            APFloat(APFloat::IEEEhalf(), APInt(16, read16le(P)))
                .convertToDouble());
      return nullptr;
    }
    default:
      return nullptr;
    }
  }

  static Value *makeTensor(Checkpoint &C, ObjectValue *O) {
    auto *S = dyn_cast_or_null<TupleValue>(O->getState());
    if (!S || S->size() != 5 || O->states().size() != 1)
      return nullptr;
    auto *Shape = dyn_cast<TupleValue>((*S)[1]);
    auto DT = getNumpyDType((*S)[2]);
    auto *Fortran = dyn_cast<BoolValue>((*S)[3]);
    auto Bytes = getPickledBytes((*S)[4]);
    if (!Shape || !DT || !Fortran || !Bytes)
      return nullptr;
    std::optional<DType> T = numpyToDType(DT->first, DT->second);
    if (!T)
      return nullptr;
    SmallVector<int64_t, 4> Sizes;
    uint64_t N = 1;
    for (Value *E : Shape->elements()) {
      auto *I = dyn_cast<IntValue>(E);
      if (!I || I->getValue() < 0)
        return nullptr;
      Sizes.push_back(I->getValue());
      N *= uint64_t(I->getValue());
    }
    if (N * getDTypeSize(*T) != Bytes->size())
      return nullptr;
    SmallVector<int64_t, 4> Strides = getContiguousStrides(Sizes);
    if (Fortran->getValue()) {
      int64_t Step = 1;
      for (size_t I = 0; I != Sizes.size(); ++I) {
        Strides[I] = Step;
        Step *= std::max<int64_t>(Sizes[I], 1);
      }
    }
    // A dtype without a typed storage class (uint16/32/64) is saved as
    // torch 2.x does: _rebuild_tensor_v3 over an untyped storage of bytes.
    bool Untyped = getDTypeStorageClass(*T).empty();
    auto *St = Untyped ? C.create<StorageValue>(DType::Untyped, Bytes->size(),
                                                "cpu", "")
                       : C.create<StorageValue>(*T, N, "cpu", "");
    St->setData(C.saveBytes(std::move(*Bytes)), std::nullopt);
    C.getStorages().push_back(St);
    auto *TV =
        C.create<TensorValue>(Untyped ? TensorValue::Form::RebuildTensorV3
                                      : TensorValue::Form::RebuildTensorV2,
                              St, *T);
    TV->setShape(Sizes, Strides);
    return TV; // Null hooks: a fresh OrderedDict() when written.
  }
};

class StateDictsToDictsPass : public Pass {
public:
  StringRef getArgument() const override { return "state-dicts-to-dicts"; }
  Error run(Checkpoint &C, PassStatistics &Stats) override {
    return replaceNodes(C, [&](Value *V) -> Value * {
      auto *SD = dyn_cast<StateDictValue>(V);
      if (!SD)
        return nullptr;
      auto *D = C.create<DictValue>();
      D->getItems().assign(SD->items().begin(), SD->items().end());
      Stats.add("state-dicts-converted");
      return D;
    });
  }
};

class ParametersToTensorsPass : public Pass {
public:
  StringRef getArgument() const override { return "parameters-to-tensors"; }
  Error run(Checkpoint &C, PassStatistics &Stats) override {
    return replaceNodes(C, [&](Value *V) -> Value * {
      auto *P = dyn_cast<ParameterValue>(V);
      TensorValue *T = P ? P->getTensor() : nullptr;
      if (!T)
        return nullptr;
      T->setRequiresGrad(P->getRequiresGrad());
      Stats.add("parameters-unwrapped");
      return T;
    });
  }
};

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
class ObjectsToStateDictsPass : public Pass {
public:
  StringRef getArgument() const override { return "objects-to-state-dicts"; }

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
        Stats.add("modules");
      return SD;
    }
    Value *OS = convertOptimizer(C, V);
    if (OS)
      Stats.add("optimizers");
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
      Stats->add("extra-tensors");
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

class StripModuleAttributesPass : public Pass {
public:
  explicit StripModuleAttributesPass(ReleaseKey Release) : Release(Release) {}

  StringRef getArgument() const override { return "strip-module-attributes"; }

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
        Stats.add("modules-changed");
        Stats.add("attributes-dropped", Before - A->size());
      }
    }
    return Error::success();
  }

private:
  ReleaseKey Release;
};

/// Makes one entry of the root mapping the whole checkpoint.
class SelectPass : public Pass {
public:
  explicit SelectPass(std::string Key) : Key(std::move(Key)) {}

  StringRef getArgument() const override { return "select"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    auto *Root = dyn_cast_or_null<MappingValue>(C.getRoot());
    if (!Root)
      return makeError("select: the checkpoint's root is not a mapping");
    Value *Chosen = Root->lookup(Key);
    if (!Chosen) {
      std::string Keys;
      for (const DictItem &It : Root->items())
        if (auto K = getStringValue(It.first))
          Keys += (Keys.empty() ? "" : ", ") + K->str();
      return makeError("select: the root has no key '{0}' (its keys: {1})", Key,
                       Keys);
    }
    for (const DictItem &It : Root->items())
      if (It.second != Chosen) {
        Stats.add("entries-dropped");
        if (auto K = getStringValue(It.first))
          Stats.remark("$['" + K->str() + "']: dropped (not selected)");
      }
    C.setRoot(Chosen);
    return Error::success();
  }

private:
  std::string Key;
};

class ZeroDimTo1DPass : public Pass {
public:
  StringRef getArgument() const override { return "zero-dim-to-1d"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
      auto *T = dyn_cast<TensorValue>(V);
      if (!T || T->getRank() != 0)
        continue;
      int64_t One[] = {1};
      T->setShape(One, One);
      Stats.add("tensors-reshaped");
    }
    return Error::success();
  }
};

} // namespace

Expected<std::unique_ptr<Pass>>
createStripModuleAttributesPass(const OptionValues &V) {
  auto Opts = StripModuleAttributesOptions::fromValues(V);
  if (!Opts)
    return Opts.takeError();
  std::optional<ReleaseKey> R = parseReleaseKey(Opts->release);
  if (!R)
    return makeError("strip-module-attributes: invalid release '{0}' "
                     "(expected N.N or N.N.N)",
                     Opts->release);
  return std::make_unique<StripModuleAttributesPass>(*R);
}

Expected<std::unique_ptr<Pass>>
createObjectsToStateDictsPass(const OptionValues &) {
  return std::make_unique<ObjectsToStateDictsPass>();
}

Expected<std::unique_ptr<Pass>> createSelectPass(const OptionValues &V) {
  auto Opts = SelectOptions::fromValues(V);
  if (!Opts)
    return Opts.takeError();
  if (Opts->key.empty())
    return makeError("select: name the key to keep, e.g. select{{key=model}");
  return std::make_unique<SelectPass>(Opts->key);
}

Expected<std::unique_ptr<Pass>> createZeroDimTo1DPass(const OptionValues &) {
  return std::make_unique<ZeroDimTo1DPass>();
}

Expected<std::unique_ptr<Pass>>
createStateDictsToDictsPass(const OptionValues &) {
  return std::make_unique<StateDictsToDictsPass>();
}

Expected<std::unique_ptr<Pass>>
createParametersToTensorsPass(const OptionValues &) {
  return std::make_unique<ParametersToTensorsPass>();
}

Expected<std::unique_ptr<Pass>>
createWeightsOnlyCompatPass(const OptionValues &) {
  return std::make_unique<WeightsOnlyCompatPass>();
}

Expected<std::unique_ptr<Pass>> createWidenDTypePass(const OptionValues &V) {
  auto Opts = WidenDTypeOptions::fromValues(V);
  if (!Opts)
    return Opts.takeError();
  std::optional<DType> From = parseDTypeIRName(Opts->from);
  std::optional<DType> To = parseDTypeIRName(Opts->to);
  if (!From || !To)
    return makeError("widen-dtype: unknown dtype '{0}'",
                     !From ? Opts->from : Opts->to);
  Expected<ExactConversion> Conv = ExactConversion::get(*From, *To);
  if (!Conv) {
    consumeError(Conv.takeError());
    std::string Offered;
    for (DType W : getExactWidenings(*From))
      Offered += (Offered.empty() ? "" : ", ") + getDTypeIRName(W).str();
    return makeError("widen-dtype: {0} -> {1} is not an exact widening "
                     "({0} widens exactly to: {2})",
                     Opts->from, Opts->to,
                     Offered.empty() ? "nothing" : Offered);
  }
  return std::make_unique<WidenDTypePass>(std::move(*Conv));
}

Expected<std::unique_ptr<Pass>>
createWidenForReleasePass(const OptionValues &V) {
  auto Opts = WidenForReleaseOptions::fromValues(V);
  if (!Opts)
    return Opts.takeError();
  const TargetSpec *Release = lookupTarget(Opts->release);
  if (!Release)
    return makeError("widen-for-release: unknown release '{0}'", Opts->release);
  return std::make_unique<WidenForReleasePass>(*Release);
}

Expected<std::unique_ptr<Pass>>
createDropSchedulerLambdasPass(const OptionValues &) {
  return std::make_unique<DropSchedulerLambdasPass>();
}

} // namespace ckpt
