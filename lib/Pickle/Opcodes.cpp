//===- Opcodes.cpp - Pickle opcode table lookups --------------------------===//

#include "ckpt/Pickle/Opcodes.h"
#include <array>

using namespace ckpt::pickle;

namespace {
constexpr OpcodeInfo Table[] = {
#define PICKLE_OPCODE(Enum, Byte, Name, Arg, Proto)                            \
  {Opcode::Enum, llvm::StringLiteral(Name), ArgKind::Arg, Proto},
#include "ckpt/Pickle/Opcodes.def"
};

/// Byte -> table index (+1; 0 means "not an opcode").
struct ByteIndex {
  std::array<uint8_t, 256> Index{};
  constexpr ByteIndex() {
    for (unsigned I = 0; I != sizeof(Table) / sizeof(Table[0]); ++I)
      Index[static_cast<uint8_t>(Table[I].Op)] = I + 1;
  }
};
constexpr ByteIndex Index;
} // namespace

const OpcodeInfo *ckpt::pickle::lookupOpcode(uint8_t Byte) {
  unsigned I = Index.Index[Byte];
  return I ? &Table[I - 1] : nullptr;
}
