//===- DCPReader.cpp - Read torch.distributed.checkpoint directories ------===//
//
// Part of ckpt-migrate. A DCP directory (`torch.distributed.checkpoint.save`)
// holds `.metadata`, a plain pickle of
// torch.distributed.checkpoint.metadata.Metadata, and `__{rank}_{n}.distcp`
// files whose items are complete torch.save zip archives at the byte ranges
// `.metadata` gives. It is read as `dcp_to_torch_save` would convert it,
// without torch: the metadata pickle by the never-executing pickle machine
// (only the classes DCP writes are accepted), each chunk's archive in place
// in the mapped file, the chunks of a tensor written by several ranks
// reassembled by their offsets, and the nested state dict rebuilt from
// `planner_data`.
//
//===----------------------------------------------------------------------===//

#include "ReaderInternals.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Reader/Lowering.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/MemoryLimit.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cstring>
#include <map>

using namespace llvm;

namespace ckpt {

namespace {

constexpr StringLiteral MetadataModule =
    "torch.distributed.checkpoint.metadata";

/// The globals a DCP `.metadata` pickle names, and nothing else.
bool isAllowedMetadataGlobal(const GlobalValue &G) {
  StringRef M = G.getModule(), N = G.getName();
  if (M == MetadataModule)
    return is_contained({"Metadata", "TensorStorageMetadata",
                         "BytesStorageMetadata", "ChunkStorageMetadata",
                         "TensorProperties", "MetadataIndex", "StorageMeta",
                         "_MEM_FORMAT_ENCODING"},
                        N);
  if (M == "torch.distributed.checkpoint.filesystem")
    return N == "_StorageInfo";
  if (M == "torch.serialization")
    return N == "_get_layout";
  if (M == "torch")
    return N == "Size" || parseDTypeTorchName(N).has_value();
  if (M == "pathlib" || M == "pathlib._local")
    return N.ends_with("Path");
  return false;
}

/// Every global of the metadata graph is allowed, or an error names one.
Error checkMetadataGlobals(Checkpoint &Meta, StringRef Path) {
  for (Value *V : Meta.getReachableForPass())
    if (auto *G = dyn_cast<GlobalValue>(V))
      if (!isAllowedMetadataGlobal(*G))
        return createFileError(
            Path, makeError("names {0}, which DCP metadata never holds",
                            G->getQualifiedName()));
  return Error::success();
}

/// The attribute \p Name of a dataclass object pickled with a BUILD dict.
Value *attr(Value *V, StringRef Name) {
  auto *O = dyn_cast_or_null<ObjectValue>(V);
  auto *State = O ? dyn_cast_or_null<MappingValue>(O->getState()) : nullptr;
  return State ? State->lookup(Name) : nullptr;
}

/// Whether \p V is an object of DCP class \p Class.
bool isA(Value *V, StringRef Module, StringRef Class) {
  auto *O = dyn_cast_or_null<ObjectValue>(V);
  return O && O->isCallTo(Module, Class);
}

/// The ints of a `torch.Size((...))` (or a plain tuple); nullopt otherwise.
std::optional<SmallVector<int64_t, 4>> getSize(Value *V) {
  if (auto *O = dyn_cast_or_null<ObjectValue>(V))
    if (O->isCallTo("torch", "Size") && O->getArgs() &&
        O->getArgs()->size() == 1)
      V = (*O->getArgs())[0];
  auto *T = dyn_cast_or_null<TupleValue>(V);
  if (!T)
    return std::nullopt;
  SmallVector<int64_t, 4> Out;
  for (Value *E : T->elements()) {
    auto *I = dyn_cast<IntValue>(E);
    if (!I || I->getValue() < 0)
      return std::nullopt;
    Out.push_back(I->getValue());
  }
  return Out;
}

/// Where one item lies: `_StorageInfo(relative_path, offset, length)`.
struct ItemLocation {
  std::string File;
  uint64_t Offset = 0, Length = 0;
};

/// The chunk or bytes item `MetadataIndex(fqn, offset, index)` names.
struct ItemKey {
  std::string FQN;
  SmallVector<int64_t, 4> Offset; ///< empty for bytes items
  bool operator<(const ItemKey &O) const {
    return std::tie(FQN, Offset) < std::tie(O.FQN, O.Offset);
  }
};

class DCPReader {
public:
  DCPReader(StringRef Dir, const ReaderOptions &Opts) : Dir(Dir), Opts(Opts) {}

  Expected<std::unique_ptr<Checkpoint>> read();

private:
  std::string pathOf(StringRef Name) const {
    SmallString<256> P(Dir);
    sys::path::append(P, Name);
    return std::string(P);
  }
  Error error(const Twine &Msg) const {
    return createFileError(pathOf(".metadata"), makeError("{0}", Msg.str()));
  }
  /// The mapped bytes of item \p L, as a buffer of its own.
  Expected<MemoryBufferRef> itemBytes(const ItemLocation &L);
  /// Reads the torch.save archive of item \p L and returns its root.
  Expected<Value *> readItem(const ItemLocation &L, StringRef FQN);
  /// The tensor \p FQN from its chunks.
  Expected<Value *> readTensor(StringRef FQN, Value *Meta);
  Error place(Value *Path, Value *V, StringRef FQN);

  std::string Dir;
  ReaderOptions Opts;
  std::unique_ptr<Checkpoint> C = std::make_unique<Checkpoint>();
  StringMap<MemoryBufferRef> Files;
  std::map<ItemKey, ItemLocation> Items;
  DictValue *Root = nullptr;
  /// Storages of chunks copied into a whole tensor: no longer referenced.
  DenseSet<const StorageValue *> Assembled;
};

Expected<MemoryBufferRef> DCPReader::itemBytes(const ItemLocation &L) {
  auto It = Files.find(L.File);
  if (It == Files.end()) {
    int FD;
    auto Buf = openCheckpointFile(pathOf(L.File), FD);
    if (!Buf)
      return Buf.takeError();
    MemoryBufferRef Ref = (*Buf)->getMemBufferRef();
    C->addBuffer(std::move(*Buf));
    if (FD >= 0)
      C->addSourceFile(Ref, FD);
    It = Files.try_emplace(L.File, Ref).first;
  }
  StringRef Data = It->second.getBuffer();
  if (L.Offset > Data.size() || L.Length > Data.size() - L.Offset)
    return createFileError(
        pathOf(L.File), makeError("item [{0}, {1}) runs past the end of "
                                  "the file ({2} bytes)",
                                  L.Offset, L.Offset + L.Length, Data.size()));
  return MemoryBufferRef(Data.substr(L.Offset, L.Length),
                         It->second.getBufferIdentifier());
}

Expected<Value *> DCPReader::readItem(const ItemLocation &L, StringRef FQN) {
  Expected<MemoryBufferRef> Ref = itemBytes(L);
  if (!Ref)
    return Ref.takeError();
  ReaderOptions O = Opts;
  O.SourceFD = -1; // the item's offsets are not the file's
  C->setRoot(nullptr);
  C->getContainer().Records.clear();
  if (Error E = readContainerInto(*C, *Ref, O))
    return createFileError(pathOf(L.File),
                           makeError("item '{0}' at offset {1}: {2}", FQN,
                                     L.Offset, toString(std::move(E))));
  lowerCheckpoint(*C);
  return C->getRoot();
}

Expected<Value *> DCPReader::readTensor(StringRef FQN, Value *Meta) {
  Value *Props = attr(Meta, "properties");
  auto *PropsObj = dyn_cast_or_null<ObjectValue>(Props);
  auto *PropsState =
      PropsObj ? dyn_cast_or_null<TupleValue>(PropsObj->getState()) : nullptr;
  auto *DTypeG = PropsState && PropsState->size() >= 1
                     ? dyn_cast<GlobalValue>((*PropsState)[0])
                     : nullptr;
  std::optional<DType> DT = DTypeG && DTypeG->getModule() == "torch"
                                ? parseDTypeTorchName(DTypeG->getName())
                                : std::nullopt;
  std::optional<SmallVector<int64_t, 4>> Size = getSize(attr(Meta, "size"));
  auto *Chunks = dyn_cast_or_null<ListValue>(attr(Meta, "chunks"));
  if (!DT || !Size || !Chunks || Chunks->size() == 0)
    return error("state_dict_metadata['" + FQN +
                 "'] is not a TensorStorageMetadata(properties, size, "
                 "chunks)");
  uint64_t Numel = 1;
  for (int64_t D : *Size)
    Numel *= uint64_t(D);

  // Each chunk: its offsets and sizes, and the tensor its item holds.
  struct Chunk {
    SmallVector<int64_t, 4> Offsets, Sizes;
    TensorValue *T;
  };
  SmallVector<Chunk, 1> Parts;
  uint64_t Covered = 0;
  for (Value *CM : Chunks->elements()) {
    auto Offs = getSize(attr(CM, "offsets"));
    auto Sizes = getSize(attr(CM, "sizes"));
    if (!Offs || !Sizes || Offs->size() != Size->size() ||
        Sizes->size() != Size->size())
      return error("a chunk of '" + FQN + "' has no valid offsets and sizes");
    uint64_t N = 1;
    for (size_t D = 0; D != Size->size(); ++D) {
      if ((*Offs)[D] + (*Sizes)[D] > (*Size)[D])
        return error("a chunk of '" + FQN + "' lies outside the tensor");
      N *= uint64_t((*Sizes)[D]);
    }
    Covered += N;
    auto It = Items.find({FQN.str(), *Offs});
    if (It == Items.end())
      return error("storage_data has no item for a chunk of '" + FQN + "'");
    Expected<Value *> V = readItem(It->second, FQN);
    if (!V)
      return V.takeError();
    Value *TV = *V;
    if (auto *P = dyn_cast_or_null<ParameterValue>(TV))
      TV = P->getTensor();
    auto *T = dyn_cast_or_null<TensorValue>(TV);
    if (!T || T->getDType() != *DT || T->getSizes() != ArrayRef(*Sizes))
      return createFileError(
          pathOf(It->second.File),
          makeError("item at offset {0} is not the {1} chunk of '{2}' the "
                    "metadata describes",
                    It->second.Offset, getDTypeIRName(*DT), FQN));
    Parts.push_back({*Offs, *Sizes, T});
  }
  if (Covered != Numel)
    return error("the chunks of '" + FQN + "' hold " + Twine(Covered) +
                 " elements, the tensor " + Twine(Numel));
  if (Parts.size() == 1)
    return Parts.front().T; // one rank wrote it whole: no copy

  // Written by several ranks: assembled, contiguous, in memory.
  unsigned ES = getDTypeSize(*DT);
  std::string Bytes(Numel * ES, '\0');
  SmallVector<int64_t, 4> Full = getContiguousStrides(*Size);
  for (const Chunk &P : Parts) {
    StorageValue *S = P.T->getStorage();
    StringRef Src = S->getData();
    int64_t Base = P.T->getOffset();
    if (S->getViewRoot()) {
      Base += S->getViewOffset();
      Src = S->getViewRoot()->getData();
    }
    forEachStridedElement(
        P.Sizes, P.T->getStrides(), Base,
        [&](ArrayRef<int64_t> Idx, int64_t From) {
          int64_t To = 0;
          for (size_t D = 0; D != Idx.size(); ++D)
            To += (P.Offsets[D] + Idx[D]) * Full[D];
          std::memcpy(Bytes.data() + To * ES, Src.data() + From * ES, ES);
        });
  }
  bool Untyped = getDTypeStorageClass(*DT).empty();
  auto *S = C->create<StorageValue>(Untyped ? DType::Untyped : *DT,
                                    Untyped ? Numel * ES : Numel, "cpu",
                                    std::to_string(C->getStorages().size()));
  S->setData(C->saveBytes(std::move(Bytes)), std::nullopt);
  C->getStorages().push_back(S);
  for (const Chunk &P : Parts)
    Assembled.insert(P.T->getStorage());
  auto *T = C->create<TensorValue>(Parts.front().T->getForm(), S, *DT);
  T->setShape(*Size, Full);
  T->setDTypeGlobal(Parts.front().T->getDTypeGlobal());
  return T;
}

Error DCPReader::place(Value *PathV, Value *V, StringRef FQN) {
  auto *Path = dyn_cast_or_null<TupleValue>(PathV);
  if (!Path || Path->size() == 0)
    return error("planner_data['" + FQN + "'] is not a path tuple");
  // As torch's set_element: str keys make dicts, int keys lists.
  Value *Cur = Root;
  for (size_t I = 0; I != Path->size(); ++I) {
    Value *K = (*Path)[I];
    bool Last = I + 1 == Path->size();
    Value *Next = nullptr;
    if (!Last) {
      Next = isa<IntValue>((*Path)[I + 1])
                 ? static_cast<Value *>(C->create<ListValue>())
                 : C->create<DictValue>();
    }
    if (auto *M = dyn_cast<DictValue>(Cur)) {
      std::optional<StringRef> Key = getStringValue(K);
      if (!Key)
        return error("planner_data['" + FQN +
                     "'] indexes a dict by a "
                     "non-string");
      // Keys are copied: the metadata's graph is gone after reading.
      if (Last) {
        M->set(C->create<StrValue>(Key->str()), V);
        return Error::success();
      }
      if (Value *Existing = M->lookup(*Key))
        Next = Existing;
      else
        M->set(C->create<StrValue>(Key->str()), Next);
    } else if (auto *L = dyn_cast<ListValue>(Cur)) {
      auto *Idx = dyn_cast<IntValue>(K);
      if (!Idx || Idx->getValue() < 0 || Idx->getValue() > 1 << 24)
        return error("planner_data['" + FQN + "'] indexes a list by " +
                     "an invalid index");
      auto &E = L->getElements();
      while (E.size() <= size_t(Idx->getValue()))
        E.push_back(C->getNone());
      if (Last) {
        E[Idx->getValue()] = V;
        return Error::success();
      }
      if (!isa<NoneValue>(E[Idx->getValue()]))
        Next = E[Idx->getValue()];
      else
        E[Idx->getValue()] = Next;
    } else {
      return error("planner_data['" + FQN + "'] runs through a value");
    }
    Cur = Next;
  }
  return Error::success();
}

Expected<std::unique_ptr<Checkpoint>> DCPReader::read() {
  std::string MetaPath = pathOf(".metadata");
  int FD;
  auto Buf = openCheckpointFile(MetaPath, FD);
  if (!Buf)
    return Buf.takeError();
  if (FD >= 0)
    sys::fs::closeFile(FD);
  Checkpoint Meta;
  Meta.setMemoryLimit(Opts.MemoryLimit.value_or(
      getDefaultMemoryLimit((*Buf)->getBufferSize())));
  ReaderOptions MO = Opts;
  MO.Lower = false;
  MO.SourceFD = -1;
  if (Error E = readContainerInto(Meta, (*Buf)->getMemBufferRef(), MO))
    return createFileError(MetaPath, std::move(E));
  if (Error E = checkMetadataGlobals(Meta, MetaPath))
    return E;
  Value *M = Meta.getRoot();
  if (!isA(M, MetadataModule, "Metadata"))
    return error("not a torch.distributed.checkpoint Metadata pickle");
  auto *SDMeta = dyn_cast_or_null<MappingValue>(attr(M, "state_dict_metadata"));
  auto *Planner = dyn_cast_or_null<MappingValue>(attr(M, "planner_data"));
  auto *Storage = dyn_cast_or_null<MappingValue>(attr(M, "storage_data"));
  if (!SDMeta || !Planner || !Storage)
    return error("Metadata lacks state_dict_metadata, planner_data or "
                 "storage_data");
  for (const DictItem &It : Storage->items()) {
    std::optional<StringRef> FQN = getStringValue(attr(It.first, "fqn"));
    Value *Off = attr(It.first, "offset");
    std::optional<StringRef> File =
        getStringValue(attr(It.second, "relative_path"));
    auto *Offset = dyn_cast_or_null<IntValue>(attr(It.second, "offset"));
    auto *Length = dyn_cast_or_null<IntValue>(attr(It.second, "length"));
    if (!FQN || !File || !Offset || !Length || Offset->getValue() < 0 ||
        Length->getValue() < 0 || File->empty() ||
        sys::path::has_parent_path(*File) || *File == "." || *File == "..")
      return error("storage_data holds an entry that is not "
                   "MetadataIndex(fqn, ...) -> _StorageInfo(file beside "
                   ".metadata, offset, length)");
    ItemKey K{FQN->str(), {}};
    if (Off && !isa<NoneValue>(Off)) {
      auto O = getSize(Off);
      if (!O)
        return error("storage_data['" + *FQN + "'] has an invalid offset");
      K.Offset = *O;
    }
    Items[K] = {File->str(), uint64_t(Offset->getValue()),
                uint64_t(Length->getValue())};
  }

  Root = C->create<DictValue>();
  for (const DictItem &It : SDMeta->items()) {
    std::optional<StringRef> FQN = getStringValue(It.first);
    if (!FQN)
      return error("state_dict_metadata has a key that is not a string");
    Value *Path = Planner->lookup(*FQN);
    if (!Path)
      return error("planner_data has no path for '" + *FQN + "'");
    Value *V;
    if (isA(It.second, MetadataModule, "TensorStorageMetadata")) {
      Expected<Value *> T = readTensor(*FQN, It.second);
      if (!T)
        return T.takeError();
      V = *T;
    } else if (isA(It.second, MetadataModule, "BytesStorageMetadata")) {
      auto L = Items.find({FQN->str(), {}});
      if (L == Items.end())
        return error("storage_data has no item for '" + *FQN + "'");
      Expected<Value *> B = readItem(L->second, *FQN);
      if (!B)
        return B.takeError();
      V = *B;
    } else {
      return error("state_dict_metadata['" + *FQN +
                   "'] is neither tensor nor bytes metadata");
    }
    if (Error E = place(Path, V, *FQN))
      return E;
  }
  ContainerInfo &CI = C->getContainer();
  CI.Kind = ContainerKind::DCP;
  CI.Records.clear();
  CI.ArchiveRoot.clear();
  C->setRoot(Root);
  llvm::erase_if(C->getStorages(),
                 [&](StorageValue *S) { return Assembled.count(S); });
  C->renumberStorageKeys(); // keys were per item file
  C->setSourceName(Dir);
  lowerCheckpoint(*C);
  if (Error E = verifyCheckpoint(
          *C, "inconsistent checkpoint (torch would refuse to load it)"))
    return E;
  return std::move(C);
}

} // namespace

bool isDCPDirectory(StringRef Path) {
  SmallString<256> P(Path);
  sys::path::append(P, ".metadata");
  return sys::fs::is_directory(Path) && sys::fs::exists(P);
}

Expected<std::unique_ptr<Checkpoint>>
readDCPDirectory(StringRef Dir, const ReaderOptions &Opts) {
  return DCPReader(Dir, Opts).read();
}

} // namespace ckpt
