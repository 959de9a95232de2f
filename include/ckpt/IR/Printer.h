//===- ckpt/IR/Printer.h - Textual form of the checkpoint IR ----*- C++ -*-===//
//
// Part of ckpt-migrate. Prints a Checkpoint as text (`-S`), one value per
// line where values nest, with storages declared up front and shared or
// cyclic values named at their first occurrence (`%vN = ...`). The grammar
// is documented in docs/IR.md.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_PRINTER_H
#define CKPT_IR_PRINTER_H

#include "llvm/Support/raw_ostream.h"

namespace ckpt {
class Checkpoint;
class Value;

/// Options of the textual form.
struct PrintOptions {
  /// Print storage bytes inline as hex (`data x"..."`) instead of a checksum.
  bool InlineData = false;
};

/// Prints the whole checkpoint in the textual IR.
void printCheckpoint(llvm::raw_ostream &OS, const Checkpoint &C,
                     const PrintOptions &Opts = {});

/// The checksum printed for a storage's bytes (xxh3-64).
uint64_t checksumBytes(llvm::StringRef Bytes);

} // namespace ckpt

#endif // CKPT_IR_PRINTER_H
