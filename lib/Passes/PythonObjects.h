//===- PythonObjects.h - Pickled Python objects passes know -----*- C++ -*-===//
//
// Part of ckpt-migrate (private to lib/Passes). How the objects that
// torch.save pickles beside tensors look in the IR: numpy scalars, arrays
// and dtypes, `bytes` in protocol 2, nn.Modules and their classes. Shared by
// the passes that convert them (weights-only-compat, objects-to-state-dicts,
// plain-data).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_PASSES_PYTHONOBJECTS_H
#define CKPT_LIB_PASSES_PYTHONOBJECTS_H

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/DType.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <utility>

namespace ckpt {

/// The bytes of a pickled `bytes` value: BINBYTES, or protocol 2's
/// `_codecs.encode(text, "latin1")` whose text holds one code point per byte.
std::optional<std::string> getPickledBytes(Value *V);

/// A numpy dtype object `numpy.dtype(code, False, True)` + BUILD state with
/// the byte order: returns (kind letter, item size), little-endian only.
std::optional<std::pair<char, unsigned>> getNumpyDType(Value *V);

/// numpy's name of a dtype given as (kind letter, item size): "float32".
std::optional<std::string> getNumpyDTypeName(char Kind, unsigned Size);

/// Whether \p M holds numpy's pickling helpers (`scalar`, `_reconstruct`):
/// numpy 1's numpy.core.multiarray or numpy 2's numpy._core.multiarray.
bool isNumpyModule(llvm::StringRef M);

/// The class a persistent id names: the legacy format saves nn.Module
/// classes as `('module', cls, source_file, source)`, the tar format (0.1.x)
/// as `(cls, source_file, source)`. Null for anything else.
GlobalValue *getPersistentClass(PersistentRefValue *R);

/// The class of a pickled object: its callable global, or the class of the
/// persistent id it calls (getPersistentClass).
GlobalValue *getObjectClass(ObjectValue *O);

/// The __dict__ of a pickled nn.Module: an object whose BUILD state has
/// `_parameters`, `_buffers` and `_modules`; null for anything else.
MappingValue *getModuleAttributes(Value *V);

} // namespace ckpt

#endif // CKPT_LIB_PASSES_PYTHONOBJECTS_H
