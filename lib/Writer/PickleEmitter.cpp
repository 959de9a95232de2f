//===- PickleEmitter.cpp - The IR as pickle opcodes -----------------------===//
//
// Part of ckpt-migrate. Mirrors CPython's Pickler for protocol 2 (memoize
// every container, object, string and global; batch APPENDS/SETITEMS by
// 1000), writing each node in the form its target release reads.
//
//===----------------------------------------------------------------------===//

#include "PickleEmitter.h"
#include "WriterInternals.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/PickleWriter.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/StringExtras.h"
#include <array>

using namespace llvm;
using namespace ckpt::pickle;

namespace ckpt {

namespace {

/// \p B as text with one code point per byte (latin-1), in UTF-8: how
/// Python pickles bytes and bytearrays below the protocols that have
/// opcodes for them.
std::string latin1Text(StringRef B) {
  std::string Text;
  for (char Ch : B) {
    unsigned char U = Ch;
    if (U < 0x80) {
      Text.push_back(Ch);
    } else {
      Text.push_back(char(0xC0 | (U >> 6)));
      Text.push_back(char(0x80 | (U & 0x3F)));
    }
  }
  return Text;
}

constexpr unsigned MaxEmitDepth = 20000;

} // namespace

void PickleEmitter::emitGlobal(StringRef Module, StringRef Name) {
  SmallString<64> Buf;
  StringRef Q = (Module + "\n" + Name).toStringRef(Buf);
  auto It = GlobalMemo.find(Q);
  if (It != GlobalMemo.end()) {
    W.get(It->second);
    return;
  }
  W.global(Module, Name);
  GlobalMemo[Q] = W.put();
}

void PickleEmitter::emitLatin1Call(StringRef Module, StringRef Name,
                                   StringRef B, StringRef Encoding) {
  emitGlobal(Module, Name);
  W.unicode(latin1Text(B));
  W.put();
  W.unicode(Encoding);
  W.put();
  W.tupleFromStack(2);
  W.put();
  W.op(Opcode::Reduce);
}

void PickleEmitter::emitEmptyOrderedDict() {
  emitGlobal("collections", "OrderedDict");
  W.emptyTuple();
  W.op(Opcode::Reduce);
  W.put();
}

Error PickleEmitter::emit(const Value *V, unsigned Depth) {
  if (Depth > MaxEmitDepth)
    return makeError("objects nested deeper than {0} levels cannot be "
                     "written",
                     MaxEmitDepth);
  if (!V->isScalar()) {
    auto It = Memo.find(V);
    if (It != Memo.end()) {
      W.get(It->second);
      return Error::success();
    }
  }
  if (Error E = emitBody(V, Depth))
    return E;
  flushToSink(size_t(1) << 20);
  return Error::success();
}

Error PickleEmitter::emitSequenceItems(ArrayRef<Value *> Items, unsigned Depth,
                                       bool Appends) {
  for (size_t I = 0; I < Items.size(); I += PickleWriter::BatchSize) {
    // Always MARK ... APPENDS, even for one item: libtorch's unpickler
    // (torch::pickle_load) has no APPEND/SETITEM, and every Python reads
    // both.
    ArrayRef<Value *> Batch =
        Items.slice(I, std::min(PickleWriter::BatchSize, Items.size() - I));
    W.mark();
    for (Value *X : Batch)
      if (Error E = emit(X, Depth + 1))
        return E;
    W.op(Appends ? Opcode::Appends : Opcode::AddItems);
  }
  return Error::success();
}

Error PickleEmitter::emitDictItems(ArrayRef<DictItem> Items, unsigned Depth) {
  for (size_t I = 0; I < Items.size(); I += PickleWriter::BatchSize) {
    ArrayRef<DictItem> Batch =
        Items.slice(I, std::min(PickleWriter::BatchSize, Items.size() - I));
    W.mark();
    for (const DictItem &It : Batch) {
      if (Error E = emit(It.first, Depth + 1))
        return E;
      if (Error E = emit(It.second, Depth + 1))
        return E;
    }
    W.op(Opcode::SetItems);
  }
  return Error::success();
}

Error PickleEmitter::emitTuple(const Value *Self,
                               ArrayRef<const Value *> Elements,
                               unsigned Depth) {
  if (Elements.empty()) {
    W.emptyTuple();
    return Error::success();
  }
  bool UseMark = Elements.size() > 3;
  if (UseMark)
    W.mark();
  for (const Value *E : Elements)
    if (Error Err = emit(E, Depth + 1))
      return Err;
  // A tuple reached again through a mutable element was completed by that
  // inner visit: drop what we pushed and fetch it, as CPython does.
  if (Self) {
    auto It = Memo.find(Self);
    if (It != Memo.end()) {
      if (UseMark)
        W.op(Opcode::PopMark);
      else
        for (size_t I = 0; I != Elements.size(); ++I)
          W.op(Opcode::Pop);
      W.get(It->second);
      return Error::success();
    }
  }
  W.tupleFromStack(Elements.size());
  if (Self)
    memoize(Self);
  else
    W.put();
  return Error::success();
}

StringRef PickleEmitter::keyFor(const StorageValue *S) {
  auto It = Keys.find(S);
  if (It != Keys.end())
    return It->second;
  StringRef K;
  bool Keep = KeepKeys && !S->getKey().empty() &&
              !UsedKeys.lookup(S->getKey()) &&
              (Target != ContainerKind::Zip ||
               S->getKey().find('/') == StringRef::npos);
  if (Keep) {
    K = S->getKey();
  } else {
    std::string New;
    do
      New = std::to_string(NextKey++);
    while (UsedKeys.lookup(New));
    NewKeys.push_back(std::move(New));
    K = NewKeys.back();
  }
  UsedKeys.insert(K, S);
  return Keys[S] = K;
}

void PickleEmitter::findShared(const Value *Root) {
  if (!Root || Root->isScalar())
    return;
  uint32_t Walk = newVisitWalk();
  SmallVector<const Value *, 64> Work;
  Root->markVisited(Walk);
  Work.push_back(Root);
  while (!Work.empty()) {
    const Value *V = Work.pop_back_val();
    forEachChild(V, [&](Value *Ch) {
      if (Ch->isScalar())
        return;
      if (Ch->markVisited(Walk))
        Work.push_back(Ch);
      else
        Shared.insert(Ch);
    });
  }
  // A parameter written as its tensor or its original object shares that
  // node's memo entry.
  for (const Value *V :
       SmallVector<const Value *, 8>(Shared.begin(), Shared.end()))
    if (auto *P = dyn_cast<ParameterValue>(V)) {
      if (P->getData())
        Shared.insert(P->getData());
      if (P->getState())
        Shared.insert(P->getState());
    }
}

Error PickleEmitter::emitStorage(const StorageValue *S, unsigned Depth) {
  auto It = Memo.find(S);
  if (It != Memo.end()) {
    W.get(It->second);
    return Error::success();
  }
  const StorageValue *Root = S->getViewRoot() ? S->getViewRoot() : S;
  if (S->getViewRoot() && Target != ContainerKind::Legacy)
    return makeError("storage '{0}' is a view of storage '{1}'; views can "
                     "only be written to legacy checkpoints",
                     S->getKey(), Root->getKey());
  if (!Root->hasData())
    return makeError(
        "storage '{0}' has no bytes (the IR gave only its checksum); print "
        "the IR with -inline-data to assemble it",
        Root->getKey());
  StringRef Cls = getDTypeStorageClass(Root->getDType());
  if (Cls.empty())
    return makeError("storage '{0}' of dtype {1} has no storage class; it "
                     "must be untyped",
                     Root->getKey(), getDTypeTorchName(Root->getDType()));
  bool NewRoot = !Keys.count(Root);
  StringRef Key = keyFor(Root);
  if (NewRoot)
    Records.push_back({Key, Root});

  // ('storage', class, key, location, numel[, view_metadata])
  W.mark();
  W.unicode("storage");
  emitGlobal(getDTypeStorageClassModule(Root->getDType()), Cls);
  W.unicode(Key);
  W.unicode(Root->getLocation());
  W.integer(Root->getNumElements());
  if (Target == ContainerKind::Legacy) {
    if (S->getViewRoot()) {
      W.unicode(keyFor(S));
      W.integer(S->getViewOffset());
      W.integer(S->getNumElements());
      W.tupleFromStack(3);
    } else {
      W.none();
    }
  }
  W.op(Opcode::Tuple);
  W.put();
  W.op(Opcode::BinPersId);
  memoize(S);
  return Error::success();
}

/// Emits a tuple of plain ints (sizes, strides).
static void emitIntTuple(PickleWriter &W, ArrayRef<int64_t> V) {
  if (V.empty()) {
    W.emptyTuple();
    return;
  }
  if (V.size() > 3)
    W.mark();
  for (int64_t X : V)
    W.integer(X);
  W.tupleFromStack(V.size());
  W.put();
}

Error PickleEmitter::emitTensor(const TensorValue *T, unsigned Depth) {
  const StorageValue *S = T->getStorage();
  int64_t Offset = T->getOffset();
  // Zip has no storage views: point at the root with the offset folded in.
  if (S->getViewRoot() && Target != ContainerKind::Legacy) {
    Offset += S->getViewOffset();
    S = S->getViewRoot();
  }
  auto EmitHooks = [&](const Value *H) -> Error {
    if (H)
      return emit(H, Depth + 1);
    emitEmptyOrderedDict();
    return Error::success();
  };

  // The release decides how plain tensors are pickled.
  TensorValue::Form Form = T->getForm();
  if (Release && (Form == TensorValue::Form::RebuildTensor ||
                  Form == TensorValue::Form::RebuildTensorV2 ||
                  Form == TensorValue::Form::TensorClassState))
    Form = Release->TensorForm == "tensor_v1"
               ? TensorValue::Form::RebuildTensor
               : TensorValue::Form::RebuildTensorV2;

  if (Form == TensorValue::Form::TensorClassState) {
    StringRef Cls = getDTypeStorageClass(S->getDType());
    if (!Cls.ends_with("Storage"))
      return makeError("a tensor of dtype {0} has no 0.1.10 tensor class",
                       getDTypeTorchName(T->getDType()));
    std::string TensorCls = (Cls.drop_back(7) + "Tensor").str();
    emitGlobal(S->getLocation().starts_with("cuda") ? "torch.cuda" : "torch",
               TensorCls);
    W.emptyTuple();
    W.op(Opcode::Reduce);
    memoize(T);
    W.mark();
    if (Error E = emitStorage(S, Depth + 1))
      return E;
    W.integer(Offset);
    emitIntTuple(W, T->getSizes());
    emitIntTuple(W, T->getStrides());
    W.op(Opcode::Tuple);
    W.put();
    W.op(Opcode::Build);
    return Error::success();
  }

  StringRef Fn;
  switch (Form) {
  case TensorValue::Form::RebuildTensor:
    Fn = "_rebuild_tensor";
    break;
  case TensorValue::Form::RebuildTensorV2:
    Fn = "_rebuild_tensor_v2";
    break;
  case TensorValue::Form::RebuildTensorV3:
    Fn = "_rebuild_tensor_v3";
    break;
  case TensorValue::Form::RebuildQTensor:
    Fn = "_rebuild_qtensor";
    break;
  case TensorValue::Form::TensorClassState:
    llvm_unreachable("handled above");
  }
  // _rebuild_from_type_v2(fn, cls, args, state) around the rebuild call.
  if (T->getSubclass()) {
    if (Error E = emit(T->getSubclassWrapper(), Depth + 1))
      return E;
    W.mark();
  }
  emitGlobal("torch._utils", Fn);
  if (T->getSubclass())
    if (Error E = emit(T->getSubclass(), Depth + 1))
      return E;
  W.mark();
  if (Error E = emitStorage(S, Depth + 1))
    return E;
  W.integer(Offset);
  emitIntTuple(W, T->getSizes());
  emitIntTuple(W, T->getStrides());
  switch (Form) {
  case TensorValue::Form::RebuildTensor:
    break;
  case TensorValue::Form::RebuildTensorV2:
  case TensorValue::Form::RebuildTensorV3:
    W.boolean(T->getRequiresGrad());
    if (Error E = EmitHooks(T->getHooks()))
      return E;
    if (T->getForm() == TensorValue::Form::RebuildTensorV3)
      emitGlobal("torch", getDTypeTorchName(T->getDType()));
    if (T->getMetadata())
      if (Error E = emit(T->getMetadata(), Depth + 1))
        return E;
    break;
  case TensorValue::Form::RebuildQTensor:
    if (!T->getQuantizer())
      return makeError("a quantized tensor has no quantizer parameters");
    if (Error E = emit(T->getQuantizer(), Depth + 1))
      return E;
    W.boolean(T->getRequiresGrad());
    if (Error E = EmitHooks(T->getHooks()))
      return E;
    break;
  case TensorValue::Form::TensorClassState:
    break;
  }
  W.op(Opcode::Tuple);
  W.put();
  if (T->getSubclass()) {
    if (Error E = emit(T->getSubclassState(), Depth + 1))
      return E;
    W.op(Opcode::Tuple);
    W.put();
  }
  W.op(Opcode::Reduce);
  memoize(T);
  return Error::success();
}

/// How \p Release pickles a Parameter that the IR holds in form \p F.
/// Returns std::nullopt when the release writes the bare tensor (0.4.0).
static std::optional<ParameterValue::Form>
mapParameterForm(ParameterValue::Form F, const TargetSpec *Release) {
  if (!Release)
    return F;
  StringRef Want = Release->ParameterForm;
  if (Want == "tensor")
    return std::nullopt;
  if (Want == "parameter_legacy" &&
      F == ParameterValue::Form::ParameterLegacyState)
    return F;
  if (Want == "parameter")
    return F == ParameterValue::Form::RebuildParameterWithState &&
                   is_contained(Release->RebuildFunctions,
                                "_rebuild_parameter_with_state")
               ? F
               : ParameterValue::Form::RebuildParameter;
  // 0.4.1's Parameter(data, requires_grad), which 0.2/0.3 accept too.
  return ParameterValue::Form::ParameterCall;
}

Error PickleEmitter::emitParameter(const ParameterValue *P, unsigned Depth) {
  std::optional<ParameterValue::Form> Form =
      mapParameterForm(P->getForm(), Release);
  if (!Form) {
    if (Error E = emit(P->getData(), Depth + 1))
      return E;
    Memo[P] = Memo.lookup(P->getData());
    return Error::success();
  }
  if (*Form == ParameterValue::Form::ParameterLegacyState) {
    if (!P->getState())
      return makeError("a Variable-era parameter lost its original object");
    if (Error E = emit(P->getState(), Depth + 1))
      return E;
    // The parameter is that object.
    Memo[P] = Memo.lookup(P->getState());
    return Error::success();
  }
  auto EmitHooks = [&]() -> Error {
    if (P->getHooks())
      return emit(P->getHooks(), Depth + 1);
    emitEmptyOrderedDict();
    return Error::success();
  };
  switch (*Form) {
  case ParameterValue::Form::RebuildParameter:
    emitGlobal("torch._utils", "_rebuild_parameter");
    if (Error E = emit(P->getData(), Depth + 1))
      return E;
    W.boolean(P->getRequiresGrad());
    if (Error E = EmitHooks())
      return E;
    W.tupleFromStack(3);
    W.put();
    break;
  case ParameterValue::Form::RebuildParameterWithState:
    emitGlobal("torch._utils", "_rebuild_parameter_with_state");
    W.mark();
    if (Error E = emit(P->getData(), Depth + 1))
      return E;
    W.boolean(P->getRequiresGrad());
    if (Error E = EmitHooks())
      return E;
    if (P->getState()) {
      if (Error E = emit(P->getState(), Depth + 1))
        return E;
    } else {
      W.none();
    }
    W.op(Opcode::Tuple);
    W.put();
    break;
  case ParameterValue::Form::ParameterCall:
    emitGlobal("torch.nn.parameter", "Parameter");
    if (Error E = emit(P->getData(), Depth + 1))
      return E;
    W.boolean(P->getRequiresGrad());
    W.tupleFromStack(2);
    W.put();
    break;
  case ParameterValue::Form::ParameterLegacyState:
    llvm_unreachable("handled above");
  }
  W.op(Opcode::Reduce);
  memoize(P);
  return Error::success();
}

/// If \p Id is the persistent id of a pickled nn.Module class, returns its
/// (class, source file, source): `('module', cls, file, src)` in legacy files,
/// `(cls, file, src)` in 0.1.x tar files.
static std::optional<std::array<Value *, 3>> getModuleSourceId(Value *Id) {
  auto *T = dyn_cast<TupleValue>(Id);
  if (!T)
    return std::nullopt;
  auto Tag = T->size() == 4 ? getStringValue((*T)[0]) : std::nullopt;
  if (Tag && *Tag == "module")
    return std::array<Value *, 3>{(*T)[1], (*T)[2], (*T)[3]};
  if (T->size() == 3 && isa<GlobalValue>((*T)[0]))
    return std::array<Value *, 3>{(*T)[0], (*T)[1], (*T)[2]};
  return std::nullopt;
}

Error PickleEmitter::emitPersistentRef(const PersistentRefValue *P,
                                       unsigned Depth) {
  if (auto Module = getModuleSourceId(P->getId())) {
    // Zip checkpoints name module classes directly; legacy ones attach the
    // class source for torch's SourceChangeWarning.
    if (Target != ContainerKind::Legacy)
      return emit((*Module)[0], Depth + 1);
    W.mark();
    W.unicode("module");
    W.put();
    for (Value *X : *Module)
      if (Error E = emit(X, Depth + 1))
        return E;
    W.op(Opcode::Tuple);
    W.put();
    W.op(Opcode::BinPersId);
    memoize(P);
    return Error::success();
  }
  if (Error E = emit(P->getId(), Depth + 1))
    return E;
  W.op(Opcode::BinPersId);
  memoize(P);
  return Error::success();
}

Error PickleEmitter::emitBody(const Value *V, unsigned Depth) {
  switch (V->getKind()) {
  case Value::Kind::None:
    W.none();
    return Error::success();
  case Value::Kind::Bool:
    W.boolean(cast<BoolValue>(V)->getValue());
    return Error::success();
  case Value::Kind::Int:
    W.integer(cast<IntValue>(V)->getValue());
    return Error::success();
  case Value::Kind::BigInt:
    W.bigInteger(cast<BigIntValue>(V)->getValue());
    return Error::success();
  case Value::Kind::Float:
    W.floating(cast<FloatValue>(V)->getValue());
    return Error::success();
  case Value::Kind::Complex: {
    auto *Cx = cast<ComplexValue>(V);
    emitGlobal("builtins", "complex");
    W.floating(Cx->getReal());
    W.floating(Cx->getImag());
    W.tupleFromStack(2);
    W.put();
    W.op(Opcode::Reduce);
    memoize(V);
    return Error::success();
  }
  case Value::Kind::Str:
    W.unicode(cast<StrValue>(V)->getValue());
    memoize(V);
    return Error::success();
  case Value::Kind::Bytes: {
    StringRef B = cast<BytesValue>(V)->getValue();
    // Protocol 2 has no bytes opcodes: Python 3 pickles bytes as
    // _codecs.encode(text, 'latin1') (what torch's weights_only unpickler
    // also reads).
    if (Protocol >= 3)
      W.bytes(B);
    else
      emitLatin1Call("_codecs", "encode", B, "latin1");
    memoize(V);
    return Error::success();
  }
  case Value::Kind::Py2Str:
    W.py2String(cast<Py2StrValue>(V)->getValue());
    memoize(V);
    return Error::success();
  case Value::Kind::ByteArray: {
    StringRef B = cast<ByteArrayValue>(V)->getValue();
    // bytearray.__reduce_ex__ below protocol 5: bytearray(text, 'latin-1').
    if (Protocol >= 5)
      W.byteArray(B);
    else
      emitLatin1Call("builtins", "bytearray", B, "latin-1");
    memoize(V);
    return Error::success();
  }
  case Value::Kind::Tuple: {
    auto *T = cast<TupleValue>(V);
    SmallVector<const Value *, 8> Elements(T->elements().begin(),
                                           T->elements().end());
    return emitTuple(T, Elements, Depth);
  }
  case Value::Kind::List:
    W.emptyList();
    memoize(V);
    return emitSequenceItems(cast<ListValue>(V)->elements(), Depth, true);
  case Value::Kind::Set:
  case Value::Kind::FrozenSet: {
    auto Items = cast<SequenceValue>(V)->elements();
    bool Frozen = isa<FrozenSetValue>(V);
    if (Protocol >= 4 && !Frozen) {
      W.emptySet();
      memoize(V);
      return emitSequenceItems(Items, Depth, /*Appends=*/false);
    }
    // set(list) / frozenset(list), as CPython writes them below protocol 4.
    emitGlobal("builtins", Frozen ? "frozenset" : "set");
    W.emptyList();
    W.put();
    if (Error E = emitSequenceItems(Items, Depth, true))
      return E;
    W.tupleFromStack(1);
    W.put();
    W.op(Opcode::Reduce);
    memoize(V);
    return Error::success();
  }
  case Value::Kind::Dict:
  case Value::Kind::OptimizerState:
    W.emptyDict();
    memoize(V);
    return emitDictItems(cast<MappingValue>(V)->items(), Depth);
  case Value::Kind::Global: {
    auto *G = cast<GlobalValue>(V);
    emitGlobal(G->getModule(), G->getName());
    return Error::success();
  }
  case Value::Kind::Object: {
    auto *O = cast<ObjectValue>(V);
    switch (O->getForm()) {
    case ObjectValue::Form::Reduce:
    case ObjectValue::Form::NewObj:
    case ObjectValue::Form::NewObjEx:
      if (Error E = emit(O->getCallable(), Depth + 1))
        return E;
      if (Error E = emit(O->getArgs(), Depth + 1))
        return E;
      if (O->getForm() == ObjectValue::Form::NewObjEx) {
        if (Error E = emit(O->getKwargs(), Depth + 1))
          return E;
        W.op(Opcode::NewObjEx);
      } else {
        W.op(O->getForm() == ObjectValue::Form::Reduce ? Opcode::Reduce
                                                       : Opcode::NewObj);
      }
      break;
    case ObjectValue::Form::Inst:
    case ObjectValue::Form::Obj: {
      W.mark();
      auto *G = O->getCallableGlobal();
      if (O->getForm() == ObjectValue::Form::Obj || !G)
        if (Error E = emit(O->getCallable(), Depth + 1))
          return E;
      for (Value *A : O->getArgs()->elements())
        if (Error E = emit(A, Depth + 1))
          return E;
      if (O->getForm() == ObjectValue::Form::Inst && G) {
        W.inst(G->getModule(), G->getName());
      } else {
        W.op(Opcode::Obj);
      }
      break;
    }
    }
    memoize(V);
    if (!O->listItems().empty())
      if (Error E = emitSequenceItems(O->listItems(), Depth, true))
        return E;
    if (!O->dictItems().empty())
      if (Error E = emitDictItems(O->dictItems(), Depth))
        return E;
    for (Value *S : O->states()) {
      if (Error E = emit(S, Depth + 1))
        return E;
      W.op(Opcode::Build);
    }
    return Error::success();
  }
  case Value::Kind::PersistentRef:
    return emitPersistentRef(cast<PersistentRefValue>(V), Depth);
  case Value::Kind::Extension:
    W.extension(cast<ExtensionValue>(V)->getCode());
    return Error::success();
  case Value::Kind::Storage:
    return emitStorage(cast<StorageValue>(V), Depth);
  case Value::Kind::Tensor:
    return emitTensor(cast<TensorValue>(V), Depth);
  case Value::Kind::Parameter:
    return emitParameter(cast<ParameterValue>(V), Depth);
  case Value::Kind::StateDict: {
    auto *SD = cast<StateDictValue>(V);
    if (Error E = emit(SD->getClass(), Depth + 1))
      return E;
    W.emptyTuple();
    W.op(Opcode::Reduce);
    memoize(V);
    if (Error E = emitDictItems(SD->items(), Depth))
      return E;
    if (SD->getState()) {
      if (Error E = emit(SD->getState(), Depth + 1))
        return E;
      W.op(Opcode::Build);
    }
    return Error::success();
  }
  }
  llvm_unreachable("unknown value kind");
}

Expected<std::string> pickleValue(const Value *Root, unsigned Protocol) {
  std::string Out;
  PickleEmitter PE(Out, ContainerKind::Pickle, /*KeepKeys=*/false, nullptr);
  if (Error E = PE.emitPickle(Root, Protocol))
    return E;
  if (!PE.records().empty())
    return makeError("a bare pickle cannot hold storages");
  return Out;
}

} // namespace ckpt
