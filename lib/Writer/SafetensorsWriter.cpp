//===- SafetensorsWriter.cpp - Write the IR as a safetensors file ---------===//
//
// Part of ckpt-migrate. A safetensors file holds named contiguous tensors
// and string metadata, nothing else. What the IR holds beyond that is
// decided here, never dropped: a state dict's `_metadata` and the tensors
// that share another's storage (tied weights) go to `__metadata__` under
// ckpt-migrate's keys (ckpt/Container/Safetensors.h), which its reader
// restores; a tensor alone on part of a storage is written as its own
// elements; anything else (a non-tensor value, tensors sharing a storage
// that none of them covers, a dtype the format lacks) is an error naming it.
//
//===----------------------------------------------------------------------===//

#include "WriterInternals.h"
#include "ckpt/Container/Safetensors.h"
#include "ckpt/IR/DType.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/JSON.h"

using namespace llvm;

namespace ckpt {

namespace {

/// One tensor to write, or to record as an alias of one written.
struct Entry {
  std::string Name;
  const TensorValue *T;
  /// Its position among the root's items.
  size_t Position;
  /// Its storage (the root of a 0.x storage view) and its offset there, in
  /// elements.
  const StorageValue *S;
  int64_t Offset;
};

/// Whether \p E is its storage's bytes, whole and in order.
bool coversStorage(const Entry &E) {
  return E.Offset == 0 && E.T->isContiguous() &&
         E.T->getNumElements() * getDTypeSize(E.T->getDType()) ==
             E.S->getNumBytes();
}

/// The JSON of a scalar of `_metadata`; std::nullopt for anything else.
std::optional<json::Value> scalarJSON(const Value *V) {
  if (isa<NoneValue>(V))
    return json::Value(nullptr);
  if (auto *B = dyn_cast<BoolValue>(V))
    return json::Value(B->getValue());
  if (auto *I = dyn_cast<IntValue>(V))
    return json::Value(I->getValue());
  if (auto *F = dyn_cast<FloatValue>(V))
    return json::Value(F->getValue());
  if (std::optional<StringRef> S = getStringValue(V))
    return json::Value(S->str());
  return std::nullopt;
}

/// SafetensorsModuleVersionsKey's JSON for a state dict's `_metadata`.
Expected<std::string> moduleVersionsJSON(const Value *Metadata) {
  SmallVectorImpl<DictItem> *Items =
      getDictItems(const_cast<Value *>(Metadata));
  if (!Items)
    return makeError("$._metadata is not a mapping; safetensors cannot "
                     "hold it");
  json::Array Out;
  for (const DictItem &It : *Items) {
    std::optional<StringRef> Prefix = getStringValue(It.first);
    SmallVectorImpl<DictItem> *Inner = getDictItems(It.second);
    if (!Prefix || !Inner)
      return makeError("$._metadata holds an entry that is not prefix -> "
                       "dict; safetensors cannot hold it");
    json::Array Pairs;
    for (const DictItem &KV : *Inner) {
      std::optional<StringRef> K = getStringValue(KV.first);
      std::optional<json::Value> V = scalarJSON(KV.second);
      if (!K || !V)
        return makeError("$._metadata['{0}'] holds a value that is not a "
                         "number, string, bool or None; safetensors cannot "
                         "hold it",
                         *Prefix);
      Pairs.push_back(json::Array{K->str(), std::move(*V)});
    }
    Out.push_back(json::Array{Prefix->str(), json::Value(std::move(Pairs))});
  }
  return formatv("{0}", json::Value(std::move(Out))).str();
}

/// Appends the elements of \p T in row-major order: a slice of its storage
/// when they are contiguous, else gathered one by one.
Error writeElements(const Checkpoint &C, const Entry &E, raw_ostream &OS,
                    FileCopyStream *Direct, const Encoding &Enc) {
  const TensorValue *T = E.T;
  unsigned Size = getDTypeSize(T->getDType());
  StringRef Data = E.S->getData();
  uint64_t N = T->getNumElements();
  if (T->isContiguous())
    return writeBytes(C, Data.substr(E.Offset * Size, N * Size), OS, Direct,
                      Enc);
  forEachStridedElement(T->getSizes(), T->getStrides(), E.Offset,
                        [&](ArrayRef<int64_t>, int64_t At) {
                          OS << Data.substr(At * Size, Size);
                        });
  if (Enc.Progress)
    Enc.Progress->copied(N * Size);
  return Error::success();
}

} // namespace

Error writeSafetensors(const Checkpoint &C, raw_ostream &OS,
                       FileCopyStream *Direct, const Encoding &Enc) {
  auto *Root = dyn_cast<MappingValue>(getRootToWrite(C, Enc));
  if (!Root || isa<OptimizerStateValue>(Root))
    return makeError("$: a safetensors file holds a mapping of names to "
                     "tensors; the checkpoint's root is not one (keep one "
                     "state dict of it with -passes=select{{key=KEY})");
  std::vector<Entry> Entries;
  for (const DictItem &It : Root->items()) {
    std::optional<StringRef> Name = getStringValue(It.first);
    if (!Name)
      return makeError("$: a key that is not a string; safetensors names "
                       "tensors by strings");
    std::optional<TensorPlace> Place = getTensorPlace(It.second);
    if (!Place)
      return makeError("$['{0}']: not a tensor; safetensors holds tensors "
                       "only (keep one state dict of a training checkpoint "
                       "with -passes=select{{key=KEY})",
                       *Name);
    const TensorValue *T = Place->T;
    if (getDTypeSafetensorsName(T->getDType()).empty())
      return makeError("$['{0}']: safetensors has no dtype {1} (widen-dtype "
                       "converts some dtypes exactly)",
                       *Name, getDTypeTorchName(T->getDType()));
    if (T->getSubclass() || T->getForm() == TensorValue::Form::RebuildQTensor)
      return makeError("$['{0}']: safetensors holds plain tensors only, not "
                       "tensor subclasses or quantized tensors",
                       *Name);
    if (!Place->S->hasData())
      return makeError("$['{0}']: its storage has no bytes to write", *Name);
    Entries.push_back(
        {Name->str(), T, Entries.size(), Place->S, Place->Offset});
  }
  std::vector<std::pair<std::string, std::string>> Metadata;
  if (auto *SD = dyn_cast<StateDictValue>(Root))
    if (auto *State = dyn_cast_or_null<MappingValue>(SD->getState()))
      for (const DictItem &It : State->items()) {
        std::optional<StringRef> K = getStringValue(It.first);
        if (K && *K == "_metadata") {
          Expected<std::string> J = moduleVersionsJSON(It.second);
          if (!J)
            return J.takeError();
          Metadata.emplace_back(SafetensorsModuleVersionsKey.str(),
                                std::move(*J));
          continue;
        }
        return makeError("$.{0}: the state dict's attribute has no place in "
                         "a safetensors file",
                         K ? *K : StringRef("?"));
      }

  // Storages seen, with the entry written for each (one covering it whole)
  // and the others, which become aliases of it.
  MapVector<const StorageValue *, SmallVector<const Entry *, 1>> ByStorage;
  for (const Entry &E : Entries)
    ByStorage[E.S].push_back(&E);
  DenseSet<const Entry *> Aliased;
  json::Array Aliases;
  for (auto &[S, Group] : ByStorage) {
    if (Group.size() == 1)
      continue; // alone: written as its own elements
    auto Rep = find_if(Group, [](const Entry *E) { return coversStorage(*E); });
    if (Rep == Group.end()) {
      std::string Names;
      for (const Entry *E : Group)
        Names += (Names.empty() ? "'" : ", '") + E->Name + "'";
      return makeError("tensors {0} share storage '{1}', which none of them "
                       "covers whole: safetensors can hold them only as "
                       "separate copies",
                       Names, S->getKey());
    }
    for (const Entry *E : Group) {
      if (E == *Rep)
        continue;
      Aliased.insert(E);
      json::Array Shape, Stride;
      for (int64_t D : E->T->getSizes())
        Shape.push_back(D);
      for (int64_t D : E->T->getStrides())
        Stride.push_back(D);
      Aliases.push_back(json::Array{E->Name, (*Rep)->Name, E->Offset,
                                    json::Value(std::move(Shape)),
                                    json::Value(std::move(Stride))});
    }
  }
  if (!Aliases.empty())
    Metadata.emplace_back(
        SafetensorsAliasesKey.str(),
        formatv("{0}", json::Value(std::move(Aliases))).str());
  // Other metadata a safetensors input carried.
  if (C.getContainer().Kind == ContainerKind::Safetensors)
    for (const ExtraRecord &R : C.getContainer().Records)
      Metadata.emplace_back(R.Name, R.Data);
  llvm::sort(Metadata);

  // Data: larger elements first, so that every tensor is aligned to its
  // element size (the safetensors library orders its files so), else in
  // the root's order.
  std::vector<const Entry *> Written;
  for (const Entry &E : Entries)
    if (!Aliased.count(&E))
      Written.push_back(&E);
  llvm::stable_sort(Written, [](const Entry *A, const Entry *B) {
    return getDTypeSize(A->T->getDType()) > getDTypeSize(B->T->getDType());
  });
  // The state dict's order, when the data's differs.
  bool Reordered =
      !Aliased.empty() || any_of(llvm::enumerate(Written), [](const auto &E) {
        return E.value()->Position != E.index();
      });
  if (Reordered) {
    json::Array Order;
    for (const Entry &E : Entries)
      Order.push_back(E.Name);
    Metadata.emplace_back(SafetensorsOrderKey.str(),
                          formatv("{0}", json::Value(std::move(Order))).str());
    llvm::sort(Metadata);
  }
  std::vector<SafetensorsTensor> Header;
  uint64_t At = 0;
  for (const Entry *E : Written) {
    SafetensorsTensor H;
    H.Name = E->Name;
    H.DType = getDTypeSafetensorsName(E->T->getDType()).str();
    H.Shape.assign(E->T->getSizes().begin(), E->T->getSizes().end());
    H.Begin = At;
    At += E->T->getNumElements() * getDTypeSize(E->T->getDType());
    H.End = At;
    Header.push_back(std::move(H));
  }
  OS << buildSafetensorsHeader(Header, Metadata);
  for (const Entry *E : Written)
    if (Error Err = writeElements(C, *E, OS, Direct, Enc))
      return Err;
  return Error::success();
}

} // namespace ckpt
