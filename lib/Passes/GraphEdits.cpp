//===- GraphEdits.cpp - Walks and edits shared by C++ passes --------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"

using namespace llvm;

namespace ckpt {

DenseMap<StorageValue *, SmallVector<TensorValue *, 2>>
tensorsByStorage(Checkpoint &C) {
  DenseMap<StorageValue *, SmallVector<TensorValue *, 2>> Views;
  for (Value *V : reachableNodes(C))
    if (auto *T = dyn_cast<TensorValue>(V))
      Views[T->getStorage()].push_back(T);
  return Views;
}

void replaceNodes(Checkpoint &C, function_ref<Value *(Value *)> Convert) {
  DenseMap<Value *, Value *> Replace;
  for (Value *V : reachableNodes(C))
    if (Value *New = Convert(V))
      Replace[V] = New;
  auto Map = [&](Value *&Ch) {
    auto It = Replace.find(Ch);
    if (It != Replace.end())
      Ch = It->second;
  };
  for (Value *V : reachableNodes(C))
    forEachChildRef(V, Map);
  for (auto &[Old, New] : Replace)
    forEachChildRef(New, Map);
  Value *Root = C.getRoot();
  Map(Root);
  C.setRoot(Root);
}

} // namespace ckpt
