//===- ckpt/Container/Container.h - Checkpoint container kinds --*- C++ -*-===//
//
// Part of ckpt-migrate. Identifies which container a checkpoint file uses
// (tar, legacy magic-number stream, zip, TorchScript zip, bare pickle) from
// its bytes alone, and names the common things that are not checkpoints at
// all (Git LFS pointers, HTML pages, gzip, empty files).
//
// The container layer knows byte layouts only: it knows nothing of pickles,
// tensors or passes.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_CONTAINER_CONTAINER_H
#define CKPT_CONTAINER_CONTAINER_H

#include "llvm/ADT/APInt.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <optional>

namespace ckpt {

/// The container families `torch.save` has written over the years.
enum class ContainerKind {
  /// POSIX tar with members sys_info, pickle, tensors, storages (<= 0.1.9).
  Tar,
  /// Five back-to-back pickles + raw storage records (0.1.10 - 1.5, and
  /// later with `_use_new_zipfile_serialization=False`).
  Legacy,
  /// Zip archive with data.pkl and data/<key> records (1.4+).
  Zip,
  /// A single pickle without the magic number (`pickle.dump` of tensors, or
  /// a hand-made file).
  Pickle,
  /// A safetensors file: a JSON header naming each tensor's dtype, shape and
  /// byte range, then the tensors' bytes (ckpt/Container/Safetensors.h).
  Safetensors,
  /// A torch.distributed.checkpoint directory: `.metadata` and `.distcp`
  /// files of torch.save items (never identified from bytes: a directory).
  DCP,
};

/// Returns a short lower-case name for \p K ("tar", "legacy", "zip",
/// "pickle", "safetensors"), the spelling used by the textual IR and
/// `-format=`.
llvm::StringRef getContainerKindName(ContainerKind K);

/// Parses a name produced by getContainerKindName.
std::optional<ContainerKind> parseContainerKindName(llvm::StringRef Name);

/// The legacy stream's magic number (torch.serialization's MAGIC_NUMBER,
/// 0x1950a86a20f9469cfc6c): the value of a legacy checkpoint's first pickle.
llvm::APInt getLegacyMagicNumber();

/// Whether \p V is the legacy magic number. Compares bits, never text: a
/// hostile pickle's int may have millions of digits.
bool isLegacyMagicNumber(const llvm::APInt &V);

/// The pickles of a legacy stream, in file order, by the names `-dump-pickle`
/// and `-scan` give them: "magic number", "protocol version", "sys_info",
/// "object", "storage keys". The storage records follow the last.
llvm::ArrayRef<llvm::StringRef> getLegacyPickleNames();

/// Identifies the container of \p Buf from its leading bytes.
///
/// Files that are recognisably not checkpoints (empty, Git LFS pointer, HTML
/// page, gzip/bzip2/xz/zstd stream, the 1.0 preview "PYTORCH1" format,
/// GGUF/HDF5/NumPy files, text) are reported as a DecodeError at
/// offset 0 whose message names what the file is and what to do about it.
/// TorchScript archives are reported as Zip here; ZipArchive tells them
/// apart.
///
/// A file cut short inside a magic number is still given that kind, so that
/// the container's reader reports the truncation. Pickles without a PROTO
/// opcode (protocols 0 and 1) are recognised by running their first opcodes
/// on a model of the unpickler's stack.
llvm::Expected<ContainerKind> identifyContainer(llvm::MemoryBufferRef Buf);

} // namespace ckpt

#endif // CKPT_CONTAINER_CONTAINER_H
