//===- SafetensorsReader.cpp - Read safetensors files into the IR ---------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "SafetensorsReader.h"
#include "ckpt/Container/Safetensors.h"
#include "ckpt/IR/DType.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

using namespace llvm;

namespace ckpt {

namespace {

/// A JSON array of integers, or std::nullopt.
std::optional<SmallVector<int64_t, 4>> getInts(const json::Value *V) {
  const json::Array *A = V ? V->getAsArray() : nullptr;
  if (!A)
    return std::nullopt;
  SmallVector<int64_t, 4> Out;
  for (const json::Value &E : *A) {
    std::optional<int64_t> I = E.getAsInteger();
    if (!I)
      return std::nullopt;
    Out.push_back(*I);
  }
  return Out;
}

/// The error for ckpt-migrate's `__metadata__` record \p Key when it is not
/// \p Shape.
Error badRecord(StringRef Key, StringRef Shape) {
  return decodeError(8, "safetensors __metadata__ '{0}' is not {1}", Key,
                     Shape);
}

/// ckpt-migrate's `__metadata__` record \p Text, a JSON array; std::nullopt
/// when it is not one.
std::optional<json::Array> parseRecordArray(StringRef Text) {
  Expected<json::Value> J = json::parse(Text);
  if (!J) {
    consumeError(J.takeError());
    return std::nullopt;
  }
  if (json::Array *A = J->getAsArray())
    return std::move(*A);
  return std::nullopt;
}

/// A scalar of `_metadata` from its JSON form.
Value *makeScalar(Checkpoint &C, const json::Value &V) {
  if (V.kind() == json::Value::Null)
    return C.getNone();
  if (std::optional<bool> B = V.getAsBoolean())
    return C.getBool(*B);
  if (std::optional<int64_t> I = V.getAsInteger())
    return C.create<IntValue>(*I);
  if (std::optional<double> D = V.getAsNumber())
    return C.create<FloatValue>(*D);
  if (std::optional<StringRef> S = V.getAsString())
    return C.create<StrValue>(S->str());
  return nullptr;
}

/// `_metadata` from SafetensorsModuleVersionsKey's JSON.
Expected<Value *> makeModuleVersions(Checkpoint &C, StringRef Text) {
  auto Bad = [] {
    return badRecord(SafetensorsModuleVersionsKey,
                     "[[prefix, [[key, value], ...]], ...]");
  };
  std::optional<json::Array> Entries = parseRecordArray(Text);
  if (!Entries)
    return Bad();
  auto *Metadata =
      C.create<ObjectValue>(ObjectValue::Form::Reduce,
                            C.create<GlobalValue>("collections", "OrderedDict"),
                            C.create<TupleValue>());
  for (const json::Value &E : *Entries) {
    const json::Array *Pair = E.getAsArray();
    if (!Pair || Pair->size() != 2 || !(*Pair)[0].getAsString() ||
        !(*Pair)[1].getAsArray())
      return Bad();
    auto *Inner = C.create<DictValue>();
    for (const json::Value &KV : *(*Pair)[1].getAsArray()) {
      const json::Array *P = KV.getAsArray();
      Value *Val = P && P->size() == 2 ? makeScalar(C, (*P)[1]) : nullptr;
      if (!Val || !(*P)[0].getAsString())
        return Bad();
      Inner->set(C.create<StrValue>((*P)[0].getAsString()->str()), Val);
    }
    Metadata->getDictItems().push_back(
        {C.create<StrValue>((*Pair)[0].getAsString()->str()), Inner});
  }
  return Metadata;
}

/// The tensors of SafetensorsAliasesKey's \p Text, which view the storages
/// of the stored tensors \p ByName, appended to \p SD.
Error addAliases(Checkpoint &C, StateDictValue &SD,
                 StringMap<TensorValue *> &ByName, StringRef Text) {
  auto Bad = [] {
    return badRecord(SafetensorsAliasesKey,
                     "[[name, stored tensor, offset, [shape], [stride]], "
                     "...] over stored tensors");
  };
  std::optional<json::Array> Entries = parseRecordArray(Text);
  if (!Entries)
    return Bad();
  for (const json::Value &E : *Entries) {
    const json::Array *A = E.getAsArray();
    if (!A || A->size() != 5)
      return Bad();
    std::optional<StringRef> Name = (*A)[0].getAsString();
    std::optional<StringRef> Of = (*A)[1].getAsString();
    std::optional<int64_t> Offset = (*A)[2].getAsInteger();
    auto Shape = getInts(&(*A)[3]);
    auto Stride = getInts(&(*A)[4]);
    TensorValue *Base = Of ? ByName.lookup(*Of) : nullptr;
    if (!Name || !Base || !Offset || *Offset < 0 || !Shape || !Stride ||
        Shape->size() != Stride->size() || ByName.count(*Name) ||
        any_of(*Shape, [](int64_t D) { return D < 0; }) ||
        any_of(*Stride, [](int64_t D) { return D < 0; }))
      return Bad();
    auto *TV = C.create<TensorValue>(Base->getForm(), Base->getStorage(),
                                     Base->getDType());
    TV->setShape(*Shape, *Stride);
    TV->setOffset(*Offset);
    TV->setDTypeGlobal(Base->getDTypeGlobal());
    SD.getItems().push_back({C.create<StrValue>(Name->str()), TV});
    ByName[*Name] = TV;
  }
  return Error::success();
}

/// Puts \p SD's items in the order SafetensorsOrderKey's \p Text records: a
/// permutation of its names.
Error applyOrder(Checkpoint &C, StateDictValue &SD,
                 StringMap<TensorValue *> &ByName, StringRef Text) {
  auto Bad = [] {
    return badRecord(SafetensorsOrderKey, "the list of the tensors' names");
  };
  std::optional<json::Array> Names = parseRecordArray(Text);
  if (!Names || Names->size() != SD.size())
    return Bad();
  SmallVector<DictItem, 0> Items;
  StringSet<> Seen;
  for (const json::Value &N : *Names) {
    std::optional<StringRef> Name = N.getAsString();
    if (!Name || !Seen.insert(*Name).second || !ByName.count(*Name))
      return Bad();
    Items.push_back({C.create<StrValue>(Name->str()), ByName[*Name]});
  }
  SD.getItems() = std::move(Items);
  return Error::success();
}

} // namespace

Error readSafetensors(Checkpoint &C, MemoryBufferRef Buf) {
  Expected<SafetensorsHeader> H = parseSafetensorsHeader(Buf);
  if (!H)
    return H.takeError();
  StringRef Data = Buf.getBuffer();
  ContainerInfo &CI = C.getContainer();
  auto *SD = C.create<StateDictValue>(
      C.create<GlobalValue>("collections", "OrderedDict"));
  StringMap<TensorValue *> ByName;
  for (const SafetensorsTensor &T : H->Tensors) {
    std::optional<DType> DT = parseSafetensorsDTypeName(T.DType);
    if (!DT)
      return decodeError(8,
                         "safetensors dtype '{0}' of '{1}' has no torch "
                         "dtype here",
                         T.DType, T.Name);
    // torch 2.x saves the dtypes without a typed storage class as v3
    // tensors over untyped byte storages; so does this reader.
    bool Untyped = getDTypeStorageClass(*DT).empty();
    uint64_t Bytes = T.End - T.Begin;
    auto *S =
        C.create<StorageValue>(Untyped ? DType::Untyped : *DT,
                               Untyped ? Bytes : Bytes / getDTypeSize(*DT),
                               "cpu", std::to_string(C.getStorages().size()));
    S->setData(Data.substr(H->DataStart + T.Begin, Bytes),
               H->DataStart + T.Begin);
    C.getStorages().push_back(S);
    auto *TV =
        C.create<TensorValue>(Untyped ? TensorValue::Form::RebuildTensorV3
                                      : TensorValue::Form::RebuildTensorV2,
                              S, *DT);
    TV->setShape(T.Shape, getContiguousStrides(T.Shape));
    if (Untyped)
      TV->setDTypeGlobal(
          C.create<GlobalValue>("torch", getDTypeTorchName(*DT).str()));
    SD->getItems().push_back({C.create<StrValue>(T.Name), TV});
    ByName[T.Name] = TV;
  }

  std::string Order;
  for (const auto &[Key, Text] : H->Metadata) {
    if (Key == SafetensorsAliasesKey) {
      if (Error E = addAliases(C, *SD, ByName, Text))
        return E;
      continue;
    }
    if (Key == SafetensorsOrderKey) {
      Order = Text;
      continue;
    }
    if (Key == SafetensorsModuleVersionsKey) {
      Expected<Value *> M = makeModuleVersions(C, Text);
      if (!M)
        return M.takeError();
      auto *State = C.create<DictValue>();
      State->set(C.create<StrValue>("_metadata"), *M);
      SD->setState(State);
      continue;
    }
    CI.Records.push_back({Key, Text});
  }
  if (!Order.empty())
    if (Error E = applyOrder(C, *SD, ByName, Order))
      return E;
  C.setRoot(SD);
  return Error::success();
}

} // namespace ckpt
