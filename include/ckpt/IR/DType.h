//===- ckpt/IR/DType.h - Tensor element types -------------------*- C++ -*-===//
//
// Part of ckpt-migrate. Element types, their sizes and their names in the
// textual IR, in torch, and as legacy storage classes.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_DTYPE_H
#define CKPT_IR_DTYPE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace ckpt {

/// A tensor element type.
enum class DType : uint8_t {
#define CKPT_DTYPE(Enum, IRName, TorchName, StorageClass, Size, Safetensors)   \
  Enum,
#include "ckpt/IR/DTypes.def"
};

/// Spelling in the textual IR ("f32").
llvm::StringRef getDTypeIRName(DType T);
/// torch's name without the "torch." prefix ("float32").
llvm::StringRef getDTypeTorchName(DType T);
/// Legacy typed storage class in module `torch` ("FloatStorage"), or empty
/// when the dtype can only be serialised through UntypedStorage.
llvm::StringRef getDTypeStorageClass(DType T);
/// The module that defines \p T's storage class: "torch" for the typed
/// classes, "torch.storage" for UntypedStorage (torch.save writes
/// `torch.storage.UntypedStorage`, and torch's weights_only allowlist knows
/// it by that name only).
llvm::StringRef getDTypeStorageClassModule(DType T);
/// Bytes per element.
unsigned getDTypeSize(DType T);
/// Its name in a safetensors header ("F32"), or empty when the format has
/// none.
llvm::StringRef getDTypeSafetensorsName(DType T);
/// The dtype a safetensors header names \p Name ("BF16").
std::optional<DType> parseSafetensorsDTypeName(llvm::StringRef Name);
/// Whether \p T is a quantized integer type.
bool isQuantized(DType T);

std::optional<DType> parseDTypeIRName(llvm::StringRef Name);
std::optional<DType> parseDTypeTorchName(llvm::StringRef Name);
/// Maps a storage class name ("FloatStorage", "UntypedStorage", also with a
/// "torch.", "torch.cuda." or, for UntypedStorage, "torch.storage." module)
/// to its dtype.
std::optional<DType> parseStorageClassName(llvm::StringRef Name);

} // namespace ckpt

#endif // CKPT_IR_DTYPE_H
