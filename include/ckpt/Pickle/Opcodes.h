//===- ckpt/Pickle/Opcodes.h - Pickle opcodes as data -----------*- C++ -*-===//
//
// Part of ckpt-migrate. The pickle opcode table (Opcodes.def) as an enum and
// lookup functions.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PICKLE_OPCODES_H
#define CKPT_PICKLE_OPCODES_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>

namespace ckpt {
namespace pickle {

/// Kinds of inline argument that follow an opcode byte.
enum class ArgKind : uint8_t {
  None,            ///< no argument
  UInt8,           ///< 1-byte unsigned
  UInt16,          ///< 2-byte little-endian unsigned
  Int32,           ///< 4-byte little-endian signed
  UInt32,          ///< 4-byte little-endian unsigned
  UInt64,          ///< 8-byte little-endian unsigned
  Long1,           ///< 1-byte length + little-endian two's complement
  Long4,           ///< 4-byte length + little-endian two's complement
  String1,         ///< 1-byte length + bytes
  String4,         ///< 4-byte unsigned length + bytes
  String4Signed,   ///< 4-byte signed length + bytes (BINSTRING)
  String8,         ///< 8-byte length + bytes
  Float8BE,        ///< 8-byte big-endian IEEE double
  DecimalLineInt,  ///< decimal digits up to '\n'
  DecimalLineLong, ///< decimal digits with optional 'L' up to '\n'
  FloatLine,       ///< float repr up to '\n'
  QuotedLine,      ///< Python string literal up to '\n'
  UnicodeLine,     ///< raw-unicode-escape text up to '\n'
  StringLine,      ///< text up to '\n'
  TwoLines,        ///< module '\n' name '\n'
};

/// Every opcode, named as in Opcodes.def.
enum class Opcode : uint8_t {
#define PICKLE_OPCODE(Enum, Byte, Name, Arg, Proto) Enum = (uint8_t)(Byte),
#include "ckpt/Pickle/Opcodes.def"
};

/// Static description of one opcode.
struct OpcodeInfo {
  Opcode Op;
  llvm::StringLiteral Name;
  ArgKind Arg;
  uint8_t Proto;
};

/// Looks up the opcode whose byte is \p Byte; null for bytes that are no
/// opcode.
const OpcodeInfo *lookupOpcode(uint8_t Byte);

/// The highest pickle protocol this implementation understands.
constexpr unsigned HighestProtocol = 5;

} // namespace pickle
} // namespace ckpt

#endif // CKPT_PICKLE_OPCODES_H
