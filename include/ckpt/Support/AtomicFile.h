//===- ckpt/Support/AtomicFile.h - Whole outputs or none -------*- C++ -*-===//
//
// Part of ckpt-migrate. Every file the tool writes (checkpoints and text)
// goes through a temporary beside it that is renamed into place only when
// all of it was written: a failure (bad input, full disk, file-size limit)
// leaves no file behind and an existing output as it was, and the input is
// never written through.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_ATOMICFILE_H
#define CKPT_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llvm {
class raw_fd_ostream;
} // namespace llvm

namespace ckpt {

/// Creates ".NAME.tmp-XXXXXXXX" in \p Path's directory, hands its descriptor
/// to \p Write, and renames it to \p Path when \p Write succeeds; otherwise
/// removes it and returns the error. A \p Path that is a device, pipe or
/// socket (/dev/null, a FIFO) is written in place instead, never replaced.
/// Errors about the file itself name \p Path.
llvm::Error writeFileAtomically(llvm::StringRef Path,
                                llvm::function_ref<llvm::Error(int FD)> Write);

/// writeFileAtomically for text: \p Write prints to a stream on the
/// temporary, whose write errors (disk full, file-size limit) fail the
/// output.
llvm::Error writeTextFileAtomically(
    llvm::StringRef Path,
    llvm::function_ref<llvm::Error(llvm::raw_ostream &)> Write);

} // namespace ckpt

#endif // CKPT_SUPPORT_ATOMICFILE_H
