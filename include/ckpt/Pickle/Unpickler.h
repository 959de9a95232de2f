//===- ckpt/Pickle/Unpickler.h - A pickle machine that runs nothing -*- C++ -*-===//
//
// Part of ckpt-migrate. Interprets a pickle (protocols 0-5) into IR nodes
// without executing anything: GLOBAL/STACK_GLOBAL/INST become GlobalValues,
// REDUCE/NEWOBJ/NEWOBJ_EX/INST/OBJ become ObjectValues that record the call,
// APPEND/SETITEM/BUILD on them are recorded as mutations, and persistent ids
// are handed to a callback. The memo's sharing is kept: one object fetched
// twice is one node.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PICKLE_UNPICKLER_H
#define CKPT_PICKLE_UNPICKLER_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace ckpt {
class Checkpoint;
class Value;

namespace pickle {

/// Resolves a persistent id (the value pushed before PERSID/BINPERSID) into a
/// node. \p Offset is the absolute file offset of the opcode, for errors.
using PersistentLoadFn =
    llvm::function_ref<llvm::Expected<Value *>(Value *Pid, uint64_t Offset)>;

/// Limits that keep hostile pickles from exhausting memory or stack.
struct UnpicklerLimits {
  /// Maximum nesting depth of containers built by the pickle.
  unsigned MaxDepth = 4096;
  /// Maximum size of the stack plus mark stack.
  uint64_t MaxStack = uint64_t(1) << 26;
};

/// The outcome of interpreting one pickle.
struct UnpickleResult {
  /// The object left on the stack by STOP.
  Value *Root = nullptr;
  /// Offset just past the STOP opcode, relative to the start of the bytes.
  uint64_t End = 0;
  /// The protocol from the PROTO opcode (0 when there was none).
  unsigned Protocol = 0;
};

/// Interprets the pickle at the start of \p Bytes, whose first byte is at
/// absolute file offset \p BaseOffset, creating nodes in \p C. Stops at the
/// first STOP; bytes after it are not read. Errors are DecodeErrors with the
/// absolute offset of the failing opcode. Without \p PersistentLoad,
/// persistent ids become PersistentRefValues.
llvm::Expected<UnpickleResult>
unpickle(Checkpoint &C, llvm::StringRef Bytes, uint64_t BaseOffset,
         PersistentLoadFn PersistentLoad = nullptr,
         const UnpicklerLimits &Limits = {});

/// Prints the opcodes of the pickle at the start of \p Bytes in the style of
/// `python -m pickletools` (offset, opcode byte, name, argument), one per
/// line, stopping after STOP. Used by `-dump-pickle`.
llvm::Error disassemble(llvm::raw_ostream &OS, llvm::StringRef Bytes,
                        uint64_t BaseOffset, uint64_t *EndOut = nullptr);

} // namespace pickle
} // namespace ckpt

#endif // CKPT_PICKLE_UNPICKLER_H
