//===- ckpt/Writer/Writer.h - Write the IR as a checkpoint ------*- C++ -*-===//
//
// Part of ckpt-migrate. Serialises a Checkpoint into a legacy, zip or
// safetensors container, or a shard set of them. The pickle is emitted from the
// typed IR (the encoding of tensors, parameters and storages is chosen here,
// not copied from the input), and storage bytes are streamed from the input's
// mapped ranges.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_WRITER_WRITER_H
#define CKPT_WRITER_WRITER_H

#include "ckpt/Container/Container.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>
#include <string>

namespace ckpt {
class Checkpoint;
class Value;
struct TargetSpec;
class CopyObserver;

/// How the IR is encoded. The defaults reproduce what the input used; a
/// target description (a later component) fills these per PyTorch release.
struct Encoding {
  /// Container to write; std::nullopt writes the input's (tar and bare
  /// pickle inputs are written as legacy streams).
  std::optional<ContainerKind> Container;
  /// Protocol of the main pickle. CPython-2-era readers need 2.
  unsigned PickleProtocol = 2;
  /// Zip: the root folder; empty means the output file's stem, or
  /// "archive" when writing to a stream.
  std::string ArchiveRoot;
  /// The release to write for (`-target=`): picks the default container,
  /// the tensor and Parameter encodings, the zip version record and the
  /// pickle protocol. Null writes what the input used.
  const TargetSpec *Target = nullptr;
  /// Told of tensor bytes as they are written (a progress indicator); may
  /// be null.
  CopyObserver *Progress = nullptr;
  /// What to write instead of the checkpoint's root (one shard of it); its
  /// nodes are the checkpoint's or live as long. Null writes the root.
  const Value *Root = nullptr;
};

/// Writes \p C to \p OS (which must be a seekable or a plain stream; only
/// sequential writes are made).
llvm::Error writeCheckpoint(const Checkpoint &C, llvm::raw_ostream &OS,
                            const Encoding &Enc);

/// Writes \p C to \p Path atomically: into a temporary file in the same
/// directory, renamed over \p Path only when complete. On any error no file
/// is left behind. "-" writes to stdout.
llvm::Error writeCheckpointFile(const Checkpoint &C, llvm::StringRef Path,
                                const Encoding &Enc);

/// The container that writeCheckpoint would use for \p C under \p Enc.
ContainerKind getOutputContainer(const Checkpoint &C, const Encoding &Enc);

/// Writes \p C's root mapping of names to tensors as a Hugging Face shard
/// set: shards of at most \p MaxShardSize bytes of tensor data (one
/// larger tensor alone in its shard; tensors sharing a storage together),
/// named `STEM-00001-of-0000N.EXT` beside \p Path (`DIR/STEM.EXT`), in the
/// container of \p Enc, and `DIR/STEM.EXT.index.json` with their
/// `weight_map` and `total_size`. All files appear together or none does.
llvm::Error writeShardSet(const Checkpoint &C, llvm::StringRef Path,
                          const Encoding &Enc, uint64_t MaxShardSize);

/// The container an output named \p Path asks for when neither `-format=`
/// nor a target says: safetensors for `*.safetensors`; torch.save's zip for
/// any other file when the input (of container \p Input) is a safetensors
/// file; otherwise std::nullopt (the input's container).
std::optional<ContainerKind> getContainerForOutputName(llvm::StringRef Path,
                                                       ContainerKind Input);

} // namespace ckpt

#endif // CKPT_WRITER_WRITER_H
