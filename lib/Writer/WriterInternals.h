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

namespace ckpt {

/// Appends \p Bytes, which are \p C's (a slice of a storage's data): a slice
/// of the input file is copied file to file, never faulted into memory.
llvm::Error writeBytes(const Checkpoint &C, llvm::StringRef Bytes,
                       llvm::raw_ostream &OS, FileCopyStream *Direct,
                       const Encoding &Enc);

/// Writes \p C as a safetensors file (SafetensorsWriter.cpp).
llvm::Error writeSafetensors(const Checkpoint &C, llvm::raw_ostream &OS,
                             FileCopyStream *Direct, const Encoding &Enc);

} // namespace ckpt

#endif // CKPT_LIB_WRITER_WRITERINTERNALS_H
