//===- PlainData.cpp - Objects weights_only refuses made plain data -------===//
//
// Part of ckpt-migrate. The plain-data pass: every value torch's weights_only
// unpickler refuses becomes plain data it accepts, by the rules declared
// (and documented) in passes.td; each conversion is counted and listed with
// its path.
//
//===----------------------------------------------------------------------===//

#include "PythonObjects.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Target/WeightsOnly.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#define GEN_PASS_DEF_PLAINDATA
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// How a value is named in the per-value list: its global, or its kind.
std::string typeName(const Value *V) {
  if (auto *O = dyn_cast<ObjectValue>(V))
    if (GlobalValue *G = getObjectClass(const_cast<ObjectValue *>(O)))
      return G->getQualifiedName();
  if (auto *G = dyn_cast<GlobalValue>(V))
    return "class or function " + G->getQualifiedName();
  if (auto *R = dyn_cast<PersistentRefValue>(V))
    if (GlobalValue *G =
            getPersistentClass(const_cast<PersistentRefValue *>(R)))
      return "class " + G->getQualifiedName();
  switch (V->getKind()) {
  case Value::Kind::Str:
    return "str";
  case Value::Kind::Int:
  case Value::Kind::BigInt:
    return "int";
  case Value::Kind::Float:
    return "float";
  case Value::Kind::Bool:
    return "bool";
  case Value::Kind::None:
    return "None";
  case Value::Kind::Dict:
    return "dict";
  case Value::Kind::List:
    return "list";
  case Value::Kind::Tuple:
    return "tuple";
  case Value::Kind::Set:
    return "set";
  case Value::Kind::FrozenSet:
    return "frozenset";
  default:
    return "object";
  }
}

/// A scalar an enum member's value can be.
bool isScalar(const Value *V) {
  return isa<StrValue, BytesValue, IntValue, BigIntValue, FloatValue, BoolValue,
             NoneValue>(V);
}

class PlainDataPass : public impl::PlainDataBase<PlainDataPass> {
public:
  PlainDataPass(Options Opts, const TargetSpec &T)
      : Base(std::move(Opts)), T(T) {}

  static Expected<std::unique_ptr<Pass>> create(Options Opts) {
    const TargetSpec *T = lookupTarget(Opts.release);
    if (!T)
      return makeError("plain-data: unknown PyTorch release '{0}'",
                       Opts.release);
    return std::make_unique<PlainDataPass>(std::move(Opts),
                                           getWeightsOnlyRelease(*T));
  }

  Error run(Checkpoint &Ckpt, PassStatistics &S) override {
    C = &Ckpt;
    Stats = &S;
    Value *Root = C->getRoot();
    C->setRoot(visit(Root, "$"));
    return Error::success();
  }

private:
  bool allowed(const GlobalValue *G) const {
    return isWeightsOnlyAllowed(T, G->getModule(), G->getName());
  }

  /// Counts a conversion under \p Rule and lists it.
  Value *converted(StringRef Rule, const std::string &Path, const Value *Old,
                   Value *New) {
    Stats->add(Rule);
    Stats->remark(formatv("{0}: {1} -> {2} ({3})", Path, typeName(Old),
                          typeName(New), Rule)
                      .str());
    return New;
  }

  /// Converts the children of \p V in place; returns the value to use for
  /// \p V (itself, or what replaces it).
  Value *visit(Value *V, const std::string &Path) {
    if (!V)
      return V;
    auto It = Done.find(V);
    if (It != Done.end())
      return It->second;
    // A value reached again while its own conversion runs (a cycle) is
    // kept: the target verifier names it if it is still refused.
    if (!Active.insert(V).second)
      return V;
    Value *New = convert(V, Path);
    Active.erase(V);
    Done[V] = New;
    return New;
  }

  Value *convert(Value *V, const std::string &Path) {
    switch (V->getKind()) {
    case Value::Kind::Dict:
    case Value::Kind::StateDict:
    case Value::Kind::OptimizerState:
      visitItems(cast<MappingValue>(V)->getItems(), Path);
      return V;
    case Value::Kind::List:
    case Value::Kind::Tuple:
    case Value::Kind::Set:
      visitElements(cast<SequenceValue>(V)->getElements(), Path);
      return V;
    case Value::Kind::FrozenSet: {
      // weights_only builds sets, not frozensets (builtins.frozenset is
      // off its allowlist).
      auto *S = C->create<SetValue>();
      for (Value *E : cast<SequenceValue>(V)->elements())
        S->getElements().push_back(E);
      visitElements(S->getElements(), Path);
      return converted(NumFrozensets, Path, V, S);
    }
    case Value::Kind::Global: {
      auto *G = cast<GlobalValue>(V);
      if (allowed(G))
        return V;
      return converted(NumClasses, Path, V,
                       C->create<StrValue>(G->getQualifiedName()));
    }
    case Value::Kind::Object:
      return convertObject(cast<ObjectValue>(V), Path);
    case Value::Kind::PersistentRef:
      // A class the legacy and tar formats save as a persistent id.
      if (GlobalValue *G = getPersistentClass(cast<PersistentRefValue>(V)))
        return converted(NumClasses, Path, V,
                         C->create<StrValue>(G->getQualifiedName()));
      return V;
    case Value::Kind::Tensor: {
      // A tensor subclass (_rebuild_from_type_v2 with a user class): the
      // plain tensor, its bytes, shape and hooks unchanged.
      auto *TV = cast<TensorValue>(V);
      auto *Cls = dyn_cast_or_null<GlobalValue>(TV->getSubclass());
      if (!TV->getSubclass() || (Cls && allowed(Cls)))
        return V;
      std::string Old = Cls ? Cls->getQualifiedName() : "a tensor subclass";
      TV->setSubclass(nullptr, nullptr, nullptr);
      Stats->add(NumTensorSubclasses);
      Stats->remark(Path + ": " + Old + " -> tensor (tensor-subclasses)");
      return V;
    }
    default:
      // Scalars, tensors, storages, parameters: what weights_only reads.
      return V;
    }
  }

  void visitItems(SmallVectorImpl<DictItem> &Items, const std::string &Path) {
    for (DictItem &It : Items) {
      std::string Sub = Path + "[" + keyText(It.first) + "]";
      It.first = visit(It.first, Sub + " (key)");
      It.second = visit(It.second, Sub);
    }
  }

  void visitElements(SmallVectorImpl<Value *> &Elements,
                     const std::string &Path) {
    for (size_t I = 0; I != Elements.size(); ++I)
      Elements[I] = visit(Elements[I], formatv("{0}[{1}]", Path, I).str());
  }

  static std::string keyText(const Value *K) {
    if (auto S = getStringValue(const_cast<Value *>(K)))
      return ("'" + *S + "'").str();
    if (auto *I = dyn_cast<IntValue>(K))
      return std::to_string(I->getValue());
    return "?";
  }

  Value *convertObject(ObjectValue *O, const std::string &Path) {
    GlobalValue *G = getObjectClass(O);
    if (G && allowed(G)) {
      // OrderedDict, torch.Size, ...: kept; what it holds is converted.
      if (TupleValue *Args = O->getArgs())
        visitElements(Args->getElements(), Path);
      visitElements(O->getListItems(), Path);
      visitItems(O->getDictItems(), Path);
      return O;
    }
    if (!G)
      return O;
    StringRef M = G->getModule(), N = G->getName();
    if (M == "omegaconf" || M.starts_with("omegaconf."))
      if (Value *New = omegaconf(O))
        return converted(NumOmegaconf, Path, O, New);
    if ((M == "pathlib" || M == "pathlib._local") && N.contains("Path"))
      if (Value *New = path(O))
        return converted(NumPaths, Path, O, New);
    if (G->is("collections", "defaultdict")) {
      auto *D = C->create<DictValue>();
      for (const DictItem &It : O->getDictItems())
        D->set(It.first, It.second);
      visitItems(D->getItems(), Path);
      return converted(NumDefaultdicts, Path, O, D);
    }
    if (M == "numpy" && N == "dtype")
      if (auto DT = getNumpyDType(O))
        if (auto Name = getNumpyDTypeName(DT->first, DT->second))
          return converted(NumNumpyDtypes, Path, O, C->create<StrValue>(*Name));
    if (G->is("functools", "partial"))
      if (Value *New = partial(O, Path))
        return converted(NumPartials, Path, O, New);
    // How enum.Enum members pickle: Cls(value), nothing else.
    if (O->getForm() == ObjectValue::Form::Reduce && O->getArgs() &&
        O->getArgs()->size() == 1 && isScalar((*O->getArgs())[0]) &&
        O->states().empty() && O->listItems().empty() && O->dictItems().empty())
      return converted(NumEnums, Path, O, (*O->getArgs())[0]);
    if (Value *New = objectState(O, Path))
      return converted(NumObjects, Path, O, New);
    return O;
  }

  /// omegaconf's containers and value nodes: the state of a DictConfig or
  /// ListConfig holds `_content` (a dict or list of nodes, None, or an
  /// interpolation string); a value node holds `_val`.
  Value *omegaconf(ObjectValue *O) {
    auto *State = dyn_cast_or_null<MappingValue>(O->getState());
    if (!State)
      return nullptr;
    if (Value *Val = State->lookup("_val"))
      return plainOmegaconf(Val);
    Value *Content = State->lookup("_content");
    if (!Content)
      return nullptr;
    return plainOmegaconf(Content);
  }

  /// The plain value of an omegaconf node's content; nested nodes are
  /// unwrapped in turn (once each: configs share nodes through `_parent`,
  /// which is not followed).
  Value *plainOmegaconf(Value *V) {
    auto It = OmegaDone.find(V);
    if (It != OmegaDone.end())
      return It->second;
    Value *Out = V;
    if (auto *O = dyn_cast<ObjectValue>(V)) {
      GlobalValue *G = getObjectClass(O);
      if (G && G->getModule().starts_with("omegaconf"))
        if (Value *New = omegaconf(O))
          Out = New;
    } else if (auto *D = dyn_cast<DictValue>(V)) {
      auto *N = C->create<DictValue>();
      for (const DictItem &It : D->getItems())
        N->set(It.first, plainOmegaconf(It.second));
      Out = N;
    } else if (auto *L = dyn_cast<ListValue>(V)) {
      auto *N = C->create<ListValue>();
      for (Value *E : L->getElements())
        N->getElements().push_back(plainOmegaconf(E));
      Out = N;
    }
    OmegaDone[V] = Out;
    return Out;
  }

  /// PurePath.__reduce__ gives the class and the path's parts (Python 3.13:
  /// the raw paths); they join as os.path.join does.
  Value *path(ObjectValue *O) {
    if (!O->getArgs() || !O->states().empty())
      return nullptr;
    std::string Joined;
    bool Windows = O->getCallableGlobal()->getName().contains("Windows");
    char Sep = Windows ? '\\' : '/';
    for (Value *E : O->getArgs()->elements()) {
      auto S = getStringValue(E);
      if (!S)
        return nullptr;
      bool Absolute = S->starts_with("/") ||
                      (Windows && (S->starts_with("\\") || S->contains(':')));
      if (Absolute || Joined.empty())
        Joined = S->str();
      else if (!S->empty())
        Joined += (Joined.back() == Sep ? "" : std::string(1, Sep)) + S->str();
    }
    return C->create<StrValue>(Joined.empty() ? "." : Joined);
  }

  /// functools.partial pickles as partial(func) + BUILD (func, args,
  /// keywords, __dict__).
  Value *partial(ObjectValue *O, const std::string &Path) {
    auto *S = dyn_cast_or_null<TupleValue>(O->getState());
    if (!S || S->size() < 3)
      return nullptr;
    auto *Fn = dyn_cast<GlobalValue>((*S)[0]);
    auto *Args = dyn_cast<TupleValue>((*S)[1]);
    Value *Kw = (*S)[2];
    if (!Fn || !Args)
      return nullptr;
    auto *D = C->create<DictValue>();
    D->set(C->create<StrValue>("function"),
           C->create<StrValue>(Fn->getQualifiedName()));
    auto *L = C->create<ListValue>();
    for (Value *A : Args->elements())
      L->getElements().push_back(A);
    visitElements(L->getElements(), Path + "['args']");
    D->set(C->create<StrValue>("args"), L);
    auto *K = isa<NoneValue>(Kw) ? C->create<DictValue>() : Kw;
    D->set(C->create<StrValue>("keywords"), visit(K, Path + "['keywords']"));
    return D;
  }

  /// An object's `__dict__` state (BUILD with a dict, or the (dict, slots)
  /// pair) as a dict; a dict or list subclass as its items (attributes, if
  /// any, under "__dict__": a list's as `{"items": [...], "__dict__": ...}`);
  /// `{"args": [...]}` for an object built from arguments alone.
  Value *objectState(ObjectValue *O, const std::string &Path) {
    if (O->states().size() > 1 ||
        (!O->dictItems().empty() && !O->listItems().empty()))
      return nullptr;
    Value *State = O->getState();
    auto *Attrs = C->create<DictValue>();
    if (auto *M = dyn_cast_or_null<MappingValue>(State)) {
      for (const DictItem &It : M->getItems())
        Attrs->set(It.first, It.second);
    } else if (auto *P = dyn_cast_or_null<TupleValue>(State);
               P && P->size() == 2) {
      for (Value *Part : P->elements()) {
        if (isa<NoneValue>(Part))
          continue;
        auto *PM = dyn_cast<MappingValue>(Part);
        if (!PM)
          return nullptr;
        for (const DictItem &It : PM->getItems())
          Attrs->set(It.first, It.second);
      }
    } else if (State && !isa<NoneValue>(State)) {
      return nullptr;
    }
    Value *Out = Attrs;
    if (!O->dictItems().empty()) {
      auto *D = C->create<DictValue>();
      for (const DictItem &It : O->dictItems())
        D->set(It.first, It.second);
      if (!Attrs->getItems().empty())
        D->set(C->create<StrValue>("__dict__"), Attrs);
      Out = D;
    } else if (!O->listItems().empty()) {
      auto *L = C->create<ListValue>();
      for (Value *E : O->listItems())
        L->getElements().push_back(E);
      Out = L;
      // A list has nowhere to keep attributes: both go in a dict.
      if (!Attrs->getItems().empty()) {
        auto *D = C->create<DictValue>();
        D->set(C->create<StrValue>("items"), L);
        D->set(C->create<StrValue>("__dict__"), Attrs);
        Out = D;
      }
    } else if (!State) {
      auto *L = C->create<ListValue>();
      if (TupleValue *Args = O->getArgs())
        for (Value *A : Args->elements())
          L->getElements().push_back(A);
      Attrs->set(C->create<StrValue>("args"), L);
    }
    return convert(Out, Path);
  }

  const TargetSpec &T;
  Checkpoint *C = nullptr;
  PassStatistics *Stats = nullptr;
  DenseMap<Value *, Value *> Done, OmegaDone;
  DenseSet<Value *> Active;
};

} // namespace

} // namespace ckpt
