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
class TupleValue;
class Value;

/// Lowers every recognised object reachable from the root (and from the
/// container's header values) in place.
void lowerCheckpoint(Checkpoint &C);

/// The tensor that the call \p Callable(*Args) builds, when it is one of
/// torch's tensor rebuild functions with well-formed arguments; null
/// otherwise. The same decision lowerCheckpoint makes for a REDUCE that was
/// never mutated, taken while unpickling (see pickle::ReduceHookFn) so that
/// the generic objects of millions of tensors are never built.
Value *lowerTensorCall(Checkpoint &C, Value *Callable, TupleValue *Args);

} // namespace ckpt

#endif // CKPT_READER_LOWERING_H
