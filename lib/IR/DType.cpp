//===- DType.cpp - Tensor element types -----------------------------------===//

#include "ckpt/IR/DType.h"

using namespace llvm;

namespace ckpt {

namespace {
struct DTypeInfo {
  StringLiteral IRName, TorchName, StorageClass;
  unsigned Size;
  StringLiteral Safetensors;
};
constexpr DTypeInfo Infos[] = {
#define CKPT_DTYPE(Enum, IRName, TorchName, StorageClass, Size, Safetensors)   \
  {StringLiteral(IRName), StringLiteral(TorchName),                            \
   StringLiteral(StorageClass), Size, StringLiteral(Safetensors)},
#include "ckpt/IR/DTypes.def"
};
constexpr unsigned NumDTypes = sizeof(Infos) / sizeof(Infos[0]);
const DTypeInfo &info(DType T) { return Infos[static_cast<unsigned>(T)]; }
} // namespace

StringRef getDTypeIRName(DType T) { return info(T).IRName; }
StringRef getDTypeTorchName(DType T) { return info(T).TorchName; }
StringRef getDTypeStorageClass(DType T) { return info(T).StorageClass; }

StringRef getDTypeStorageClassModule(DType T) {
  return T == DType::Untyped ? "torch.storage" : "torch";
}
unsigned getDTypeSize(DType T) { return info(T).Size; }
StringRef getDTypeSafetensorsName(DType T) { return info(T).Safetensors; }

std::optional<DType> parseSafetensorsDTypeName(StringRef Name) {
  for (unsigned I = 0; I != NumDTypes; ++I)
    if (!Infos[I].Safetensors.empty() && Infos[I].Safetensors == Name)
      return static_cast<DType>(I);
  return std::nullopt;
}

bool isQuantized(DType T) {
  switch (T) {
  case DType::QInt8:
  case DType::QUInt8:
  case DType::QInt32:
  case DType::QUInt4x2:
  case DType::QUInt2x4:
    return true;
  default:
    return false;
  }
}

std::optional<DType> parseDTypeIRName(StringRef Name) {
  for (unsigned I = 0; I != NumDTypes; ++I)
    if (Infos[I].IRName == Name)
      return static_cast<DType>(I);
  return std::nullopt;
}

std::optional<DType> parseDTypeTorchName(StringRef Name) {
  // Aliases torch also accepts for pickled dtype globals.
  static const std::pair<StringLiteral, DType> Aliases[] = {
      {"float", DType::Float32},    {"double", DType::Float64},
      {"half", DType::Float16},     {"long", DType::Int64},
      {"int", DType::Int32},        {"short", DType::Int16},
      {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128},
      {"chalf", DType::Complex32},
  };
  for (unsigned I = 0; I != NumDTypes; ++I)
    if (Infos[I].TorchName == Name && static_cast<DType>(I) != DType::Untyped)
      return static_cast<DType>(I);
  for (auto &[A, T] : Aliases)
    if (A == Name)
      return T;
  return std::nullopt;
}

std::optional<DType> parseStorageClassName(StringRef Name) {
  if (Name == "torch.storage.UntypedStorage")
    return DType::Untyped;
  Name.consume_front("torch.cuda.");
  Name.consume_front("torch.");
  if (Name.empty())
    return std::nullopt;
  for (unsigned I = 0; I != NumDTypes; ++I)
    if (Infos[I].StorageClass == Name)
      return static_cast<DType>(I);
  return std::nullopt;
}

} // namespace ckpt
