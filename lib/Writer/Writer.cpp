//===- Writer.cpp - Write the IR as a checkpoint --------------------------===//
//
// Part of ckpt-migrate. The pickle emitter mirrors CPython's Pickler for
// protocol 2 (memoize every container, object, string and global; batch
// APPENDS/SETITEMS by 1000), and the containers mirror torch.save: the legacy
// stream of torch/serialization.py `_legacy_save` and the zip archive of
// `_save` + PyTorchStreamWriter.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Writer/Writer.h"
#include "WriterInternals.h"
#include "ckpt/Container/Container.h"
#include "ckpt/Container/ZipWriter.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/PickleWriter.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/FileRange.h"
#include "ckpt/Support/StorageKeyMap.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

using namespace llvm;
using namespace ckpt::pickle;

namespace ckpt {

Error writeBytes(const Checkpoint &C, StringRef Bytes, raw_ostream &OS,
                 FileCopyStream *Direct, const Encoding &Enc) {
  if (std::optional<FileRange> R = C.getFileRange(Bytes))
    return Direct ? Direct->copyFrom(*R, Enc.Progress)
                  : copyFileRange(*R, OS, Enc.Progress);
  OS << Bytes;
  if (Enc.Progress)
    Enc.Progress->copied(Bytes.size());
  return Error::success();
}

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

/// A storage as it is written: its record key and where its bytes are.
struct StorageRecord {
  llvm::StringRef Key; ///< Owned by the storage or by the emitter.
  const StorageValue *S;
};

/// Emits the main pickle from the IR and collects the storages it names.
class PickleEmitter {
public:
  PickleEmitter(std::string &Out, ContainerKind Target, bool KeepKeys,
                const TargetSpec *Release = nullptr)
      : Out(Out), W(Out), Target(Target), KeepKeys(KeepKeys), Release(Release) {
  }

  /// Emits the pickle of \p Root. With \p Sink, the bytes go there as they
  /// are made (the output string stays small); else they stay in the output.
  Error emitPickle(const Value *Root, unsigned Protocol,
                   raw_ostream *Sink = nullptr) {
    this->Sink = Sink;
    findShared(Root);
    W.proto(Protocol);
    this->Protocol = Protocol;
    if (Error E = emit(Root, 0))
      return E;
    W.stop();
    flushToSink(0);
    return Error::success();
  }

  /// Root storages named by the pickle, in first-reference order.
  std::vector<StorageRecord> &records() { return Records; }

private:
  Error emit(const Value *V, unsigned Depth);
  Error emitBody(const Value *V, unsigned Depth);
  Error emitSequenceItems(ArrayRef<Value *> Items, unsigned Depth,
                          bool Appends);
  Error emitDictItems(ArrayRef<DictItem> Items, unsigned Depth);
  Error emitTuple(const Value *Self, ArrayRef<const Value *> Elements,
                  unsigned Depth);
  Error emitStorage(const StorageValue *S, unsigned Depth);
  Error emitTensor(const TensorValue *T, unsigned Depth);
  Error emitParameter(const ParameterValue *P, unsigned Depth);
  Error emitPersistentRef(const PersistentRefValue *P, unsigned Depth);
  void emitGlobal(StringRef Module, StringRef Name);
  /// Module.Name(text, Encoding) with \p B as latin-1 text, as Python pickles
  /// bytes and bytearrays below the protocols with opcodes for them; every
  /// part memoized as the generic object it reads back as, so that writing
  /// the result again gives the same bytes.
  void emitLatin1Call(StringRef Module, StringRef Name, StringRef B,
                      StringRef Encoding);
  void emitEmptyOrderedDict();
  /// Puts \p V in the pickle's memo (as CPython puts every object); only
  /// nodes that are reached more than once need their index kept.
  void memoize(const Value *V) {
    uint32_t Index = W.put();
    if (Shared.contains(V))
      Memo[V] = Index;
  }
  /// Finds the nodes reached more than once from \p Root (Shared).
  void findShared(const Value *Root);
  /// Moves the pickle made so far to the sink once it holds \p Min bytes.
  void flushToSink(size_t Min) {
    if (Sink && Out.size() >= Min) {
      *Sink << Out;
      Out.clear();
    }
  }

  /// Calls a global with the given arguments (REDUCE), as save_reduce does.
  Error emitCall(StringRef Module, StringRef Name, ArrayRef<const Value *> Args,
                 unsigned Depth);
  /// The record key of \p S (kept from the input or assigned).
  StringRef keyFor(const StorageValue *S);

  std::string &Out;
  raw_ostream *Sink = nullptr;
  PickleWriter W;
  ContainerKind Target;
  bool KeepKeys;
  /// The release written for, or null to keep each node's own form.
  const TargetSpec *Release;
  unsigned Protocol = 2;
  DenseMap<const Value *, uint32_t> Memo;
  DenseSet<const Value *> Shared;
  StringMap<uint32_t> GlobalMemo;
  DenseMap<const StorageValue *, StringRef> Keys;
  /// The storage that took each key.
  StorageKeyMap<const StorageValue *> UsedKeys;
  /// Keys the emitter made up (stable addresses).
  std::deque<std::string> NewKeys;
  std::vector<StorageRecord> Records;
  unsigned NextKey = 0;
};

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

/// Sorts \p Records by key as strings, as torch's
/// `sorted(serialized_storages.keys())`. The keys' first eight bytes are
/// compared as one big-endian integer first: millions of keys scattered
/// over the IR then cost no cache miss per comparison.
void sortByKey(std::vector<StorageRecord> &Records) {
  struct Entry {
    uint64_t Prefix;
    const StorageRecord *R;
  };
  std::vector<Entry> Order;
  Order.reserve(Records.size());
  for (const StorageRecord &R : Records) {
    uint64_t P = 0;
    for (size_t I = 0; I != 8; ++I)
      P = (P << 8) | (I < R.Key.size() ? uint8_t(R.Key[I]) : 0);
    Order.push_back({P, &R});
  }
  llvm::sort(Order, [](const Entry &A, const Entry &B) {
    if (A.Prefix != B.Prefix)
      return A.Prefix < B.Prefix;
    return A.R->Key < B.R->Key;
  });
  std::vector<StorageRecord> Sorted;
  Sorted.reserve(Records.size());
  for (const Entry &E : Order)
    Sorted.push_back(*E.R);
  Records = std::move(Sorted);
}

/// Pickles a standalone value with protocol 2 (magic, version, key list).
template <typename Fn> std::string pickleSmall(Fn Body) {
  std::string Out;
  PickleWriter W(Out);
  W.proto(2);
  Body(W);
  W.stop();
  return Out;
}

/// Appends the bytes of \p S.
Error writeStorageData(const Checkpoint &C, const StorageValue &S,
                       raw_ostream &OS, FileCopyStream *Direct,
                       const Encoding &Enc) {
  return writeBytes(C, S.getData(), OS, Direct, Enc);
}

/// The zip CRC-32 of \p S's bytes: the input's when it recorded one for
/// exactly these bytes, else computed without mapping them in.
Expected<uint32_t> getStorageCRC(const Checkpoint &C, const StorageValue &S) {
  if (std::optional<uint32_t> CRC = S.getZipCRC())
    return *CRC;
  if (std::optional<FileRange> R = C.getFileRange(S.getData()))
    return crc32FileRange(*R);
  return crc32(arrayRefFromStringRef(S.getData()));
}

/// The CRC-32s of a zip's storage records, computed by a background thread
/// in record order when the input did not record them (safetensors, legacy,
/// DCP inputs, converted storages).
class CRCPipeline {
public:
  CRCPipeline(const Checkpoint &C, ArrayRef<StorageRecord> Records)
      : C(C), Records(Records), Results(Records.size()) {
    bool Needed = any_of(Records, [](const StorageRecord &R) {
      return !R.S->getZipCRC() && !R.S->getData().empty();
    });
    if (Needed)
      Worker = std::thread([this] { run(); });
  }
  ~CRCPipeline() {
    if (Worker.joinable()) {
      Stop = true;
      Worker.join();
    }
  }

  /// The CRC of record \p I, waiting for the worker if need be.
  Expected<uint32_t> get(size_t I) {
    if (!Worker.joinable())
      return getStorageCRC(C, *Records[I].S);
    std::unique_lock<std::mutex> Lock(M);
    Ready.wait(Lock, [&] { return Done > I; });
    if (!Results[I].Error.empty())
      return makeError("{0}", Results[I].Error);
    return Results[I].CRC;
  }

private:
  struct Result {
    uint32_t CRC = 0;
    std::string Error;
  };
  void run() {
    for (size_t I = 0; I != Records.size() && !Stop; ++I) {
      Result R;
      Expected<uint32_t> CRC = getStorageCRC(C, *Records[I].S);
      if (CRC)
        R.CRC = *CRC;
      else
        R.Error = toString(CRC.takeError());
      std::lock_guard<std::mutex> Lock(M);
      Results[I] = std::move(R);
      Done = I + 1;
      Ready.notify_one();
    }
  }

  const Checkpoint &C;
  ArrayRef<StorageRecord> Records;
  std::vector<Result> Results;
  std::mutex M;
  std::condition_variable Ready;
  size_t Done = 0;
  std::atomic<bool> Stop{false};
  std::thread Worker;
};

Error writeLegacy(const Checkpoint &C, raw_ostream &OS, FileCopyStream *Direct,
                  const Encoding &Enc) {
  const ContainerInfo &CI = C.getContainer();
  bool SameKind = CI.Kind == ContainerKind::Legacy;

  OS << pickleSmall(
      [](PickleWriter &W) { W.bigInteger(getLegacyMagicNumber()); });
  OS << pickleSmall([](PickleWriter &W) { W.integer(1001); });
  if (SameKind && CI.SysInfo) {
    std::string SysInfo;
    PickleEmitter SE(SysInfo, ContainerKind::Legacy, true);
    if (Error E = SE.emitPickle(CI.SysInfo, 2))
      return E;
    OS << SysInfo;
  } else {
    // {'protocol_version': 1001, 'little_endian': True,
    //  'type_sizes': {'short': 2, 'int': 4, 'long': 4}}
    OS << pickleSmall([](PickleWriter &W) {
      W.emptyDict();
      W.put();
      W.mark();
      W.unicode("protocol_version");
      W.put();
      W.integer(1001);
      W.unicode("little_endian");
      W.put();
      W.boolean(true);
      W.unicode("type_sizes");
      W.put();
      W.emptyDict();
      W.put();
      W.mark();
      W.unicode("short");
      W.put();
      W.integer(2);
      W.unicode("int");
      W.put();
      W.integer(4);
      W.unicode("long");
      W.put();
      W.integer(4);
      W.op(Opcode::SetItems);
      W.op(Opcode::SetItems);
    });
  }
  // The main pickle streams out as it is made: it decides which storages
  // are written, under which keys, but nothing before it depends on that.
  std::string Main;
  PickleEmitter PE(Main, ContainerKind::Legacy, /*KeepKeys=*/true, Enc.Target);
  if (Error E = PE.emitPickle(getRootToWrite(C, Enc), Enc.PickleProtocol, &OS))
    return E;

  // Keys sorted as strings, as torch's `sorted(serialized_storages.keys())`.
  std::vector<StorageRecord> Records = PE.records();
  sortByKey(Records);
  OS << pickleSmall([&](PickleWriter &W) {
    W.emptyList();
    W.put();
    for (size_t I = 0; I < Records.size(); I += PickleWriter::BatchSize) {
      size_t N = std::min(PickleWriter::BatchSize, Records.size() - I);
      W.mark();
      for (size_t J = I; J != I + N; ++J) {
        W.unicode(Records[J].Key);
        W.put();
      }
      W.op(Opcode::Appends);
    }
  });
  for (const StorageRecord &R : Records) {
    char Count[8];
    uint64_t N = R.S->getNumElements();
    for (unsigned I = 0; I != 8; ++I)
      Count[I] = static_cast<char>((N >> (8 * I)) & 0xff);
    OS.write(Count, 8);
    if (Error E = writeStorageData(C, *R.S, OS, Direct, Enc))
      return E;
  }
  return Error::success();
}

/// A record of ZipRecords.def.
struct KnownZipRecord {
  StringRef Name;
  bool Trailing;
};

constexpr KnownZipRecord KnownZipRecords[] = {
#define CKPT_ZIP_RECORD(Name, Trailing) {Name, Trailing},
#include "ckpt/Container/ZipRecords.def"
};

/// The contents of a record of ZipRecords.def other than
/// `.data/serialization_id`, as this writer writes the archive.
std::string makeZipRecord(StringRef Name) {
  if (Name == "byteorder")
    return "little"; // storages are always written little-endian
  if (Name == ".format_version")
    return "1"; // storages in pickle order
  if (Name == ".storage_alignment")
    return std::to_string(ZipWriter::Alignment);
  llvm_unreachable("not a record of ZipRecords.def");
}

Error writeZip(const Checkpoint &C, raw_ostream &OS, FileCopyStream *Direct,
               const Encoding &Enc) {
  const ContainerInfo &CI = C.getContainer();
  bool SameKind = CI.Kind == ContainerKind::Zip;
  std::string Main;
  PickleEmitter PE(Main, ContainerKind::Zip, /*KeepKeys=*/SameKind, Enc.Target);
  if (Error E = PE.emitPickle(getRootToWrite(C, Enc), Enc.PickleProtocol))
    return E;

  std::string Root = Enc.ArchiveRoot.empty() ? "archive" : Enc.ArchiveRoot;
  ZipWriter Z(OS, Root);
  Z.addRecord("data.pkl", Main);

  // The records of ZipRecords.def are facts of how this writer lays the
  // archive out, so it makes them itself: those the target's torch.save
  // writes, or without a target those the input had.
  auto Wanted = [&](StringRef Name) {
    return Enc.Target ? is_contained(Enc.Target->ZipRecords, Name)
                      : SameKind && CI.findRecord(Name);
  };
  auto IsKnown = [](StringRef Name) {
    return any_of(KnownZipRecords,
                  [&](const KnownZipRecord &K) { return K.Name == Name; });
  };
  auto AddKnown = [&](bool Trailing) {
    for (const KnownZipRecord &K : KnownZipRecords)
      if (K.Trailing == Trailing && Wanted(K.Name))
        Z.addRecord(K.Name, K.Name == ".data/serialization_id"
                                ? Z.getSerializationId()
                                : makeZipRecord(K.Name));
  };
  // Other records of the input (a torch.package's, a user's) keep their
  // place: before the data, or after `version` for `.data/*`.
  auto IsTrailing = [](StringRef N) {
    return N == "version" || N.starts_with(".data/");
  };
  AddKnown(/*Trailing=*/false);
  if (SameKind)
    for (const ExtraRecord &R : CI.Records)
      if (!IsTrailing(R.Name) && !IsKnown(R.Name))
        Z.addRecord(R.Name, R.Data);
  // torch before 2.7 writes storages sorted by key as strings; 2.7
  // (`.format_version` 1) in pickle order, the order PE found them in.
  std::vector<StorageRecord> Records = PE.records();
  if (!Wanted(".format_version"))
    sortByKey(Records);
  // Each record's CRC-32 goes in its local header, before its bytes. Those
  // the input did not record are computed on a second thread, one record
  // ahead of the copy, so that reading for the CRC and copying overlap.
  CRCPipeline CRCs(C, Records);
  for (size_t I = 0; I != Records.size(); ++I) {
    const StorageRecord &R = Records[I];
    Expected<uint32_t> CRC = CRCs.get(I);
    if (!CRC)
      return CRC.takeError();
    if (Error E = Z.addRecord(("data/" + R.Key).str(), R.S->getData().size(),
                              *CRC, [&](raw_ostream &Out) {
                                return writeStorageData(C, *R.S, Out, Direct,
                                                        Enc);
                              }))
      return E;
  }
  const ExtraRecord *Version = SameKind ? CI.findRecord("version") : nullptr;
  std::string VersionText = Version ? Version->Data : "3\n";
  // 1.4 reads zip files up to version 2; torch.save's payload is the same.
  if (Enc.Target && Enc.Target->MaxZipVersion > 0 &&
      Enc.Target->MaxZipVersion < 3)
    VersionText = std::to_string(Enc.Target->MaxZipVersion) + "\n";
  Z.addRecord("version", VersionText);
  if (SameKind)
    for (const ExtraRecord &R : CI.Records)
      if (IsTrailing(R.Name) && R.Name != "version" && !IsKnown(R.Name))
        Z.addRecord(R.Name, R.Data);
  AddKnown(/*Trailing=*/true);
  Z.finish();
  return Error::success();
}

} // namespace

ContainerKind getOutputContainer(const Checkpoint &C, const Encoding &Enc) {
  if (Enc.Container)
    return *Enc.Container;
  if (Enc.Target)
    return Enc.Target->DefaultContainer == "zip" ? ContainerKind::Zip
                                                 : ContainerKind::Legacy;
  ContainerKind K = C.getContainer().Kind;
  if (K == ContainerKind::Zip || K == ContainerKind::Safetensors)
    return K;
  // What dcp_to_torch_save writes.
  if (K == ContainerKind::DCP)
    return ContainerKind::Zip;
  return ContainerKind::Legacy;
}

std::optional<ContainerKind> getContainerForOutputName(StringRef Path,
                                                       ContainerKind Input) {
  if (Path.ends_with(".safetensors"))
    return ContainerKind::Safetensors;
  // A torch.save file from a safetensors one or a DCP directory:
  // torch.save's default.
  if ((Input == ContainerKind::Safetensors || Input == ContainerKind::DCP) &&
      Path != "-")
    return ContainerKind::Zip;
  return std::nullopt;
}

/// Writes \p C to \p OS; \p Direct is \p OS when it is a file the kernel can
/// copy input ranges into.
static Error writeCheckpointTo(const Checkpoint &C, raw_ostream &OS,
                               FileCopyStream *Direct, const Encoding &EncIn) {
  if (!getRootToWrite(C, EncIn))
    return makeError("the checkpoint has no root object");
  Encoding Enc = EncIn;
  if (Enc.Target)
    Enc.PickleProtocol =
        std::min<unsigned>(Enc.PickleProtocol, Enc.Target->MaxPickleProtocol);
  // torch's weights_only unpickler (2.6's default load) implements protocol
  // 2's opcodes only: no SHORT_BINBYTES, FRAME, MEMOIZE or STACK_GLOBAL
  // ("Unsupported operand 67"). Protocol 2 is what torch.save writes anyway.
  if (Enc.Target && Enc.Target->WeightsOnlyDefault)
    Enc.PickleProtocol = std::min<unsigned>(Enc.PickleProtocol, 2);
  switch (getOutputContainer(C, Enc)) {
  case ContainerKind::Legacy:
    return writeLegacy(C, OS, Direct, Enc);
  case ContainerKind::Zip:
    return writeZip(C, OS, Direct, Enc);
  case ContainerKind::Safetensors:
    return writeSafetensors(C, OS, Direct, Enc);
  case ContainerKind::DCP:
    return makeError("a DCP checkpoint is a directory; name it with -o");
  case ContainerKind::Tar:
  case ContainerKind::Pickle:
    return makeError("writing {0} checkpoints is not supported; use "
                     "-format=legacy, -format=zip or -format=safetensors",
                     getContainerKindName(*Enc.Container));
  }
  llvm_unreachable("unknown container");
}

Error writeCheckpoint(const Checkpoint &C, raw_ostream &OS,
                      const Encoding &Enc) {
  return writeCheckpointTo(C, OS, /*Direct=*/nullptr, Enc);
}

Error writeCheckpointFile(const Checkpoint &C, StringRef Path,
                          const Encoding &EncIn) {
  if (getOutputContainer(C, EncIn) == ContainerKind::DCP) {
    if (Path == "-")
      return makeError("a DCP checkpoint is a directory; name it with -o");
    return writeDCPDirectory(C, Path, EncIn);
  }
  Encoding Enc = EncIn;
  if (Enc.ArchiveRoot.empty() && Path != "-")
    Enc.ArchiveRoot = sys::path::stem(Path).str();
  if (Enc.ArchiveRoot.empty())
    Enc.ArchiveRoot = "archive";
  if (Path == "-") {
    if (Error E = writeCheckpoint(C, outs(), Enc))
      return E;
    outs().flush();
    return Error::success();
  }

  // Never a partial output file, and never a write through the input.
  return writeFileAtomically(Path, [&](int FD) -> Error {
    FileCopyStream OS(FD, /*shouldClose=*/false);
    // Pickles and small tensors go through this buffer: large writes.
    OS.SetBufferSize(size_t(1) << 20);
    if (Error E = writeCheckpointTo(C, OS, &OS, Enc))
      return E;
    OS.flush();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error();
      return createFileError(Path, errorCodeToError(EC));
    }
    return Error::success();
  });
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

Error writeZipArchive(const Checkpoint &C, raw_ostream &OS,
                      FileCopyStream *Direct, const Encoding &Enc) {
  return writeZip(C, OS, Direct, Enc);
}

} // namespace ckpt
