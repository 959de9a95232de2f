//===- ShardSetReader.cpp - Read a shard set as one checkpoint ------------===//
//
// Part of ckpt-migrate. A Hugging Face shard set: `*-00001-of-0000N.*`
// files and an `*.index.json` of `{"metadata": {"total_size": N},
// "weight_map": {name: file}}`.
//
//===----------------------------------------------------------------------===//

#include "ReaderInternals.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Reader/Lowering.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/MemoryLimit.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include <map>

using namespace llvm;

namespace ckpt {

std::optional<std::string> findShardSetIndex(StringRef Path) {
  if (Path.ends_with(".index.json"))
    return Path.str();
  if (!sys::fs::is_directory(Path))
    return std::nullopt;
  std::optional<std::string> Found;
  std::error_code EC;
  for (sys::fs::directory_iterator It(Path, EC), End; It != End && !EC;
       It.increment(EC)) {
    if (!StringRef(It->path()).ends_with(".index.json"))
      continue;
    if (Found)
      return std::nullopt; // two indexes: name one
    Found = It->path();
  }
  return Found;
}

Expected<std::unique_ptr<Checkpoint>> readShardSet(StringRef IndexPath,
                                                   const ReaderOptions &Opts) {
  auto IndexBuf = MemoryBuffer::getFile(IndexPath, /*IsText=*/true);
  if (!IndexBuf)
    return createFileError(IndexPath, errorCodeToError(IndexBuf.getError()));
  Expected<json::Value> J = json::parse((*IndexBuf)->getBuffer());
  if (!J)
    return createFileError(IndexPath,
                           makeError("not a shard index (invalid JSON: {0})",
                                     toString(J.takeError())));
  const json::Object *Root = J->getAsObject();
  const json::Object *Map = Root ? Root->getObject("weight_map") : nullptr;
  if (!Map)
    return createFileError(IndexPath,
                           makeError("not a shard index (no \"weight_map\" "
                                     "object)"));
  // The shards by file name, each with the names the index puts there.
  std::map<std::string, StringSet<>> Shards;
  for (const auto &[Name, File] : *Map) {
    std::optional<StringRef> F = File.getAsString();
    if (!F || F->empty() || sys::path::has_parent_path(*F) || *F == "." ||
        *F == "..")
      return createFileError(
          IndexPath, makeError("weight_map['{0}'] is not a file name beside "
                               "the index",
                               StringRef(Name)));
    Shards[F->str()].insert(StringRef(Name));
  }
  if (Shards.empty())
    return createFileError(IndexPath, makeError("weight_map names no shard"));

  auto C = std::make_unique<Checkpoint>();
  C->setSourceName(IndexPath.str());
  StringRef Dir = sys::path::parent_path(IndexPath);
  auto *Merged = C->create<StateDictValue>(
      C->create<GlobalValue>("collections", "OrderedDict"));
  StringMap<std::string> FileOf;
  std::optional<ContainerKind> Kind;
  uint64_t TotalBytes = 0;
  for (const auto &[File, Names] : Shards) {
    SmallString<256> Path(Dir);
    sys::path::append(Path, File);
    int FD;
    auto Buf = openCheckpointFile(Path, FD);
    if (!Buf)
      return Buf.takeError();
    MemoryBufferRef Ref = (*Buf)->getMemBufferRef();
    TotalBytes += Ref.getBufferSize();
    C->addBuffer(std::move(*Buf));
    if (FD >= 0)
      C->addSourceFile(Ref, FD);
    C->setMemoryLimit(
        Opts.MemoryLimit.value_or(getDefaultMemoryLimit(TotalBytes)));
    ReaderOptions O = Opts;
    O.SourceFD = FD;
    C->setRoot(nullptr);
    C->getContainer().Records.clear();
    if (Error E = readContainerInto(*C, Ref, O))
      return createFileError(Path, std::move(E));
    if (Kind && *Kind != C->getContainer().Kind)
      return createFileError(
          Path, makeError("shard is a {0} file, the shards before it {1}",
                          getContainerKindName(C->getContainer().Kind),
                          getContainerKindName(*Kind)));
    Kind = C->getContainer().Kind;
    if (Opts.Lower)
      lowerCheckpoint(*C);
    // The state dict's attributes (`_metadata`), which writers put in the
    // first shard.
    if (auto *SD = dyn_cast_or_null<StateDictValue>(C->getRoot()))
      if (SD->getState() && !Merged->getState())
        Merged->setState(SD->getState());
    SmallVectorImpl<DictItem> *Items = getDictItems(C->getRoot());
    if (!Items)
      return createFileError(Path, makeError("shard does not hold a mapping of "
                                             "names to tensors"));
    StringSet<> Found;
    for (const DictItem &It : *Items) {
      std::optional<StringRef> Name = getStringValue(It.first);
      if (!Name)
        return createFileError(Path, makeError("shard holds a key that is "
                                               "not a string"));
      auto [Prev, New] = FileOf.try_emplace(*Name, File);
      if (!New)
        return createFileError(Path,
                               makeError("'{0}' is in this shard and in '{1}'",
                                         *Name, Prev->second));
      Found.insert(*Name);
      Merged->getItems().push_back(It);
    }
    for (const auto &N : Names)
      if (!Found.count(N.getKey()))
        return createFileError(
            Path, makeError("the index puts '{0}' in this shard, which does "
                            "not hold it",
                            N.getKey()));
  }
  // Storage keys were per shard ("0", "1", ... in each zip): number them
  // across the set, as one file would.
  C->renumberStorageKeys();
  ContainerInfo &CI = C->getContainer();
  CI.Records.clear();
  CI.ArchiveRoot.clear();
  CI.SysInfo = nullptr;
  C->setRoot(Merged);
  if (Error E = verifyCheckpoint(
          *C, "inconsistent checkpoint (torch would refuse to load it)"))
    return E;
  return C;
}

} // namespace ckpt
