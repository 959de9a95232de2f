//===- ckpt/IR/Verifier.h - Check the invariants of the IR ------*- C++ -*-===//
//
// Part of ckpt-migrate. The IR verifier: what every pass must leave true
// (run after each pass with -verify-each, and always before writing).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_VERIFIER_H
#define CKPT_IR_VERIFIER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace ckpt {
class Checkpoint;

/// Checks that every tensor fits its storage with a consistent dtype and
/// rank, every storage's bytes match its size, views lie inside their roots,
/// state-dict keys are strings and parameters wrap tensors. Returns one error
/// listing every violation with the path of the value (`$['model']['w']`),
/// after \p Heading.
llvm::Error verifyCheckpoint(const Checkpoint &C,
                             llvm::StringRef Heading = "the IR is invalid");

} // namespace ckpt

#endif // CKPT_IR_VERIFIER_H
