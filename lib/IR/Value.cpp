//===- Value.cpp - Nodes of the checkpoint IR -----------------------------===//

#include "ckpt/IR/Value.h"
#include "ckpt/IR/Checkpoint.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include <atomic>
#include <unistd.h>

using namespace llvm;

namespace ckpt {

std::optional<StringRef> getStringValue(const Value *V) {
  if (auto *S = dyn_cast_or_null<StrValue>(V))
    return S->getValue();
  if (auto *S = dyn_cast_or_null<Py2StrValue>(V))
    return S->getValue();
  return std::nullopt;
}

/// Python equality for the dict keys a pickle can carry: scalars by value,
/// everything else by identity.
static bool keysEqual(const Value *A, const Value *B) {
  if (A == B)
    return true;
  if (A->getKind() != B->getKind())
    return false;
  switch (A->getKind()) {
  case Value::Kind::Int:
    return cast<IntValue>(A)->getValue() == cast<IntValue>(B)->getValue();
  case Value::Kind::BigInt: {
    const APInt &X = cast<BigIntValue>(A)->getValue();
    const APInt &Y = cast<BigIntValue>(B)->getValue();
    return X.getBitWidth() == Y.getBitWidth() && X == Y;
  }
  case Value::Kind::Float:
    return cast<FloatValue>(A)->getValue() == cast<FloatValue>(B)->getValue();
  case Value::Kind::Str:
  case Value::Kind::Bytes:
  case Value::Kind::Py2Str:
    return cast<StringLikeValue>(A)->getValue() ==
           cast<StringLikeValue>(B)->getValue();
  case Value::Kind::Bool:
    return cast<BoolValue>(A)->getValue() == cast<BoolValue>(B)->getValue();
  case Value::Kind::None:
    return true;
  default:
    return false;
  }
}

/// A hash consistent with keysEqual: equal keys hash equally.
static uint64_t hashKey(const Value *K) {
  switch (K->getKind()) {
  case Value::Kind::Int:
    return hash_combine(K->getKind(), cast<IntValue>(K)->getValue());
  case Value::Kind::BigInt:
    return hash_combine(K->getKind(), hash_value(cast<BigIntValue>(K)->getValue()));
  case Value::Kind::Float: {
    double D = cast<FloatValue>(K)->getValue();
    return hash_combine(K->getKind(),
                        bit_cast<uint64_t>(D == 0 ? 0.0 : D)); // 0.0 == -0.0
  }
  case Value::Kind::Str:
  case Value::Kind::Bytes:
  case Value::Kind::Py2Str:
    return hash_combine(K->getKind(), cast<StringLikeValue>(K)->getValue());
  case Value::Kind::Bool:
    return hash_combine(K->getKind(), cast<BoolValue>(K)->getValue());
  case Value::Kind::None:
    return hash_combine(K->getKind());
  default:
    return hash_value(K);
  }
}

/// Mappings smaller than this are searched linearly.
static constexpr size_t MinIndexedSize = 16;

bool MappingValue::updateIndex() const {
  if (Items.size() < MinIndexedSize)
    return false;
  if (Items.size() >= UINT32_MAX / 4)
    report_fatal_error("mapping too large to index");
  if (size_t(IndexCapacity) < 2 * Items.size()) {
    IndexCapacity = uint32_t(PowerOf2Ceil(4 * Items.size()));
    Index = std::make_unique<IndexSlot[]>(IndexCapacity);
    IndexedItems = 0;
  }
  uint32_t Mask = IndexCapacity - 1;
  for (; IndexedItems < Items.size(); ++IndexedItems) {
    const Value *Key = Items[IndexedItems].first;
    uint64_t H = hashKey(Key);
    for (uint32_t Pos = uint32_t(H) & Mask;; Pos = (Pos + 1) & Mask) {
      IndexSlot &S = Index[Pos];
      if (!S.Item) {
        S = {IndexedItems + 1, uint32_t(H >> 32)};
        break;
      }
      // A key already indexed keeps its first position.
      if (S.Hash == uint32_t(H >> 32) &&
          keysEqual(Items[S.Item - 1].first, Key))
        break;
    }
  }
  return true;
}

DictItem *MappingValue::find(const Value *Key) {
  if (!updateIndex()) {
    for (DictItem &It : Items)
      if (keysEqual(It.first, Key))
        return &It;
    return nullptr;
  }
  uint64_t H = hashKey(Key);
  uint32_t Mask = IndexCapacity - 1;
  for (uint32_t Pos = uint32_t(H) & Mask;; Pos = (Pos + 1) & Mask) {
    const IndexSlot &S = Index[Pos];
    if (!S.Item)
      return nullptr;
    if (S.Hash == uint32_t(H >> 32) && keysEqual(Items[S.Item - 1].first, Key))
      return &Items[S.Item - 1];
  }
}

Value *MappingValue::lookup(StringRef Key) const {
  if (Items.size() < MinIndexedSize) {
    for (const DictItem &It : Items)
      if (auto S = getStringValue(It.first); S && *S == Key)
        return It.second;
    return nullptr;
  }
  // A str key or a Python 2 str key, whichever comes first.
  StrValue S(Key.str());
  Py2StrValue P(Key.str());
  auto *Self = const_cast<MappingValue *>(this);
  DictItem *A = Self->find(&S), *B = Self->find(&P);
  if (A && B)
    return (A < B ? A : B)->second;
  return A ? A->second : B ? B->second : nullptr;
}

void MappingValue::set(Value *Key, Value *V) {
  if (DictItem *It = find(Key)) {
    It->second = V;
    return;
  }
  Items.push_back({Key, V});
}

uint64_t TensorValue::getNumElements() const {
  uint64_t N = 1;
  for (int64_t S : Sizes)
    N *= S < 0 ? 0 : uint64_t(S);
  return N;
}

bool TensorValue::isContiguous() const {
  int64_t Expected = 1;
  for (unsigned I = Sizes.size(); I-- > 0;) {
    if (Sizes[I] != 1 && Strides[I] != Expected)
      return false;
    Expected *= Sizes[I];
  }
  return true;
}

SmallVector<int64_t, 4> getContiguousStrides(ArrayRef<int64_t> Sizes) {
  SmallVector<int64_t, 4> Strides(Sizes.size());
  int64_t Step = 1;
  for (size_t I = Sizes.size(); I-- > 0;) {
    Strides[I] = Step;
    Step *= std::max<int64_t>(Sizes[I], 1);
  }
  return Strides;
}

void forEachStridedElement(
    ArrayRef<int64_t> Sizes, ArrayRef<int64_t> Strides, int64_t Base,
    function_ref<void(ArrayRef<int64_t> Index, int64_t Offset)> Fn) {
  uint64_t N = 1;
  for (int64_t S : Sizes)
    N *= uint64_t(std::max<int64_t>(S, 0));
  SmallVector<int64_t, 4> Index(Sizes.size(), 0);
  int64_t Offset = Base;
  for (uint64_t I = 0; I != N; ++I) {
    Fn(Index, Offset);
    // The next index, keeping Offset in step with it.
    for (size_t D = Sizes.size(); D-- > 0;) {
      Offset += Strides[D];
      if (++Index[D] < Sizes[D])
        break;
      Offset -= Index[D] * Strides[D];
      Index[D] = 0;
    }
  }
}

SmallVectorImpl<DictItem> *getDictItems(Value *V) {
  if (auto *M = dyn_cast_or_null<MappingValue>(V))
    return &M->getItems();
  if (auto *O = dyn_cast_or_null<ObjectValue>(V))
    if (O->listItems().empty() && (!O->getArgs() || O->getArgs()->size() == 0))
      return &O->getDictItems();
  return nullptr;
}

SmallVectorImpl<DictItem> *StateDictValue::getMetadataItems() const {
  auto *S = dyn_cast_or_null<MappingValue>(State);
  return S ? getDictItems(S->lookup("_metadata")) : nullptr;
}

MappingValue *OptimizerStateValue::getParamState() const {
  return dyn_cast_or_null<MappingValue>(lookup("state"));
}

ListValue *OptimizerStateValue::getParamGroups() const {
  return dyn_cast_or_null<ListValue>(lookup("param_groups"));
}

Checkpoint::Checkpoint()
    : None(create<NoneValue>()), True(create<BoolValue>(true)),
      False(create<BoolValue>(false)) {
  None->setBuildShared();
  True->setBuildShared();
  False->setBuildShared();
}

Checkpoint::~Checkpoint() {
  // A slot may be listed twice (see releaseUnshared): each destroyed node
  // leaves a None, which destroys as nothing.
  for (Value *V : NodesToDestroy) {
    destroyValue(V);
    new (V) NoneValue();
  }
  for (const SourceFile &F : SourceFiles)
    ::close(F.FD);
}

std::vector<Value *> Checkpoint::getReachableForPass() {
  if (!ReachableValid || ReachableUsedInPass) {
    Reachable = collectReachable(Root);
    ReachableValid = true;
  }
  ReachableUsedInPass = true;
  return Reachable;
}

void Checkpoint::renumberStorageKeys() {
  unsigned N = 0;
  for (StorageValue *S : Storages)
    S->setKey(std::to_string(N++));
}

void Checkpoint::addSourceFile(MemoryBufferRef Buf, int FD) {
  SourceFiles.push_back({Buf.getBuffer(), FD});
}

std::optional<FileRange> Checkpoint::getFileRange(StringRef Bytes) const {
  for (const SourceFile &F : SourceFiles) {
    const char *B = F.Bytes.begin();
    if (Bytes.begin() >= B && Bytes.end() <= F.Bytes.end() &&
        !Bytes.empty())
      return FileRange{F.FD, uint64_t(Bytes.begin() - B), Bytes.size()};
  }
  return std::nullopt;
}

StringRef Checkpoint::saveBytes(std::string Bytes) {
  SavedBytes.push_back(std::move(Bytes));
  return SavedBytes.back();
}

const ExtraRecord *ContainerInfo::findRecord(StringRef Name) const {
  for (const ExtraRecord &R : Records)
    if (R.Name == Name)
      return &R;
  return nullptr;
}

bool isLegacyMagic(const Value *V) {
  auto *M = dyn_cast_or_null<BigIntValue>(V);
  return M && isLegacyMagicNumber(M->getValue());
}

} // namespace ckpt

namespace ckpt {

void forEachChild(const Value *V, function_ref<void(Value *)> Fn) {
  // Mappings are read through items(): getItems() would drop their key
  // index, and every walk would make the next lookup rebuild it.
  if (auto *M = dyn_cast<MappingValue>(V)) {
    if (auto *SD = dyn_cast<StateDictValue>(M))
      if (SD->getClass())
        Fn(SD->getClass());
    for (const DictItem &It : M->items()) {
      Fn(It.first);
      Fn(It.second);
    }
    if (auto *SD = dyn_cast<StateDictValue>(M))
      if (SD->getState())
        Fn(SD->getState());
    return;
  }
  forEachChildRef(const_cast<Value *>(V), [&](Value *&Ch) { Fn(Ch); });
}

void forEachChildRef(Value *V, function_ref<void(Value *&)> Fn) {
  auto Opt = [&](Value *&X) {
    if (X)
      Fn(X);
  };
  switch (V->getKind()) {
  case Value::Kind::Tuple:
  case Value::Kind::List:
  case Value::Kind::Set:
  case Value::Kind::FrozenSet:
    for (Value *&E : cast<SequenceValue>(V)->getElements())
      Fn(E);
    return;
  case Value::Kind::StateDict:
    Opt(cast<StateDictValue>(V)->getClassRef());
    [[fallthrough]];
  case Value::Kind::Dict:
  case Value::Kind::OptimizerState:
    for (DictItem &It : cast<MappingValue>(V)->getItems()) {
      Fn(It.first);
      Fn(It.second);
    }
    if (auto *SD = dyn_cast<StateDictValue>(V))
      Opt(SD->getStateRef());
    return;
  case Value::Kind::Object: {
    auto *O = cast<ObjectValue>(V);
    Opt(O->getCallableRef());
    Opt(O->getArgsRef());
    Opt(O->getKwargsRef());
    for (Value *&E : O->getListItems())
      Fn(E);
    for (DictItem &It : O->getDictItems()) {
      Fn(It.first);
      Fn(It.second);
    }
    for (Value *&S : O->getStates())
      Fn(S);
    return;
  }
  case Value::Kind::PersistentRef:
    Opt(cast<PersistentRefValue>(V)->getIdRef());
    return;
  case Value::Kind::Storage:
    return;
  case Value::Kind::Tensor: {
    auto *T = cast<TensorValue>(V);
    Opt(T->getHooksRef());
    Opt(T->getMetadataRef());
    Opt(T->getQuantizerRef());
    Opt(T->getDTypeGlobalRef());
    Opt(T->getSubclassWrapperRef());
    Opt(T->getSubclassRef());
    Opt(T->getSubclassStateRef());
    return;
  }
  case Value::Kind::Parameter: {
    auto *P = cast<ParameterValue>(V);
    Opt(P->getDataRef());
    Opt(P->getHooksRef());
    Opt(P->getStateRef());
    return;
  }
  default:
    return;
  }
}

/// Every kind with its concrete class.
#define CKPT_VALUE_CLASSES(X)                                                  \
  X(None, NoneValue)                                                           \
  X(Bool, BoolValue)                                                           \
  X(Int, IntValue)                                                             \
  X(BigInt, BigIntValue)                                                       \
  X(Float, FloatValue)                                                         \
  X(Complex, ComplexValue)                                                     \
  X(Str, StrValue)                                                             \
  X(Bytes, BytesValue)                                                         \
  X(Py2Str, Py2StrValue)                                                       \
  X(ByteArray, ByteArrayValue)                                                 \
  X(Tuple, TupleValue)                                                         \
  X(List, ListValue)                                                           \
  X(Set, SetValue)                                                             \
  X(FrozenSet, FrozenSetValue)                                                 \
  X(Dict, DictValue)                                                           \
  X(Global, GlobalValue)                                                       \
  X(Object, ObjectValue)                                                       \
  X(PersistentRef, PersistentRefValue)                                         \
  X(Extension, ExtensionValue)                                                 \
  X(Storage, StorageValue)                                                     \
  X(Tensor, TensorValue)                                                       \
  X(Parameter, ParameterValue)                                                 \
  X(StateDict, StateDictValue)                                                 \
  X(OptimizerState, OptimizerStateValue)

void destroyValue(Value *V) {
  switch (V->getKind()) {
#define CKPT_DESTROY(KIND, CLASS)                                              \
  case Value::Kind::KIND:                                                      \
    static_cast<CLASS *>(V)->~CLASS();                                         \
    return;
    CKPT_VALUE_CLASSES(CKPT_DESTROY)
#undef CKPT_DESTROY
  }
  llvm_unreachable("unknown value kind");
}

size_t getValueSize(Value::Kind K) {
  switch (K) {
#define CKPT_SIZE(KIND, CLASS)                                                 \
  case Value::Kind::KIND:                                                      \
    return sizeof(CLASS);
    CKPT_VALUE_CLASSES(CKPT_SIZE)
#undef CKPT_SIZE
  }
  llvm_unreachable("unknown value kind");
}

void Checkpoint::releaseUnshared(Value *Root, ArrayRef<Value *> Keep) {
  SmallVector<Value *, 16> Work{Root};
  while (!Work.empty()) {
    Value *V = Work.pop_back_val();
    if (V->isBuildShared() || V->getKind() >= Value::Kind::Storage ||
        is_contained(Keep, V))
      continue;
    forEachChild(V, [&](Value *Ch) { Work.push_back(Ch); });
    size_t Class = slotClass(getValueSize(V->getKind()));
    // Whether the slot is in NodesToDestroy: certainly if its node needs
    // destruction. (A slot a trivial node reused may be listed although this
    // says no; listing it twice is harmless, see ~Checkpoint.)
    bool Registered = false;
    switch (V->getKind()) {
#define CKPT_TRIVIAL(KIND, CLASS)                                              \
  case Value::Kind::KIND:                                                      \
    Registered = !std::is_trivially_destructible_v<CLASS>;                     \
    break;
      CKPT_VALUE_CLASSES(CKPT_TRIVIAL)
#undef CKPT_TRIVIAL
    }
    destroyValue(V);
    // The slot holds a None until reused, so that the destruction by kind at
    // the end does nothing to it.
    new (V) NoneValue();
    if (FreeSlots.size() <= Class)
      FreeSlots.resize(Class + 1);
    FreeSlots[Class].push_back(reinterpret_cast<uintptr_t>(V) |
                               uintptr_t(Registered));
  }
}

uint32_t newVisitWalk() {
  static std::atomic<uint32_t> Next{0};
  uint32_t W = ++Next;
  if (W == 0) // Wrapped: 0 is every node's initial mark.
    W = ++Next;
  return W;
}

std::vector<Value *> collectReachable(Value *Root) {
  std::vector<Value *> Out;
  if (!Root || Root->isScalar())
    return Out;
  uint32_t Walk = newVisitWalk();
  Root->markVisited(Walk);
  SmallVector<Value *, 64> Work{Root};
  SmallVector<Value *, 8> Children;
  while (!Work.empty()) {
    Value *V = Work.pop_back_val();
    Out.push_back(V);
    Children.clear();
    forEachChild(V, [&](Value *Ch) { Children.push_back(Ch); });
    for (Value *Ch : llvm::reverse(Children))
      if (!Ch->isScalar() && Ch->markVisited(Walk))
        Work.push_back(Ch);
  }
  return Out;
}

bool isEmptyOrderedDict(const Value *V) {
  auto *O = dyn_cast_or_null<ObjectValue>(V);
  return O && O->getForm() == ObjectValue::Form::Reduce &&
         O->isCallTo("collections", "OrderedDict") && O->getArgs() &&
         O->getArgs()->size() == 0 && O->listItems().empty() &&
         O->dictItems().empty() && O->states().empty();
}

} // namespace ckpt
