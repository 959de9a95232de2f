//===- ckpt/IR/Parser.h - Parse the textual checkpoint IR -------*- C++ -*-===//
//
// Part of ckpt-migrate. Reads what printCheckpoint prints (docs/IR.md) back
// into a Checkpoint, so that `.ckir` files can be printed again identically
// and, when their storages carry inline data, assembled into checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_PARSER_H
#define CKPT_IR_PARSER_H

#include "ckpt/IR/Checkpoint.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>

namespace ckpt {

/// Whether \p Buf looks like textual IR (its first token, after comments and
/// whitespace, is `checkpoint`).
bool isTextualIR(llvm::MemoryBufferRef Buf);

/// Parses textual IR. Errors come back as one llvm::Error whose message is
/// the SourceMgr diagnostic, `FILE:LINE:COL: error: expected ...` with the
/// source line and a caret. Storages with inline data own their bytes;
/// storages given as `xxh3` keep only the checksum.
llvm::Expected<std::unique_ptr<Checkpoint>>
parseCheckpointText(std::unique_ptr<llvm::MemoryBuffer> Buf);

} // namespace ckpt

#endif // CKPT_IR_PARSER_H
