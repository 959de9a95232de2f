//===- ckpt/Pickle/Disassembler.h - Print a pickle's opcodes ----*- C++ -*-===//
//
// Part of ckpt-migrate. `-dump-pickle`: a pickle's opcodes as text, in the
// style of `python -m pickletools`.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PICKLE_DISASSEMBLER_H
#define CKPT_PICKLE_DISASSEMBLER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ckpt {
namespace pickle {

/// Prints the opcodes of the pickle at the start of \p Bytes in the style of
/// `python -m pickletools` (offset, opcode byte, name, argument), one per
/// line, stopping after STOP. Used by `-dump-pickle`.
llvm::Error disassemble(llvm::raw_ostream &OS, llvm::StringRef Bytes,
                        uint64_t BaseOffset, uint64_t *EndOut = nullptr);

} // namespace pickle
} // namespace ckpt

#endif // CKPT_PICKLE_DISASSEMBLER_H
