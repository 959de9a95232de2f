//===- Reader.cpp - Read any checkpoint into the IR -----------------------===//
//
// Part of ckpt-migrate. One reader per container family; all share the pickle
// machine and the storage bookkeeping below. Follows torch/serialization.py
// (`_legacy_load`, `_load`) step by step, minus the execution.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Reader/Reader.h"
#include "ReaderInternals.h"
#include "SafetensorsReader.h"
#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Pickle/Unpickler.h"
#include "ckpt/Reader/Lowering.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/FileRange.h"
#include "ckpt/Support/MemoryLimit.h"
#include "ckpt/Support/StorageKeyMap.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

using namespace llvm;

namespace ckpt {
namespace {

/// The protocol version the legacy format records after its magic number.
constexpr int64_t LegacyProtocolVersion = 1001;

/// Storage bookkeeping shared by the readers: one StorageValue per key.
class StorageTable {
public:
  explicit StorageTable(Checkpoint &C) : C(C) {}

  /// Returns the storage under \p Key, creating it on first sight. A second
  /// sight must agree on dtype and size, as torch's cache assumes.
  Expected<StorageValue *> get(StringRef Key, DType T, uint64_t NumElements,
                               StringRef Location, uint64_t Offset) {
    if (StorageValue *S = ByKey.lookup(Key)) {
      if (S->getDType() != T || S->getNumElements() != NumElements)
        return decodeError(Offset,
                           "storage '{0}' is referenced as {1}[{2}] after "
                           "being declared {3}[{4}]",
                           Key, getDTypeIRName(T), NumElements,
                           getDTypeIRName(S->getDType()), S->getNumElements());
      return S;
    }
    if (__builtin_mul_overflow(NumElements, uint64_t(getDTypeSize(T)),
                               &Scratch))
      return decodeError(Offset,
                         "storage '{0}' claims {1} elements, which "
                         "overflows a byte count",
                         Key, NumElements);
    auto *S = C.create<StorageValue>(T, NumElements, Location.str(), Key.str());
    ByKey.insert(S->getKey(), S);
    C.getStorages().push_back(S);
    return S;
  }

  StorageValue *lookup(StringRef Key) const { return ByKey.lookup(Key); }

private:
  Checkpoint &C;
  StorageKeyMap<StorageValue *> ByKey;
  uint64_t Scratch;
};

/// Parses the fields shared by legacy and zip storage persistent ids:
/// (tag, storage class, key, location, numel, ...).
struct StoragePid {
  DType T;
  StringRef Key;      ///< Points into the pid's own str node.
  StringRef Location; ///< Points into the pid's own str node.
  uint64_t NumElements;
};

Expected<StoragePid> parseStoragePid(TupleValue *Pid, uint64_t Offset) {
  auto *Cls = dyn_cast<GlobalValue>((*Pid)[1]);
  if (!Cls)
    return decodeError(Offset, "storage persistent id names no storage class");
  SmallString<64> Qualified;
  std::optional<DType> T = parseStorageClassName(
      (Cls->getModule() + "." + Cls->getName()).toStringRef(Qualified));
  if (!T)
    return decodeError(Offset, "unknown storage class {0}",
                       Cls->getQualifiedName());
  auto Key = getStringValue((*Pid)[2]);
  auto Loc = getStringValue((*Pid)[3]);
  auto *N = dyn_cast<IntValue>((*Pid)[4]);
  if (!Key || !Loc || !N || N->getValue() < 0)
    return decodeError(Offset,
                       "storage persistent id must be (tag, class, key: str, "
                       "location: str, numel: int >= 0, ...)");
  return StoragePid{*T, *Key, *Loc, uint64_t(N->getValue())};
}

/// Fails unless the objects reachable from the root of \p R nest at most as
/// deep as the unpickler's limit. The unpickler counts depth as children are
/// added, which is exact unless a container was filled after it was itself
/// nested (a list appended to its parent first and given its own child
/// later, or any cycle): that builds any depth top-down, and R.DepthBounded
/// says so. The printer, the verifier and the writer recurse, so such a
/// graph is measured here, iteratively: the longest path through the
/// strongly connected components, each weighted by its size (a recursive
/// walk can go once around a cycle). \p Offset is where the pickle starts.
Error checkNesting(const pickle::UnpickleResult &R, uint64_t Offset) {
  if (R.DepthBounded)
    return Error::success();
  Value *Root = R.Root;
  const unsigned Limit = pickle::UnpicklerLimits().MaxDepth;
  if (!Root || Root->isScalar())
    return Error::success();
  struct Node {
    unsigned Index = 0, Low = 0;
    bool OnStack = false, Done = false;
    uint64_t Height = 0; // Of the node's component, once Done.
  };
  DenseMap<Value *, Node> Nodes;
  std::vector<Value *> SCCStack;
  struct Frame {
    Value *V;
    SmallVector<Value *, 8> Children;
    size_t Next = 0;
  };
  std::vector<Frame> Work;
  unsigned Counter = 0;
  auto Visit = [&](Value *V) {
    Node &N = Nodes[V];
    N.Index = N.Low = ++Counter;
    N.OnStack = true;
    SCCStack.push_back(V);
    Frame F{V, {}, 0};
    forEachChild(V, [&](Value *Ch) {
      if (!Ch->isScalar())
        F.Children.push_back(Ch);
    });
    Work.push_back(std::move(F));
  };
  Visit(Root);
  while (!Work.empty()) {
    Frame &F = Work.back();
    if (F.Next != F.Children.size()) {
      Value *Ch = F.Children[F.Next++];
      auto It = Nodes.find(Ch);
      if (It == Nodes.end()) {
        Visit(Ch); // Invalidates F.
        continue;
      }
      if (It->second.OnStack)
        Nodes[F.V].Low = std::min(Nodes[F.V].Low, It->second.Index);
      continue;
    }
    Value *V = F.V;
    Work.pop_back();
    Node &N = Nodes[V];
    if (!Work.empty()) {
      Node &P = Nodes[Work.back().V];
      P.Low = std::min(P.Low, N.Low);
    }
    if (N.Low != N.Index)
      continue;
    // V roots a component: pop it, then weigh it.
    size_t Begin = SCCStack.size();
    do
      --Begin;
    while (SCCStack[Begin] != V);
    uint64_t Below = 0;
    bool HasSucc = false;
    for (size_t I = Begin; I != SCCStack.size(); ++I)
      Nodes[SCCStack[I]].OnStack = false;
    for (size_t I = Begin; I != SCCStack.size(); ++I)
      forEachChild(SCCStack[I], [&](Value *Ch) {
        auto It = Nodes.find(Ch);
        if (It != Nodes.end() && It->second.Done) {
          Below = std::max(Below, It->second.Height);
          HasSucc = true;
        }
      });
    uint64_t Height = (SCCStack.size() - Begin - 1) + (HasSucc ? Below + 1 : 0);
    if (Height > Limit)
      return decodeError(Offset,
                         "objects nested deeper than {0} levels (limit), "
                         "through containers filled after they were nested",
                         Limit);
    for (size_t I = Begin; I != SCCStack.size(); ++I) {
      Node &M = Nodes[SCCStack[I]];
      M.Done = true;
      M.Height = Height;
    }
    SCCStack.resize(Begin);
  }
  return Error::success();
}

/// Unpickles the main pickle. When lowering, the REDUCEs of torch's tensor
/// rebuild functions become tensors as they are read (lowerTensorCall), so
/// their generic objects are never built, walked or kept. A pickle that
/// then mutates such a tensor (nothing torch writes) is read again without
/// that shortcut, which is always faithful; lowerCheckpoint then decides.
Expected<pickle::UnpickleResult> unpickleMain(Checkpoint &C, StringRef Bytes,
                                              uint64_t Base,
                                              pickle::PersistentLoadFn PL,
                                              bool Lower) {
  if (Lower) {
    auto Hook = [&](Value *Callable, TupleValue *Args) {
      return lowerTensorCall(C, Callable, Args);
    };
    auto R = pickle::unpickle(C, Bytes, Base, PL, {}, nullptr, Hook);
    if (R)
      return R;
    Error E =
        handleErrors(R.takeError(), [](const pickle::ReduceHookConflict &) {});
    if (E)
      return E;
  }
  return pickle::unpickle(C, Bytes, Base, PL);
}

/// Whether \p V is the str (or Python 2 str) \p S.
bool isString(Value *V, StringRef S) {
  auto T = getStringValue(V);
  return T && *T == S;
}

//===----------------------------------------------------------------------===//
// Legacy stream
//===----------------------------------------------------------------------===//

Error readLegacy(Checkpoint &C, StringRef File, uint64_t Start, int FD,
                 bool Lower) {
  ContainerInfo &CI = C.getContainer();
  uint64_t Pos = Start;
  auto Next = [&](pickle::PersistentLoadFn PL = nullptr,
                  bool IsMain = false) -> Expected<pickle::UnpickleResult> {
    auto R = IsMain ? unpickleMain(C, File.substr(Pos), Pos, PL, Lower)
                    : pickle::unpickle(C, File.substr(Pos), Pos, PL);
    if (R)
      Pos += R->End;
    return R;
  };

  // 1. Magic number.
  auto Magic = Next();
  if (!Magic)
    return Magic.takeError();
  if (!isLegacyMagic(Magic->Root))
    return decodeError(Start, "invalid magic number; corrupt file? (expected "
                              "0x1950a86a20f9469cfc6c)");
  CI.Magic = Magic->Root;

  // 2. Protocol version.
  uint64_t VersionPos = Pos;
  auto Version = Next();
  if (!Version)
    return Version.takeError();
  auto *V = dyn_cast<IntValue>(Version->Root);
  if (!V || V->getValue() != LegacyProtocolVersion)
    return decodeError(VersionPos, "invalid protocol version (expected {0})",
                       LegacyProtocolVersion);
  CI.ProtocolVersion = Version->Root;

  // 3. sys_info: read, kept, not interpreted (as torch does).
  uint64_t SysInfoPos = Pos;
  auto SysInfo = Next();
  if (!SysInfo)
    return SysInfo.takeError();
  if (Error E = checkNesting(*SysInfo, SysInfoPos))
    return E;
  CI.SysInfo = SysInfo->Root;
  if (auto *D = dyn_cast<MappingValue>(SysInfo->Root))
    if (auto *LE = dyn_cast_or_null<BoolValue>(D->lookup("little_endian")))
      if (!LE->getValue())
        return decodeError(Pos, "big-endian checkpoints are not supported");

  // 4. The object, with storage persistent ids.
  StorageTable Storages(C);
  auto PersistentLoad = [&](Value *PidV, uint64_t Offset) -> Expected<Value *> {
    auto *Pid = dyn_cast<TupleValue>(PidV);
    if (!Pid || Pid->size() == 0)
      return decodeError(Offset, "persistent id is not a tuple");
    if (isString((*Pid)[0], "module"))
      return C.create<PersistentRefValue>(Pid);
    if (!isString((*Pid)[0], "storage"))
      return decodeError(Offset, "unknown persistent id type");
    if (Pid->size() != 6)
      return decodeError(Offset,
                         "legacy storage persistent id has {0} fields, "
                         "expected 6",
                         Pid->size());
    auto P = parseStoragePid(Pid, Offset);
    if (!P)
      return P.takeError();
    auto Root = Storages.get(P->Key, P->T, P->NumElements, P->Location, Offset);
    if (!Root)
      return Root.takeError();
    Value *ViewMeta = (*Pid)[5];
    if (isa<NoneValue>(ViewMeta))
      return *Root;
    // (view_key, offset, view_size): a slice of the root storage (0.x).
    auto *VT = dyn_cast<TupleValue>(ViewMeta);
    IntValue *VOff =
        VT && VT->size() == 3 ? dyn_cast<IntValue>((*VT)[1]) : nullptr;
    IntValue *VSize =
        VT && VT->size() == 3 ? dyn_cast<IntValue>((*VT)[2]) : nullptr;
    auto VKey = VT && VT->size() == 3 ? getStringValue((*VT)[0]) : std::nullopt;
    if (!VKey || !VOff || !VSize || VOff->getValue() < 0 ||
        VSize->getValue() < 0 ||
        uint64_t(VOff->getValue()) + uint64_t(VSize->getValue()) >
            P->NumElements)
      return decodeError(Offset, "storage view metadata must be (key, offset, "
                                 "size) inside the root storage");
    if (StorageValue *Existing = Storages.lookup(*VKey))
      return Existing;
    auto View =
        Storages.get(*VKey, P->T, VSize->getValue(), P->Location, Offset);
    if (!View)
      return View.takeError();
    (*View)->setView(*Root, VOff->getValue());
    return *View;
  };
  uint64_t MainPos = Pos;
  auto Main = Next(PersistentLoad, /*IsMain=*/true);
  if (!Main)
    return Main.takeError();
  if (Error E = checkNesting(*Main, MainPos))
    return E;
  C.setRoot(Main->Root);
  CI.PickleProtocol = Main->Protocol;

  // 5. Storage keys, in the order their records follow.
  uint64_t KeysPos = Pos;
  auto Keys = Next();
  if (!Keys)
    return Keys.takeError();
  auto *KeyList = dyn_cast<ListValue>(Keys->Root);
  if (!KeyList)
    return decodeError(KeysPos, "storage key list is not a list");

  // 6. Raw records: int64 element count + data.
  std::vector<StorageValue *> FileOrder;
  for (Value *KV : KeyList->elements()) {
    auto Key = getStringValue(KV);
    if (!Key)
      return decodeError(KeysPos, "storage key list holds a non-string");
    StorageValue *S = Storages.lookup(*Key);
    if (!S || S->getViewRoot())
      return decodeError(KeysPos,
                         "storage key list names '{0}', which the pickle "
                         "never referenced",
                         *Key);
    if (S->hasData())
      return decodeError(KeysPos, "storage key list names '{0}' twice", *Key);
    if (File.size() - Pos < 8)
      return decodeError(Pos,
                         "truncated file: expected the 8-byte element count "
                         "of storage '{0}'",
                         *Key);
    // Read with pread when the file is open: see ReaderOptions::SourceFD.
    char CountBytes[8];
    if (FD < 0)
      memcpy(CountBytes, File.data() + Pos, 8);
    else if (Error E = readFileRange({FD, Pos, 8}, CountBytes))
      return decodeError(Pos,
                         "cannot read the element count of storage "
                         "'{0}': {1}",
                         *Key, toString(std::move(E)));
    uint64_t Count =
        support::endian::read<uint64_t, llvm::endianness::little>(CountBytes);
    if (Count != S->getNumElements())
      return decodeError(Pos,
                         "storage '{0}' has {1} elements in its record but "
                         "{2} in the pickle",
                         *Key, Count, S->getNumElements());
    Pos += 8;
    uint64_t Bytes = S->getNumBytes();
    if (Bytes > File.size() - Pos)
      return decodeError(Pos,
                         "truncated file: storage '{0}' needs {1} bytes, {2} "
                         "left",
                         *Key, Bytes, File.size() - Pos);
    S->setData(File.substr(Pos, Bytes), Pos);
    Pos += Bytes;
    FileOrder.push_back(S);
  }
  // Views share their root's bytes.
  for (StorageValue *S : C.getStorages()) {
    if (StorageValue *R = S->getViewRoot()) {
      if (!R->hasData())
        continue;
      uint64_t ES = getDTypeSize(S->getDType());
      S->setData(R->getData().substr(S->getViewOffset() * ES, S->getNumBytes()),
                 *R->getFileOffset() + S->getViewOffset() * ES);
    }
  }
  for (StorageValue *S : C.getStorages())
    if (!S->hasData())
      return decodeError(Pos, "storage '{0}' has no data record", S->getKey());
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Zip
//===----------------------------------------------------------------------===//

Error readZip(Checkpoint &C, MemoryBufferRef Buf, int FD, bool Lower) {
  auto Zip = ZipArchive::create(Buf, FD);
  if (!Zip)
    return Zip.takeError();
  if (Zip->isTorchScript())
    return decodeError(0, "this is a TorchScript archive (torch.jit.save), "
                          "not a torch.save checkpoint; load it with "
                          "torch.jit.load. ckpt-migrate does not migrate "
                          "TorchScript");
  ContainerInfo &CI = C.getContainer();
  CI.ArchiveRoot = Zip->getRootName().str();

  const ArchiveMember *DataPkl = Zip->findRecord("data.pkl");
  if (!DataPkl)
    return decodeError(Zip->getCentralDirectoryOffset(),
                       "zip archive has no '{0}/data.pkl' record; not a "
                       "torch.save checkpoint",
                       Zip->getRootName());
  size_t RootLen = Zip->getRootName().size() + 1;
  for (const ArchiveMember &M : Zip->members()) {
    StringRef Rel = StringRef(M.Name).drop_front(RootLen);
    if (Rel == "data.pkl" || Rel.starts_with("data/"))
      continue;
    CI.Records.push_back({Rel.str(), Zip->getData(M).str()});
  }
  if (const ExtraRecord *BO = CI.findRecord("byteorder"))
    if (StringRef(BO->Data).trim() != "little")
      return decodeError(Zip->findRecord("byteorder")->DataOffset,
                         "byteorder '{0}' is not supported (little-endian "
                         "checkpoints only)",
                         StringRef(BO->Data).trim());

  StorageTable Storages(C);
  // The data records by storage key.
  StorageKeyMap<const ArchiveMember *> DataRecords;
  for (const ArchiveMember &M : Zip->members()) {
    StringRef Rel = M.Name.drop_front(RootLen);
    if (Rel.consume_front("data/"))
      DataRecords.insert(Rel, &M);
  }
  auto PersistentLoad = [&](Value *PidV, uint64_t Offset) -> Expected<Value *> {
    auto *Pid = dyn_cast<TupleValue>(PidV);
    if (!Pid || Pid->size() == 0)
      return decodeError(Offset, "persistent id is not a tuple");
    if (!isString((*Pid)[0], "storage"))
      return decodeError(Offset, "unknown persistent id type");
    if (Pid->size() != 5)
      return decodeError(Offset,
                         "zip storage persistent id has {0} fields, "
                         "expected 5",
                         Pid->size());
    auto P = parseStoragePid(Pid, Offset);
    if (!P)
      return P.takeError();
    auto S = Storages.get(P->Key, P->T, P->NumElements, P->Location, Offset);
    if (!S)
      return S.takeError();
    if (!(*S)->hasData()) {
      const ArchiveMember *Rec = DataRecords.lookup(P->Key);
      if (!Rec)
        return decodeError(Offset, "storage '{0}' has no record 'data/{0}'",
                           P->Key);
      if (Rec->Size != (*S)->getNumBytes())
        return decodeError(Rec->DataOffset,
                           "record 'data/{0}' holds {1} bytes but storage "
                           "'{0}' needs {2}",
                           P->Key, Rec->Size, (*S)->getNumBytes());
      (*S)->setData(Zip->getData(*Rec), Rec->DataOffset);
      (*S)->setZipCRC(Rec->CRC32);
    }
    return *S;
  };
  auto Main = unpickleMain(C, Zip->getData(*DataPkl), DataPkl->DataOffset,
                           PersistentLoad, Lower);
  if (!Main)
    return Main.takeError();
  if (Error E = checkNesting(*Main, DataPkl->DataOffset))
    return E;
  C.setRoot(Main->Root);
  CI.PickleProtocol = Main->Protocol;
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Tar (0.1.x)
//===----------------------------------------------------------------------===//

Error readTar(Checkpoint &C, MemoryBufferRef Buf) {
  auto Tar = TarArchive::create(Buf);
  if (!Tar)
    return Tar.takeError();
  ContainerInfo &CI = C.getContainer();
  auto Member = [&](StringRef Name) -> Expected<const ArchiveMember *> {
    if (const ArchiveMember *M = Tar->find(Name))
      return M;
    return decodeError(0, "tar checkpoint has no '{0}' member", Name);
  };
  auto SysM = Member("sys_info");
  if (!SysM)
    return SysM.takeError();
  auto SysInfo = pickle::unpickle(C, Tar->getData(**SysM), (*SysM)->DataOffset);
  if (!SysInfo)
    return SysInfo.takeError();
  if (Error E = checkNesting(*SysInfo, (*SysM)->DataOffset))
    return E;
  CI.SysInfo = SysInfo->Root;

  // storages: pickle(N), N x (pickle((key, location, cls)) + count + data),
  // then pickle([(view_key, root_key, offset, size), ...]).
  StringMap<StorageValue *> ByKey;
  auto StM = Member("storages");
  if (!StM)
    return StM.takeError();
  StringRef St = Tar->getData(**StM);
  uint64_t Base = (*StM)->DataOffset, Pos = 0;
  auto NextIn = [&](StringRef Bytes, uint64_t B,
                    uint64_t &P) -> Expected<Value *> {
    auto R = pickle::unpickle(C, Bytes.substr(P), B + P);
    if (!R)
      return R.takeError();
    P += R->End;
    return R->Root;
  };
  auto NV = NextIn(St, Base, Pos);
  if (!NV)
    return NV.takeError();
  auto *N = dyn_cast<IntValue>(*NV);
  if (!N || N->getValue() < 0)
    return decodeError(Base, "tar 'storages' member must start with a count");
  for (int64_t I = 0; I != N->getValue(); ++I) {
    uint64_t At = Base + Pos;
    auto Hdr = NextIn(St, Base, Pos);
    if (!Hdr)
      return Hdr.takeError();
    auto *T = dyn_cast<TupleValue>(*Hdr);
    if (!T || (T->size() != 3 && T->size() != 2))
      return decodeError(At, "tar storage header must be (key, location, "
                             "class) or (key, class)");
    Value *KeyV = (*T)[0];
    std::string Key;
    if (auto *KI = dyn_cast<IntValue>(KeyV))
      Key = std::to_string(KI->getValue());
    else if (auto KS = getStringValue(KeyV))
      Key = KS->str();
    else
      return decodeError(At, "tar storage key is neither int nor str");
    std::string Loc = "cpu";
    if (T->size() == 3) {
      auto L = getStringValue((*T)[1]);
      if (!L)
        return decodeError(At, "tar storage location is not a string");
      Loc = L->str();
    }
    auto *Cls = dyn_cast<GlobalValue>((*T)[T->size() - 1]);
    std::optional<DType> DT =
        Cls ? parseStorageClassName(Cls->getQualifiedName()) : std::nullopt;
    if (!DT)
      return decodeError(At, "tar storage has an unknown storage class");
    if (St.size() - Pos < 8)
      return decodeError(Base + Pos, "truncated tar storage record");
    uint64_t Count = support::endian::read<uint64_t, llvm::endianness::little>(
        St.data() + Pos);
    Pos += 8;
    uint64_t Bytes;
    if (__builtin_mul_overflow(Count, uint64_t(getDTypeSize(*DT)), &Bytes) ||
        Bytes > St.size() - Pos)
      return decodeError(Base + Pos - 8,
                         "tar storage '{0}' claims {1} elements, more than "
                         "the member holds",
                         Key, Count);
    auto *S = C.create<StorageValue>(*DT, Count, Loc, Key);
    S->setData(St.substr(Pos, Bytes), Base + Pos);
    Pos += Bytes;
    ByKey[Key] = S;
    C.getStorages().push_back(S);
  }
  if (Pos < St.size()) {
    uint64_t At = Base + Pos;
    auto Views = NextIn(St, Base, Pos);
    if (!Views)
      return Views.takeError();
    auto *VL = dyn_cast<ListValue>(*Views);
    if (!VL)
      return decodeError(At, "tar storage view list is not a list");
    for (Value *VV : VL->elements()) {
      auto *VT = dyn_cast<TupleValue>(VV);
      auto Str = [](Value *X) -> std::optional<std::string> {
        if (auto *I = dyn_cast_or_null<IntValue>(X))
          return std::to_string(I->getValue());
        if (auto S = getStringValue(X))
          return S->str();
        return std::nullopt;
      };
      if (!VT || VT->size() != 4)
        return decodeError(At, "tar storage view must be (key, root, offset, "
                               "size)");
      auto VK = Str((*VT)[0]), RK = Str((*VT)[1]);
      auto *Off = dyn_cast<IntValue>((*VT)[2]);
      auto *Sz = dyn_cast<IntValue>((*VT)[3]);
      StorageValue *Root = RK ? ByKey.lookup(*RK) : nullptr;
      if (!VK || !Root || !Off || !Sz || Off->getValue() < 0 ||
          Sz->getValue() < 0 ||
          uint64_t(Off->getValue()) + uint64_t(Sz->getValue()) >
              Root->getNumElements())
        return decodeError(At, "tar storage view does not fit its root");
      auto *S = C.create<StorageValue>(Root->getDType(), Sz->getValue(),
                                       Root->getLocation().str(), *VK);
      S->setView(Root, Off->getValue());
      uint64_t ES = getDTypeSize(Root->getDType());
      S->setData(Root->getData().substr(Off->getValue() * ES, S->getNumBytes()),
                 *Root->getFileOffset() + Off->getValue() * ES);
      ByKey[*VK] = S;
      C.getStorages().push_back(S);
    }
  }

  // tensors: pickle(N), N x (pickle((key, storage_key, cls)) + metadata).
  StringMap<TensorValue *> Tensors;
  auto TM = Member("tensors");
  if (!TM)
    return TM.takeError();
  StringRef Ts = Tar->getData(**TM);
  Base = (*TM)->DataOffset;
  Pos = 0;
  auto TNV = NextIn(Ts, Base, Pos);
  if (!TNV)
    return TNV.takeError();
  auto *TN = dyn_cast<IntValue>(*TNV);
  if (!TN || TN->getValue() < 0)
    return decodeError(Base, "tar 'tensors' member must start with a count");
  for (int64_t I = 0; I != TN->getValue(); ++I) {
    uint64_t At = Base + Pos;
    auto Hdr = NextIn(Ts, Base, Pos);
    if (!Hdr)
      return Hdr.takeError();
    auto *T = dyn_cast<TupleValue>(*Hdr);
    if (!T || T->size() != 3)
      return decodeError(At, "tar tensor header must be (key, storage_key, "
                             "class)");
    auto KeyOf = [](Value *X) -> std::optional<std::string> {
      if (auto *I = dyn_cast_or_null<IntValue>(X))
        return std::to_string(I->getValue());
      if (auto S = getStringValue(X))
        return S->str();
      return std::nullopt;
    };
    auto Key = KeyOf((*T)[0]), SKey = KeyOf((*T)[1]);
    StorageValue *S = SKey ? ByKey.lookup(*SKey) : nullptr;
    if (!Key || !S)
      return decodeError(At, "tar tensor refers to an unknown storage");
    auto Read64 = [&](int64_t &Out) -> Error {
      if (Ts.size() - Pos < 8)
        return decodeError(Base + Pos, "truncated tar tensor metadata");
      Out = support::endian::read<int64_t, llvm::endianness::little>(Ts.data() +
                                                                     Pos);
      Pos += 8;
      return Error::success();
    };
    if (Ts.size() - Pos < 8)
      return decodeError(Base + Pos, "truncated tar tensor metadata");
    int32_t NDim = support::endian::read<int32_t, llvm::endianness::little>(
        Ts.data() + Pos);
    Pos += 8; // int32 ndim + 4 bytes of padding
    if (NDim < 0 || uint64_t(NDim) * 16 + 8 > Ts.size() - Pos)
      return decodeError(Base + Pos - 8, "tar tensor has a bad rank {0}", NDim);
    SmallVector<int64_t, 4> Sizes(NDim), Strides(NDim);
    for (int64_t &X : Sizes)
      if (Error E = Read64(X))
        return E;
    for (int64_t &X : Strides)
      if (Error E = Read64(X))
        return E;
    int64_t Offset;
    if (Error E = Read64(Offset))
      return E;
    auto *TV = C.create<TensorValue>(TensorValue::Form::RebuildTensor, S,
                                     S->getDType());
    TV->setShape(Sizes, Strides);
    TV->setOffset(Offset);
    Tensors[*Key] = TV;
  }

  // pickle: the object; persistent ids are decimal keys of tensors or
  // storages, or (class, source_file, source) for modules.
  auto PM = Member("pickle");
  if (!PM)
    return PM.takeError();
  auto PersistentLoad = [&](Value *Pid, uint64_t Offset) -> Expected<Value *> {
    if (auto Key = getStringValue(Pid)) {
      if (TensorValue *T = Tensors.lookup(*Key))
        return T;
      if (StorageValue *S = ByKey.lookup(*Key))
        return S;
      return decodeError(Offset,
                         "persistent id '{0}' names no tensor or "
                         "storage of the archive",
                         *Key);
    }
    return C.create<PersistentRefValue>(Pid);
  };
  auto Main = pickle::unpickle(C, Tar->getData(**PM), (*PM)->DataOffset,
                               PersistentLoad);
  if (!Main)
    return Main.takeError();
  if (Error E = checkNesting(*Main, (*PM)->DataOffset))
    return E;
  C.setRoot(Main->Root);
  CI.PickleProtocol = Main->Protocol;
  return Error::success();
}

} // namespace

Error readContainerInto(Checkpoint &C, MemoryBufferRef Ref,
                        const ReaderOptions &Opts) {
  auto Kind = identifyContainer(Ref);
  if (!Kind)
    return Kind.takeError();
  C.getContainer().Kind = *Kind;
  Error E = Error::success();
  switch (*Kind) {
  case ContainerKind::Legacy:
    E = readLegacy(C, Ref.getBuffer(), 0, Opts.SourceFD, Opts.Lower);
    break;
  case ContainerKind::Zip:
    E = readZip(C, Ref, Opts.SourceFD, Opts.Lower);
    break;
  case ContainerKind::Tar:
    E = readTar(C, Ref);
    break;
  case ContainerKind::Safetensors:
    E = readSafetensors(C, Ref);
    break;
  case ContainerKind::DCP:
    llvm_unreachable("a directory is not identified from bytes");
  case ContainerKind::Pickle: {
    auto R = unpickleMain(C, Ref.getBuffer(), 0, nullptr, Opts.Lower);
    if (!R) {
      E = R.takeError();
      break;
    }
    // `torch.save(..., pickle_protocol=4, _use_new_zipfile_serialization=
    // False)` frames even the magic number: a legacy stream nonetheless.
    if (isLegacyMagic(R->Root)) {
      C.getContainer().Kind = ContainerKind::Legacy;
      E = readLegacy(C, Ref.getBuffer(), 0, Opts.SourceFD, Opts.Lower);
      break;
    }
    if ((E = checkNesting(*R, 0)))
      break;
    C.setRoot(R->Root);
    C.getContainer().PickleProtocol = R->Protocol;
    break;
  }
  }
  return E;
}

Expected<std::unique_ptr<Checkpoint>>
readCheckpoint(std::unique_ptr<MemoryBuffer> Buf, const ReaderOptions &Opts) {
  auto C = std::make_unique<Checkpoint>();
  C->setSourceName(Buf->getBufferIdentifier().str());
  MemoryBufferRef Ref = Buf->getMemBufferRef();
  MemoryBuffer *Input = Buf.get();
  C->addBuffer(std::move(Buf));
  C->setMemoryLimit(
      Opts.MemoryLimit.value_or(getDefaultMemoryLimit(Ref.getBufferSize())));

  if (Error E = readContainerInto(*C, Ref, Opts))
    return E;
  if (Opts.Lower)
    lowerCheckpoint(*C);
  // Tensors whose views run past their storage, storages whose records are
  // too short: torch would fail on them at load time, and no pass or writer
  // should see them.
  if (Error E = verifyCheckpoint(
          *C, "inconsistent checkpoint (torch would refuse to load it)"))
    return E;
  // The IR holds copies of everything it read from the pickles and the
  // container; what it still points at (tensor bytes) is copied file to
  // file. The pages read so far (tens of megabytes of pickle and central
  // directory for millions of tensors) need not stay resident.
  Input->dontNeedIfMmap();
  return C;
}

Expected<std::unique_ptr<Checkpoint>>
readCheckpointFile(StringRef Path, const ReaderOptions &Opts) {
  int FD;
  auto Buf = openCheckpointFile(Path, FD);
  if (!Buf)
    return Buf.takeError();
  MemoryBufferRef Ref = (*Buf)->getMemBufferRef();
  ReaderOptions O = Opts;
  O.SourceFD = FD;
  auto C = readCheckpoint(std::move(*Buf), O);
  if (!C || FD < 0) {
    if (FD >= 0)
      sys::fs::closeFile(FD);
    return C;
  }
  (*C)->addSourceFile(Ref, FD);
  return C;
}

Expected<std::unique_ptr<MemoryBuffer>> openCheckpointFile(StringRef Path,
                                                           int &FD) {
  FD = -1;
  if (Path == "-") {
    auto Buf = MemoryBuffer::getSTDIN();
    if (!Buf)
      return createFileError(Path, errorCodeToError(Buf.getError()));
    return std::move(*Buf);
  }
  Expected<sys::fs::file_t> F = sys::fs::openNativeFileForRead(Path);
  if (!F)
    return createFileError(Path, F.takeError());
  auto Buf = MemoryBuffer::getOpenFile(*F, Path, /*FileSize=*/-1,
                                       /*RequiresNullTerminator=*/false);
  if (!Buf) {
    sys::fs::closeFile(*F);
    return createFileError(Path, errorCodeToError(Buf.getError()));
  }
  FD = *F;
  return std::move(*Buf);
}

} // namespace ckpt
