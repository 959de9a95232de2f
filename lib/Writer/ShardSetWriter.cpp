//===- ShardSetWriter.cpp - Write a Hugging Face shard set ----------------===//
//
// Part of ckpt-migrate. `-max-shard-size=SIZE`: the root's tensors split
// over `STEM-00001-of-0000N.EXT` files in order, each written by the
// container's writer, and the `STEM.EXT.index.json` loaders follow.
//
//===----------------------------------------------------------------------===//

#include "WriterInternals.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace ckpt {

namespace {

/// One shard: the root's items it holds and the bytes of their storages.
struct Shard {
  SmallVector<DictItem, 0> Items;
  uint64_t Bytes = 0;
};

} // namespace

Error writeShardSet(const Checkpoint &C, StringRef Path, const Encoding &Enc,
                    uint64_t MaxShardSize) {
  auto *Root = dyn_cast_or_null<MappingValue>(getRootToWrite(C, Enc));
  if (!Root || isa<OptimizerStateValue>(Root))
    return makeError("$: a shard set holds a mapping of names to tensors; "
                     "the checkpoint's root is not one (keep one state dict "
                     "of it with -passes=select{{key=KEY})");

  // Tensors in order; those sharing a storage go to the shard of the first.
  std::vector<Shard> Shards(1);
  DenseMap<const StorageValue *, size_t> ShardOf;
  for (const DictItem &It : Root->items()) {
    std::optional<StringRef> Name = getStringValue(It.first);
    std::optional<TensorPlace> Place = getTensorPlace(It.second);
    const StorageValue *S = Place ? Place->S : nullptr;
    if (!Name || !S)
      return makeError("$['{0}']: a shard set holds tensors only (keep one "
                       "state dict of a training checkpoint with "
                       "-passes=select{{key=KEY})",
                       Name ? *Name : StringRef("?"));
    auto Found = ShardOf.find(S);
    if (Found != ShardOf.end()) {
      Shards[Found->second].Items.push_back(It);
      continue;
    }
    uint64_t Bytes = S->getNumBytes();
    if (!Shards.back().Items.empty() &&
        Shards.back().Bytes + Bytes > MaxShardSize)
      Shards.emplace_back();
    Shards.back().Items.push_back(It);
    Shards.back().Bytes += Bytes;
    ShardOf[S] = Shards.size() - 1;
  }
  // What fits in one shard is one file, as Hugging Face writes it.
  if (Shards.size() == 1)
    return writeCheckpointFile(C, Path, Enc);

  StringRef Dir = sys::path::parent_path(Path);
  StringRef File = sys::path::filename(Path);
  StringRef Stem = sys::path::stem(File), Ext = sys::path::extension(File);
  auto InDir = [&](StringRef Name) {
    SmallString<256> P(Dir);
    sys::path::append(P, Name);
    return std::string(P);
  };

  // Each shard into a temporary beside its final name; all are renamed
  // into place only when every one is written.
  std::vector<std::pair<std::string, std::string>> Written; // temp, final
  auto RemoveTemps = make_scope_exit([&] {
    for (const auto &[Temp, Final] : Written)
      sys::fs::remove(Temp);
  });
  json::Object WeightMap;
  uint64_t TotalSize = 0;
  // The shard roots live as long as the writing.
  Checkpoint Scratch;
  const auto *SD = dyn_cast<StateDictValue>(Root);
  for (size_t I = 0; I != Shards.size(); ++I) {
    std::string Name;
    raw_string_ostream(Name)
        << Stem << format("-%05zu-of-%05zu", I + 1, Shards.size()) << Ext;
    auto *ShardRoot = Scratch.create<StateDictValue>(
        SD ? SD->getClass()
           : Scratch.create<GlobalValue>("collections", "OrderedDict"));
    ShardRoot->getItems().append(Shards[I].Items.begin(),
                                 Shards[I].Items.end());
    // The state dict's attributes (`_metadata`) go with the first shard.
    if (SD && I == 0)
      ShardRoot->setState(SD->getState());
    Encoding ShardEnc = Enc;
    ShardEnc.Root = ShardRoot;
    ShardEnc.ArchiveRoot = sys::path::stem(Name).str();
    SmallString<256> Temp;
    sys::fs::createUniquePath(InDir(Name + ".%%%%%%.tmp"), Temp,
                              /*MakeAbsolute=*/false);
    if (Error E = writeCheckpointFile(C, Temp, ShardEnc))
      return E;
    Written.emplace_back(std::string(Temp), InDir(Name));
    for (const DictItem &It : Shards[I].Items)
      WeightMap[*getStringValue(It.first)] = Name;
    TotalSize += Shards[I].Bytes;
  }

  // Hugging Face writes the index with sorted keys, indented by 2.
  json::Object Index;
  Index["metadata"] = json::Object{{"total_size", int64_t(TotalSize)}};
  Index["weight_map"] = std::move(WeightMap);
  std::string IndexPath = InDir((File + ".index.json").str());
  for (const auto &[Temp, Final] : Written)
    if (std::error_code EC = sys::fs::rename(Temp, Final))
      return createFileError(Final, errorCodeToError(EC));
  Written.clear();
  return writeTextFileAtomically(IndexPath, [&](raw_ostream &OS) {
    OS << formatv("{0:2}", json::Value(std::move(Index))) << '\n';
    return Error::success();
  });
}

} // namespace ckpt
