//===- GraphEdits.h - Walks and edits shared by C++ passes ------*- C++ -*-===//
//
// Part of ckpt-migrate (private to lib/Passes). The graph walks and edits
// that more than one family of C++ passes needs.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_PASSES_GRAPHEDITS_H
#define CKPT_LIB_PASSES_GRAPHEDITS_H

#include "ckpt/IR/Checkpoint.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include <vector>

namespace ckpt {

/// Every node reachable from the root, each once.
inline std::vector<Value *> reachableNodes(Checkpoint &C) {
  return C.getReachableForPass();
}

/// The tensors that view each storage, each once.
llvm::DenseMap<StorageValue *, llvm::SmallVector<TensorValue *, 2>>
tensorsByStorage(Checkpoint &C);

/// Replaces the nodes \p Convert returns a replacement for, everywhere in
/// the graph: among the children of every reachable node and of the
/// replacements, and as the root.
void replaceNodes(Checkpoint &C, llvm::function_ref<Value *(Value *)> Convert);

} // namespace ckpt

#endif // CKPT_LIB_PASSES_GRAPHEDITS_H
