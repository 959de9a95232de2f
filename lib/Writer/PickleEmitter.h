//===- PickleEmitter.h - The IR as pickle opcodes ---------------*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the writer: emits a checkpoint's main
// pickle as CPython's Pickler for protocol 2 (and up) would, and collects
// the storages it names for the container writers.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_WRITER_PICKLEEMITTER_H
#define CKPT_LIB_WRITER_PICKLEEMITTER_H

#include "ckpt/Container/Container.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/PickleWriter.h"
#include "ckpt/Support/StorageKeyMap.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace ckpt {
struct TargetSpec;

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
  llvm::Error emitPickle(const Value *Root, unsigned Protocol,
                         llvm::raw_ostream *Sink = nullptr) {
    this->Sink = Sink;
    findShared(Root);
    W.proto(Protocol);
    this->Protocol = Protocol;
    if (llvm::Error E = emit(Root, 0))
      return E;
    W.stop();
    flushToSink(0);
    return llvm::Error::success();
  }

  /// Root storages named by the pickle, in first-reference order.
  std::vector<StorageRecord> &records() { return Records; }

private:
  llvm::Error emit(const Value *V, unsigned Depth);
  llvm::Error emitBody(const Value *V, unsigned Depth);
  llvm::Error emitSequenceItems(llvm::ArrayRef<Value *> Items, unsigned Depth,
                                bool Appends);
  llvm::Error emitDictItems(llvm::ArrayRef<DictItem> Items, unsigned Depth);
  llvm::Error emitTuple(const Value *Self,
                        llvm::ArrayRef<const Value *> Elements, unsigned Depth);
  llvm::Error emitStorage(const StorageValue *S, unsigned Depth);
  llvm::Error emitTensor(const TensorValue *T, unsigned Depth);
  llvm::Error emitParameter(const ParameterValue *P, unsigned Depth);
  llvm::Error emitPersistentRef(const PersistentRefValue *P, unsigned Depth);
  void emitGlobal(llvm::StringRef Module, llvm::StringRef Name);
  /// Module.Name(text, Encoding) with \p B as latin-1 text, as Python pickles
  /// bytes and bytearrays below the protocols with opcodes for them; every
  /// part memoized as the generic object it reads back as, so that writing
  /// the result again gives the same bytes.
  void emitLatin1Call(llvm::StringRef Module, llvm::StringRef Name,
                      llvm::StringRef B, llvm::StringRef Encoding);
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
  llvm::Error emitCall(llvm::StringRef Module, llvm::StringRef Name,
                       llvm::ArrayRef<const Value *> Args, unsigned Depth);
  /// The record key of \p S (kept from the input or assigned).
  llvm::StringRef keyFor(const StorageValue *S);

  std::string &Out;
  llvm::raw_ostream *Sink = nullptr;
  pickle::PickleWriter W;
  ContainerKind Target;
  bool KeepKeys;
  /// The release written for, or null to keep each node's own form.
  const TargetSpec *Release;
  unsigned Protocol = 2;
  llvm::DenseMap<const Value *, uint32_t> Memo;
  llvm::DenseSet<const Value *> Shared;
  llvm::StringMap<uint32_t> GlobalMemo;
  llvm::DenseMap<const StorageValue *, llvm::StringRef> Keys;
  /// The storage that took each key.
  StorageKeyMap<const StorageValue *> UsedKeys;
  /// Keys the emitter made up (stable addresses).
  std::deque<std::string> NewKeys;
  std::vector<StorageRecord> Records;
  unsigned NextKey = 0;
};

} // namespace ckpt

#endif // CKPT_LIB_WRITER_PICKLEEMITTER_H
