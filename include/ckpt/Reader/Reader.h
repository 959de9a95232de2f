//===- ckpt/Reader/Reader.h - Read any checkpoint into the IR ---*- C++ -*-===//
//
// Part of ckpt-migrate. Reads a checkpoint file of any container family into
// a Checkpoint: identifies the container, runs the pickle machine on each of
// its pickles, resolves persistent ids into storages whose bytes stay in the
// mapped file, and lowers recognised torch objects into typed nodes.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_READER_READER_H
#define CKPT_READER_READER_H

#include "ckpt/IR/Checkpoint.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <optional>

namespace ckpt {

/// Options of the reader.
struct ReaderOptions {
  /// Lower rebuild calls, state dicts and optimizer state into typed nodes
  /// (off: keep the generic object graph, storages still resolved).
  bool Lower = true;
  /// The open file the buffer maps, if any: per-record headers (zip local
  /// headers, legacy element counts) are then read with pread, so that a
  /// large file is not faulted into memory record by record.
  int SourceFD = -1;
  /// The most heap the process may use while the pickles are read (0: no
  /// limit); unset, the default for the input's size
  /// (getDefaultMemoryLimit in ckpt/Support/MemoryLimit.h).
  std::optional<uint64_t> MemoryLimit;
};

/// Reads the checkpoint in \p Buf (which the result keeps alive). Errors are
/// DecodeErrors with the absolute offset where reading failed.
llvm::Expected<std::unique_ptr<Checkpoint>>
readCheckpoint(std::unique_ptr<llvm::MemoryBuffer> Buf,
               const ReaderOptions &Opts = {});

/// The index of the shard set \p Path names (Hugging Face's
/// `model.safetensors.index.json`, `pytorch_model.bin.index.json`): \p Path
/// itself when it ends in `.index.json`, or the only such file of the
/// directory \p Path; std::nullopt when \p Path is neither.
std::optional<std::string> findShardSetIndex(llvm::StringRef Path);

/// Reads the shard set whose index is \p IndexPath as one checkpoint: the
/// shards (safetensors or torch.save files, one container for all) named by
/// its `weight_map`, in file-name order, merged into one state dict whose
/// storages stay in the mapped shards. Every name of the weight map must be
/// in its shard and no name in two; DecodeErrors name the file at fault.
llvm::Expected<std::unique_ptr<Checkpoint>>
readShardSet(llvm::StringRef IndexPath, const ReaderOptions &Opts = {});

/// Whether \p Path is a torch.distributed.checkpoint directory (it holds
/// `.metadata`).
bool isDCPDirectory(llvm::StringRef Path);

/// Reads the DCP directory \p Dir as `dcp_to_torch_save` converts it: the
/// nested state dict `planner_data` describes, each tensor from its chunks
/// (one chunk: its storage in the mapped `.distcp` file; several, written by
/// several ranks: assembled in memory), each other value from its item.
/// `.metadata` is read by the pickle machine, which executes nothing, and
/// may name only the classes DCP writes.
llvm::Expected<std::unique_ptr<Checkpoint>>
readDCPDirectory(llvm::StringRef Dir, const ReaderOptions &Opts = {});

/// Maps \p Path read-only (stdin for "-"). \p FD receives the open
/// descriptor (-1 for stdin), which the caller hands to
/// Checkpoint::addSourceFile, so that the writer can copy tensor bytes file
/// to file, or closes.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
openCheckpointFile(llvm::StringRef Path, int &FD);

/// Maps \p Path (or stdin for "-") read-only and reads it.
llvm::Expected<std::unique_ptr<Checkpoint>>
readCheckpointFile(llvm::StringRef Path, const ReaderOptions &Opts = {});

} // namespace ckpt

#endif // CKPT_READER_READER_H
