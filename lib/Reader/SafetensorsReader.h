//===- SafetensorsReader.h - Read safetensors files into the IR -*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the reader.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_READER_SAFETENSORSREADER_H
#define CKPT_LIB_READER_SAFETENSORSREADER_H

#include "ckpt/IR/Checkpoint.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

namespace ckpt {

/// Reads the safetensors file \p Buf into \p C: a state dict of its tensors
/// in data order, each on a storage of its own bytes (untyped, as torch 2.x
/// saves them, for the dtypes without a typed storage class), with the
/// aliases and module versions ckpt-migrate recorded in `__metadata__`
/// restored; other `__metadata__` entries become the container's records.
llvm::Error readSafetensors(Checkpoint &C, llvm::MemoryBufferRef Buf);

} // namespace ckpt

#endif // CKPT_LIB_READER_SAFETENSORSREADER_H
