//===- ReaderInternals.h - Shared by the reader's files ---------*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the reader.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_READER_READERINTERNALS_H
#define CKPT_LIB_READER_READERINTERNALS_H

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Reader/Reader.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

namespace ckpt {

/// Reads the container in \p Ref into \p C: sets its container kind and
/// records, adds its storages and sets its root. Neither lowers nor
/// verifies.
llvm::Error readContainerInto(Checkpoint &C, llvm::MemoryBufferRef Ref,
                              const ReaderOptions &Opts);

} // namespace ckpt

#endif // CKPT_LIB_READER_READERINTERNALS_H
