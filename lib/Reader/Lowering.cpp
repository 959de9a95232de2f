//===- Lowering.cpp - Raise pickled objects to torch nodes ----------------===//
//
// Part of ckpt-migrate. Each recogniser matches one of torch's pickled forms
// exactly (callable, argument count and types, no extra mutations) and builds
// the typed node; a near miss stays generic so that nothing is ever lost.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Reader/Lowering.h"
#include "ckpt/IR/Checkpoint.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace ckpt {
namespace {

class Lowerer {
public:
  explicit Lowerer(Checkpoint &C) : C(C) {}
  void run();
  /// The tensor \p O builds as form \p F, or \p O itself if it does not
  /// match exactly.
  Value *lowerTensor(ObjectValue *O, TensorValue::Form F);

private:
  /// The node that replaces \p V (itself if none).
  Value *map(Value *V) const {
    auto It = Replacement.find(V);
    return It == Replacement.end() ? V : It->second;
  }
  Value *lower(Value *V);
  Value *lowerObject(ObjectValue *O);
  Value *lowerParameter(ObjectValue *O);
  Value *lowerStateDict(ObjectValue *O);
  Value *lowerTensorClassState(ObjectValue *O);
  Value *lowerSubclass(ObjectValue *O);
  Value *lowerOptimizerState(DictValue *D);

  /// Reads a tuple of ints (sizes/strides).
  bool getInts(Value *V, SmallVectorImpl<int64_t> &Out) const {
    auto *T = dyn_cast<TupleValue>(map(V));
    if (!T)
      return false;
    for (Value *E : T->elements()) {
      auto *I = dyn_cast<IntValue>(map(E));
      if (!I)
        return false;
      Out.push_back(I->getValue());
    }
    return true;
  }

  Checkpoint &C;
  DenseMap<Value *, Value *> Replacement;
  /// OrderedDicts that are a module's `_parameters`/`_buffers`/`_modules`:
  /// not state dicts, whatever they hold.
  DenseSet<Value *> ModuleInternals;
};

/// The hooks operand of a lowered tensor or parameter: null for the default
/// fresh `OrderedDict()`, so the millions of tensors of a large checkpoint do
/// not each keep two generic nodes that every later walk would visit. (Two
/// tensors sharing one empty hooks dict get one each: torch never shares
/// them, and hooks are not restored by a load.)
Value *hooksOperand(Value *H) { return isEmptyOrderedDict(H) ? nullptr : H; }

/// The tensor form built by a call to \p G, if it is one of torch's tensor
/// rebuild functions.
std::optional<TensorValue::Form> getTensorRebuildForm(const GlobalValue *G) {
  if (!G || G->getModule() != "torch._utils")
    return std::nullopt;
  return StringSwitch<std::optional<TensorValue::Form>>(G->getName())
      .Case("_rebuild_tensor", TensorValue::Form::RebuildTensor)
      .Case("_rebuild_tensor_v2", TensorValue::Form::RebuildTensorV2)
      .Case("_rebuild_tensor_v3", TensorValue::Form::RebuildTensorV3)
      .Case("_rebuild_qtensor", TensorValue::Form::RebuildQTensor)
      .Default(std::nullopt);
}

bool hasNoMutations(const ObjectValue *O) {
  return O->listItems().empty() && O->dictItems().empty() &&
         O->states().empty();
}

Value *Lowerer::lowerTensor(ObjectValue *O, TensorValue::Form F) {
  TupleValue *Args = O->getArgs();
  if (!Args || !hasNoMutations(O))
    return O;
  ArrayRef<Value *> A = Args->elements();
  size_t N = A.size();
  bool OK = false;
  switch (F) {
  case TensorValue::Form::RebuildTensor:
    OK = N == 4;
    break;
  case TensorValue::Form::RebuildTensorV2:
    OK = N == 6 || N == 7;
    break;
  case TensorValue::Form::RebuildTensorV3:
    OK = N == 7 || N == 8;
    break;
  case TensorValue::Form::RebuildQTensor:
    OK = N == 7;
    break;
  case TensorValue::Form::TensorClassState:
    OK = N == 4;
    break;
  }
  if (!OK)
    return O;
  auto *S = dyn_cast<StorageValue>(map(A[0]));
  auto *Off = dyn_cast<IntValue>(map(A[1]));
  SmallVector<int64_t, 4> Sizes, Strides;
  if (!S || !Off || !getInts(A[2], Sizes) || !getInts(A[3], Strides) ||
      Sizes.size() != Strides.size())
    return O;

  DType T = S->getDType();
  Value *DTypeGlobal = nullptr;
  if (F == TensorValue::Form::RebuildTensorV3) {
    auto *G = dyn_cast<GlobalValue>(map(A[6]));
    std::optional<DType> DT;
    if (G && G->getModule() == "torch")
      DT = parseDTypeTorchName(G->getName());
    if (!DT || S->getDType() != DType::Untyped)
      return O;
    T = *DT;
    DTypeGlobal = G;
  }

  auto *TV = C.create<TensorValue>(F, S, T);
  TV->setShape(Sizes, Strides);
  TV->setOffset(Off->getValue());
  switch (F) {
  case TensorValue::Form::RebuildTensor:
  case TensorValue::Form::TensorClassState:
    break;
  case TensorValue::Form::RebuildTensorV2:
  case TensorValue::Form::RebuildTensorV3: {
    auto *RG = dyn_cast<BoolValue>(map(A[4]));
    if (!RG)
      return O;
    TV->setRequiresGrad(RG->getValue());
    TV->setHooks(hooksOperand(map(A[5])));
    size_t MetaIdx = F == TensorValue::Form::RebuildTensorV2 ? 6 : 7;
    if (N > MetaIdx)
      TV->setMetadata(A[MetaIdx]);
    TV->setDTypeGlobal(DTypeGlobal);
    break;
  }
  case TensorValue::Form::RebuildQTensor: {
    auto *RG = dyn_cast<BoolValue>(map(A[5]));
    if (!RG || !isQuantized(T))
      return O;
    TV->setQuantizer(A[4]);
    TV->setRequiresGrad(RG->getValue());
    TV->setHooks(hooksOperand(map(A[6])));
    break;
  }
  }
  return TV;
}

Value *Lowerer::lowerTensorClassState(ObjectValue *O) {
  // torch.FloatTensor() + BUILD (storage, offset, size, stride): 0.1.10.
  TupleValue *Args = O->getArgs();
  auto *State = dyn_cast_or_null<TupleValue>(
      O->getState() ? map(O->getState()) : nullptr);
  if (!Args || Args->size() != 0 || O->states().size() != 1 || !State ||
      !O->listItems().empty() || !O->dictItems().empty())
    return O;
  // Reuse the rebuild-call recogniser on the state tuple.
  ObjectValue Probe(ObjectValue::Form::Reduce, O->getCallable(), State);
  Value *T = lowerTensor(&Probe, TensorValue::Form::TensorClassState);
  return T == &Probe ? O : T;
}

Value *Lowerer::lowerSubclass(ObjectValue *O) {
  // _rebuild_from_type_v2(func, new_type, args, state): func(*args) made into
  // an instance of new_type, then given state.
  TupleValue *Args = O->getArgs();
  if (!Args || Args->size() != 4 || !hasNoMutations(O))
    return O;
  auto *Fn = dyn_cast<GlobalValue>(map((*Args)[0]));
  auto *InnerArgs = dyn_cast<TupleValue>(map((*Args)[2]));
  if (!Fn || !InnerArgs || Fn->getModule() != "torch._utils")
    return O;
  TensorValue::Form F;
  if (Fn->getName() == "_rebuild_tensor_v2")
    F = TensorValue::Form::RebuildTensorV2;
  else if (Fn->getName() == "_rebuild_tensor_v3")
    F = TensorValue::Form::RebuildTensorV3;
  else if (Fn->getName() == "_rebuild_qtensor")
    F = TensorValue::Form::RebuildQTensor;
  else if (Fn->getName() == "_rebuild_tensor")
    F = TensorValue::Form::RebuildTensor;
  else
    return O;
  ObjectValue Probe(ObjectValue::Form::Reduce, Fn, InnerArgs);
  auto *T = dyn_cast<TensorValue>(lowerTensor(&Probe, F));
  if (!T)
    return O;
  T->setSubclass(O->getCallable(), (*Args)[1], (*Args)[3]);
  return T;
}

Value *Lowerer::lowerParameter(ObjectValue *O) {
  TupleValue *Args = O->getArgs();
  if (!Args)
    return O;
  ArrayRef<Value *> A = Args->elements();
  // Variable-era Parameters (0.1 - 0.3), kept whole as the state:
  //   Parameter(data) + BUILD (requires_grad, volatile, hooks)       0.2-0.3
  //   Parameter.__new__() + BUILD (data, grad, hooks, rg, volatile)  0.1.x
  if (O->isCallTo("torch.nn.parameter", "Parameter") &&
      O->states().size() == 1 && O->listItems().empty() &&
      O->dictItems().empty()) {
    auto *S = dyn_cast<TupleValue>(map(O->getState()));
    Value *Data = nullptr;
    BoolValue *RG = nullptr;
    if (S && A.size() == 1 && S->size() == 3) {
      Data = map(A[0]);
      RG = dyn_cast<BoolValue>(map((*S)[0]));
    } else if (S && A.empty() && S->size() == 5) {
      Data = map((*S)[0]);
      RG = dyn_cast<BoolValue>(map((*S)[3]));
    }
    if (!RG || !isa_and_nonnull<TensorValue>(Data))
      return O;
    auto *P = C.create<ParameterValue>(
        ParameterValue::Form::ParameterLegacyState, Data, RG->getValue());
    P->setState(O);
    return P;
  }
  if (!hasNoMutations(O))
    return O;
  if (O->isCallTo("torch._utils", "_rebuild_parameter") && A.size() == 3 &&
      isa<TensorValue>(map(A[0]))) {
    auto *RG = dyn_cast<BoolValue>(map(A[1]));
    if (!RG)
      return O;
    auto *P = C.create<ParameterValue>(
        ParameterValue::Form::RebuildParameter, A[0], RG->getValue());
    P->setHooks(hooksOperand(map(A[2])));
    return P;
  }
  if (O->isCallTo("torch._utils", "_rebuild_parameter_with_state") &&
      A.size() == 4 && isa<TensorValue>(map(A[0]))) {
    auto *RG = dyn_cast<BoolValue>(map(A[1]));
    if (!RG)
      return O;
    auto *P = C.create<ParameterValue>(
        ParameterValue::Form::RebuildParameterWithState, A[0], RG->getValue());
    P->setHooks(hooksOperand(map(A[2])));
    P->setState(A[3]);
    return P;
  }
  if (O->isCallTo("torch.nn.parameter", "Parameter") &&
      O->getForm() == ObjectValue::Form::Reduce && A.size() == 2 &&
      isa<TensorValue>(map(A[0]))) {
    auto *RG = dyn_cast<BoolValue>(map(A[1]));
    if (!RG)
      return O;
    return C.create<ParameterValue>(ParameterValue::Form::ParameterCall, A[0],
                                    RG->getValue());
  }
  return O;
}

Value *Lowerer::lowerStateDict(ObjectValue *O) {
  if (O->getForm() != ObjectValue::Form::Reduce || !O->getArgs() ||
      O->getArgs()->size() > 1 || !O->listItems().empty() ||
      O->states().size() > 1 || ModuleInternals.count(O))
    return O;
  // Python 2's OrderedDict.__reduce__ passes the items as one argument:
  // OrderedDict([[k, v], ...]). Python 3 uses SETITEMS.
  SmallVector<DictItem, 16> Items(O->dictItems().begin(),
                                  O->dictItems().end());
  if (O->getArgs()->size() == 1) {
    auto *L = dyn_cast<SequenceValue>(map((*O->getArgs())[0]));
    if (!L || !O->dictItems().empty() ||
        !(isa<ListValue>(L) || isa<TupleValue>(L)))
      return O;
    for (Value *E : L->elements()) {
      auto *Pair = dyn_cast<SequenceValue>(map(E));
      if (!Pair || Pair->size() != 2 ||
          !(isa<ListValue>(Pair) || isa<TupleValue>(Pair)))
        return O;
      Items.push_back({(*Pair)[0], (*Pair)[1]});
    }
  }
  Value *State = O->getState();
  auto *StateDict = dyn_cast_or_null<MappingValue>(State ? map(State) : nullptr);
  if (State && !StateDict)
    return O;
  bool HasMetadata = StateDict && StateDict->lookup("_metadata");
  bool AllTensors = !Items.empty();
  for (const DictItem &It : Items) {
    if (!getStringValue(map(It.first)))
      return O;
    Value *V = map(It.second);
    if (!isa<TensorValue>(V) && !isa<ParameterValue>(V))
      AllTensors = false;
  }
  if (!HasMetadata && !AllTensors)
    return O;
  auto *SD = C.create<StateDictValue>(O->getCallable());
  for (const DictItem &It : Items)
    SD->set(It.first, It.second);
  SD->setState(State);
  return SD;
}

Value *Lowerer::lowerOptimizerState(DictValue *D) {
  if (D->size() != 2)
    return D;
  Value *State = D->lookup("state");
  Value *Groups = D->lookup("param_groups");
  if (!State || !Groups || !isa<MappingValue>(map(State)) ||
      !isa<ListValue>(map(Groups)))
    return D;
  auto *OS = C.create<OptimizerStateValue>();
  for (const DictItem &It : D->items())
    OS->getItems().push_back(It);
  return OS;
}

Value *Lowerer::lowerObject(ObjectValue *O) {
  GlobalValue *G = O->getCallableGlobal();
  if (!G)
    return O;
  // 0.1.x pickled Parameters with NEWOBJ; everything else torch writes is a
  // REDUCE.
  if (O->getForm() == ObjectValue::Form::NewObj &&
      G->is("torch.nn.parameter", "Parameter"))
    return lowerParameter(O);
  if (O->getForm() != ObjectValue::Form::Reduce)
    return O;
  if (G->getModule() == "torch._utils") {
    if (std::optional<TensorValue::Form> F = getTensorRebuildForm(G))
      return lowerTensor(O, *F);
    StringRef N = G->getName();
    if (N == "_rebuild_parameter" || N == "_rebuild_parameter_with_state")
      return lowerParameter(O);
    return O;
  }
  if (G->is("torch._tensor", "_rebuild_from_type_v2") ||
      G->is("torch.tensor", "_rebuild_from_type_v2"))
    return lowerSubclass(O);
  if (G->is("torch.nn.parameter", "Parameter"))
    return lowerParameter(O);
  if ((G->getModule() == "torch" || G->getModule() == "torch.cuda") &&
      G->getName().ends_with("Tensor") && G->getName() != "Tensor")
    return lowerTensorClassState(O);
  if (G->is("collections", "OrderedDict"))
    return lowerStateDict(O);
  return O;
}

Value *Lowerer::lower(Value *V) {
  if (auto *O = dyn_cast<ObjectValue>(V))
    return lowerObject(O);
  if (auto *D = dyn_cast<DictValue>(V))
    return lowerOptimizerState(D);
  return V;
}

void Lowerer::run() {
  ContainerInfo &CI = C.getContainer();
  SmallVector<Value **, 4> Roots;
  Value *Root = C.getRoot();
  for (Value **R : {&Root, &CI.SysInfo})
    if (*R)
      Roots.push_back(R);

  // Post-order over the graph, iteratively (hostile pickles nest deeply).
  std::vector<Value *> PostOrder;
  uint32_t Walk = newVisitWalk();
  SmallVector<std::pair<Value *, bool>, 64> Work;
  for (Value **R : Roots)
    if ((*R)->markVisited(Walk))
      Work.push_back({*R, false});
  while (!Work.empty()) {
    auto [V, Expanded] = Work.pop_back_val();
    if (Expanded) {
      PostOrder.push_back(V);
      continue;
    }
    Work.push_back({V, true});
    SmallVector<Value *, 8> Children;
    forEachChild(V, [&](Value *Ch) { Children.push_back(Ch); });
    for (Value *Ch : llvm::reverse(Children))
      if (!Ch->isScalar() && Ch->markVisited(Walk))
        Work.push_back({Ch, false});
  }

  // Module internals: values of `_parameters`, `_buffers`, `_modules` in
  // the BUILD state of pickled objects.
  for (Value *V : PostOrder)
    if (auto *O = dyn_cast<ObjectValue>(V))
      if (auto *S = dyn_cast_or_null<MappingValue>(O->getState()))
        for (StringRef K : {"_parameters", "_buffers", "_modules"})
          if (Value *I = S->lookup(K))
            ModuleInternals.insert(I);

  for (Value *V : PostOrder) {
    Value *New = lower(V);
    if (New != V)
      Replacement[V] = New;
  }
  if (Replacement.empty())
    return;

  // Rewrite every operand slot of old and new nodes.
  auto Rewrite = [&](Value *V) {
    forEachChildRef(V, [&](Value *&Ch) { Ch = map(Ch); });
  };
  for (Value *V : PostOrder)
    Rewrite(V);
  for (auto &[Old, New] : Replacement) {
    // A Variable-era Parameter keeps its original object as its state; that
    // slot must keep pointing at the original, not at the Parameter itself.
    auto *P = dyn_cast<ParameterValue>(New);
    Value *Keep = P && P->getForm() ==
                           ParameterValue::Form::ParameterLegacyState
                      ? P->getState()
                      : nullptr;
    Rewrite(New);
    if (Keep)
      P->setState(Keep);
  }
  C.setRoot(map(C.getRoot()));
  if (CI.SysInfo)
    CI.SysInfo = map(CI.SysInfo);
}

} // namespace

void lowerCheckpoint(Checkpoint &C) { Lowerer(C).run(); }

Value *lowerTensorCall(Checkpoint &C, Value *Callable, TupleValue *Args) {
  std::optional<TensorValue::Form> F =
      getTensorRebuildForm(dyn_cast<GlobalValue>(Callable));
  if (!F)
    return nullptr;
  ObjectValue Call(ObjectValue::Form::Reduce, Callable, Args);
  Value *T = Lowerer(C).lowerTensor(&Call, *F);
  return T == &Call ? nullptr : T;
}

} // namespace ckpt
