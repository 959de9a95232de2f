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
