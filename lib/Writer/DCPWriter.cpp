//===- DCPWriter.cpp - Write a torch.distributed.checkpoint directory -----===//
//
// Part of ckpt-migrate. What `torch.distributed.checkpoint.save` writes in
// one process: the state dict flattened as DCP flattens it (mappings always,
// lists holding tensors or mappings; keys joined by "."), each tensor and
// each other value a torch.save zip archive, back to back in
// `__0_0.distcp`, and `.metadata`, the pickle of a
// torch.distributed.checkpoint.metadata.Metadata naming each item's place.
// The directory is built beside its final name and renamed into place.
//
//===----------------------------------------------------------------------===//

#include "WriterInternals.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace ckpt {

namespace {

constexpr StringLiteral MetadataModule =
    "torch.distributed.checkpoint.metadata";
constexpr StringLiteral DataFile = "__0_0.distcp";

/// One flattened entry: its path in the state dict and its value.
struct Item {
  SmallVector<Value *, 4> Path; // StrValue and IntValue keys
  std::string FQN;
  const Value *V;
};

bool isTensorLike(const Value *V) {
  return isa<TensorValue>(V) || isa<ParameterValue>(V);
}

/// DCP's _is_terminal: mappings never are; lists are unless they hold a
/// tensor or a non-terminal mapping or list; everything else is.
bool isTerminal(const Value *V) {
  if (isa<MappingValue>(V))
    return false;
  auto *L = dyn_cast<ListValue>(V);
  if (!L)
    return true;
  for (const Value *E : L->elements())
    if (isTensorLike(E) ||
        ((isa<MappingValue>(E) || isa<ListValue>(E)) && !isTerminal(E)))
      return false;
  return true;
}

class Flattener {
public:
  explicit Flattener(Checkpoint &Scratch) : Scratch(Scratch) {}

  Error visit(SmallVector<Value *, 4> &Path, std::string FQN, const Value *V) {
    if (auto *M = dyn_cast<MappingValue>(V)) {
      if (M->size() == 0)
        return makeError("{0}: an empty mapping, which a DCP checkpoint "
                         "cannot hold (torch drops it)",
                         FQN.empty() ? "$" : FQN);
      for (const DictItem &It : M->items()) {
        std::string Key;
        if (auto S = getStringValue(It.first))
          Key = S->str();
        else if (auto *I = dyn_cast<IntValue>(It.first))
          Key = std::to_string(I->getValue());
        else
          return makeError("{0}: a key that is neither str nor int",
                           FQN.empty() ? "$" : FQN);
        Path.push_back(Scratch.create<StrValue>(Key));
        if (Error E =
                visit(Path, FQN.empty() ? Key : FQN + "." + Key, It.second))
          return E;
        Path.pop_back();
      }
      return Error::success();
    }
    if (!isTerminal(V)) {
      auto *L = cast<ListValue>(V);
      for (size_t I = 0; I != L->size(); ++I) {
        Path.push_back(Scratch.create<IntValue>(int64_t(I)));
        if (Error E = visit(Path, FQN + "." + std::to_string(I), (*L)[I]))
          return E;
        Path.pop_back();
      }
      return Error::success();
    }
    if (!Seen.insert(FQN).second)
      return makeError("two entries flatten to '{0}'", FQN);
    Items.push_back({Path, FQN, V});
    return Error::success();
  }

  std::vector<Item> Items;

private:
  Checkpoint &Scratch;
  StringSet<> Seen;
};

/// Builds the IR of the pickled Metadata in \p S.
class MetadataBuilder {
public:
  explicit MetadataBuilder(Checkpoint &S) : S(S) {}

  /// `cls.__new__(cls)` + BUILD \p State.
  Value *dataclass(StringRef Module, StringRef Class, Value *State) {
    auto *O =
        S.create<ObjectValue>(ObjectValue::Form::NewObj,
                              S.create<GlobalValue>(Module.str(), Class.str()),
                              S.create<TupleValue>());
    if (State)
      O->getStates().push_back(State);
    return O;
  }
  Value *str(StringRef V) { return S.create<StrValue>(V.str()); }
  Value *integer(int64_t V) { return S.create<IntValue>(V); }
  /// `torch.Size((...))`.
  Value *size(ArrayRef<int64_t> Dims) {
    auto *T = S.create<TupleValue>();
    for (int64_t D : Dims)
      T->getElements().push_back(integer(D));
    auto *Args = S.create<TupleValue>();
    Args->getElements().push_back(T);
    return S.create<ObjectValue>(ObjectValue::Form::Reduce,
                                 S.create<GlobalValue>("torch", "Size"), Args);
  }
  DictValue *dict(std::initializer_list<std::pair<StringRef, Value *>> Items) {
    auto *D = S.create<DictValue>();
    for (const auto &[K, V] : Items)
      D->set(str(K), V);
    return D;
  }
  Value *call(StringRef Module, StringRef Name, Value *Arg) {
    auto *Args = S.create<TupleValue>();
    Args->getElements().push_back(Arg);
    return S.create<ObjectValue>(
        ObjectValue::Form::Reduce,
        S.create<GlobalValue>(Module.str(), Name.str()), Args);
  }

  Checkpoint &S;
};

} // namespace

Error writeDCPDirectory(const Checkpoint &C, StringRef Dir,
                        const Encoding &Enc) {
  const Value *Root = getRootToWrite(C, Enc);
  if (!isa_and_nonnull<MappingValue>(Root))
    return makeError("$: a DCP checkpoint holds a state dict (a mapping); "
                     "the checkpoint's root is not one");
  Checkpoint Scratch;
  Flattener F(Scratch);
  SmallVector<Value *, 4> Path;
  if (Error E = F.visit(Path, "", Root))
    return E;

  // The directory is made beside its final place and renamed there; the
  // final one may exist only as an empty directory.
  if (sys::fs::exists(Dir) && !sys::fs::is_directory(Dir))
    return createFileError(Dir, makeError("exists and is not a directory"));
  SmallString<256> Temp;
  sys::fs::createUniquePath(Dir.rtrim("/") + ".%%%%%%.tmp", Temp,
                            /*MakeAbsolute=*/false);
  if (std::error_code EC = sys::fs::create_directory(
          Temp, /*IgnoreExisting=*/false, sys::fs::perms::all_all))
    return createFileError(Temp, errorCodeToError(EC));
  bool Done = false;
  auto Cleanup = make_scope_exit([&] {
    if (!Done)
      sys::fs::remove_directories(Temp);
  });

  MetadataBuilder B(Scratch);
  auto *SDMeta = Scratch.create<DictValue>();
  auto *Planner = Scratch.create<DictValue>();
  auto *StorageData = Scratch.create<DictValue>();
  SmallString<256> DataPath(Temp);
  sys::path::append(DataPath, DataFile);
  Error Err = writeFileAtomically(DataPath, [&](int FD) -> Error {
    FileCopyStream OS(FD, /*shouldClose=*/false);
    OS.SetBufferSize(size_t(1) << 20);
    for (const Item &It : F.Items) {
      uint64_t Start = OS.tell();
      Encoding ItemEnc = Enc;
      ItemEnc.Root = It.V;
      ItemEnc.Container = ContainerKind::Zip;
      ItemEnc.ArchiveRoot = "archive";
      if (Error E = writeZipArchive(C, OS, &OS, ItemEnc))
        return E;
      uint64_t Length = OS.tell() - Start;

      auto *PathT = Scratch.create<TupleValue>();
      PathT->getElements().append(It.Path.begin(), It.Path.end());
      Planner->set(B.str(It.FQN), PathT);
      Value *Info =
          B.dataclass("torch.distributed.checkpoint.filesystem", "_StorageInfo",
                      B.dict({{"relative_path", B.str(DataFile)},
                              {"offset", B.integer(Start)},
                              {"length", B.integer(Length)}}));
      const Value *V = It.V;
      if (auto *P = dyn_cast<ParameterValue>(V))
        V = P->getTensor();
      if (auto *T = dyn_cast<TensorValue>(V)) {
        SmallVector<int64_t, 4> Zeros(T->getRank(), 0);
        auto *Props = Scratch.create<TupleValue>();
        Props->getElements().append(
            {Scratch.create<GlobalValue>(
                 "torch", getDTypeTorchName(T->getDType()).str()),
             B.call("torch.serialization", "_get_layout",
                    B.str("torch.strided")),
             Scratch.getBool(false),
             B.call(MetadataModule, "_MEM_FORMAT_ENCODING", B.integer(0)),
             Scratch.getBool(false)});
        auto *Chunks = Scratch.create<ListValue>();
        Chunks->getElements().push_back(
            B.dataclass(MetadataModule, "ChunkStorageMetadata",
                        B.dict({{"offsets", B.size(Zeros)},
                                {"sizes", B.size(T->getSizes())}})));
        SDMeta->set(
            B.str(It.FQN),
            B.dataclass(
                MetadataModule, "TensorStorageMetadata",
                B.dict({{"properties", B.dataclass(MetadataModule,
                                                   "TensorProperties", Props)},
                        {"size", B.size(T->getSizes())},
                        {"chunks", Chunks}})));
        StorageData->set(B.dataclass(MetadataModule, "MetadataIndex",
                                     B.dict({{"fqn", B.str(It.FQN)},
                                             {"offset", B.size(Zeros)},
                                             {"index", B.integer(0)}})),
                         Info);
      } else {
        SDMeta->set(
            B.str(It.FQN),
            B.dataclass(MetadataModule, "BytesStorageMetadata", nullptr));
        StorageData->set(B.dataclass(MetadataModule, "MetadataIndex",
                                     B.dict({{"fqn", B.str(It.FQN)},
                                             {"index", Scratch.getNone()}})),
                         Info);
      }
    }
    OS.flush();
    return Error::success();
  });
  if (Err)
    return Err;

  Value *Meta = B.dataclass(MetadataModule, "Metadata",
                            B.dict({{"state_dict_metadata", SDMeta},
                                    {"planner_data", Planner},
                                    {"storage_data", StorageData}}));
  Expected<std::string> Pickle = pickleValue(Meta, /*Protocol=*/2);
  if (!Pickle)
    return Pickle.takeError();
  SmallString<256> MetaPath(Temp);
  sys::path::append(MetaPath, ".metadata");
  if (Error E = writeFileAtomically(MetaPath, [&](int FD) -> Error {
        raw_fd_ostream OS(FD, /*shouldClose=*/false);
        OS << *Pickle;
        return Error::success();
      }))
    return E;
  // An empty directory at the final place is replaced by rename(2).
  if (std::error_code EC = sys::fs::rename(Temp, Dir))
    return createFileError(
        Dir, makeError("cannot put the DCP directory in place ({0}); it "
                       "must not exist or be empty",
                       EC.message()));
  Done = true;
  return Error::success();
}

} // namespace ckpt
