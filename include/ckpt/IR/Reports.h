//===- ckpt/IR/Reports.h - Tensor listing and summary -----------*- C++ -*-===//
//
// Part of ckpt-migrate. Reports on a Checkpoint that are not IR: the tensor
// listing (`-tensors`) and the summary for people (`-summary`).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_REPORTS_H
#define CKPT_IR_REPORTS_H

#include "llvm/Support/raw_ostream.h"

namespace ckpt {
class Checkpoint;

/// Prints one line per tensor reachable from the root, in a canonical
/// depth-first walk (`-tensors`):
///   <path> <tensor|param> <dtype> <shape> <stride> <offset> s<N> <xxh3> rg=<0|1>
/// test/Inputs/torch_describe.py prints the same lines from real torch.
void printTensorListing(llvm::raw_ostream &OS, const Checkpoint &C);

/// Prints a summary for people (`-summary`): container, guessed era, tensor
/// and storage counts, bytes per dtype, globals referenced.
void printSummary(llvm::raw_ostream &OS, const Checkpoint &C);

} // namespace ckpt

#endif // CKPT_IR_REPORTS_H
