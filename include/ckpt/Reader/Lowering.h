//===- ckpt/Reader/Lowering.h - Raise pickled objects to torch nodes -*- C++ -*-===//
//
// Part of ckpt-migrate. Recognises torch's pickled forms in the generic
// object graph and replaces them with typed nodes: `_rebuild_tensor*` and
// `_rebuild_qtensor` calls become TensorValues, Parameter forms become
// ParameterValues, OrderedDicts of tensors (or carrying `_metadata`) become
// StateDictValues, and `{state, param_groups}` dicts become
// OptimizerStateValues. Anything that does not match exactly stays generic;
// lowering never fails.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_READER_LOWERING_H
#define CKPT_READER_LOWERING_H

namespace ckpt {
class Checkpoint;

/// Lowers every recognised object reachable from the root (and from the
/// container's header values) in place.
void lowerCheckpoint(Checkpoint &C);

} // namespace ckpt

#endif // CKPT_READER_LOWERING_H
