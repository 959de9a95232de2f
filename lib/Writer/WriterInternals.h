//===- WriterInternals.h - Shared by the writer's containers ----*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the writer.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_WRITER_WRITERINTERNALS_H
#define CKPT_LIB_WRITER_WRITERINTERNALS_H

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Support/FileRange.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>

namespace ckpt {

/// Appends \p Bytes, which are \p C's (a slice of a storage's data): a slice
/// of the input file is copied file to file, never faulted into memory.
llvm::Error writeBytes(const Checkpoint &C, llvm::StringRef Bytes,
                       llvm::raw_ostream &OS, FileCopyStream *Direct,
                       const Encoding &Enc);

/// Where a tensor's elements lie: its storage (the root of a 0.x storage
/// view) and its offset there, in elements.
struct TensorPlace {
  const TensorValue *T;
  const StorageValue *S;
  int64_t Offset;
};

/// The place of \p V, a tensor or a Parameter's tensor; std::nullopt for
/// anything else.
inline std::optional<TensorPlace> getTensorPlace(const Value *V) {
  if (auto *P = llvm::dyn_cast_or_null<ParameterValue>(V))
    V = P->getTensor();
  auto *T = llvm::dyn_cast_or_null<TensorValue>(V);
  if (!T)
    return std::nullopt;
  const StorageValue *S = T->getStorage();
  if (const StorageValue *Root = S->getViewRoot())
    return TensorPlace{T, Root, T->getOffset() + int64_t(S->getViewOffset())};
  return TensorPlace{T, S, T->getOffset()};
}

/// The value \p Enc says to write: its Root, else \p C's.
inline const Value *getRootToWrite(const Checkpoint &C, const Encoding &Enc) {
  return Enc.Root ? Enc.Root : C.getRoot();
}

/// The pickle of \p Root (which holds no storage) at \p Protocol.
llvm::Expected<std::string> pickleValue(const Value *Root, unsigned Protocol);

/// Writes \p C (or Enc.Root) as a torch.save zip archive onto \p OS.
llvm::Error writeZipArchive(const Checkpoint &C, llvm::raw_ostream &OS,
                            FileCopyStream *Direct, const Encoding &Enc);

/// Writes \p C as a torch.distributed.checkpoint directory \p Dir
/// (DCPWriter.cpp).
llvm::Error writeDCPDirectory(const Checkpoint &C, llvm::StringRef Dir,
                              const Encoding &Enc);

/// Writes \p C as a safetensors file (SafetensorsWriter.cpp).
llvm::Error writeSafetensors(const Checkpoint &C, llvm::raw_ostream &OS,
                             FileCopyStream *Direct, const Encoding &Enc);

} // namespace ckpt

#endif // CKPT_LIB_WRITER_WRITERINTERNALS_H
