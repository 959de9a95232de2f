//===- ckpt/Support/Diagnostics.h - How errors are reported -----*- C++ -*-===//
//
// Part of ckpt-migrate. The one way the tool reports an error, in
// llvm::WithColor's style (`ckpt-migrate: error: FILE: offset N: ...`), and
// the error that carries diagnostics already rendered with their source
// location (textual IR, `.td` pass files).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_DIAGNOSTICS_H
#define CKPT_SUPPORT_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ckpt {

/// One or more diagnostics, each already rendered as
/// `FILE:LINE:COL: error: message` (SourceMgr's form, possibly followed by
/// the source line and a caret).
class DiagnosticError : public llvm::ErrorInfo<DiagnosticError> {
public:
  static char ID;
  explicit DiagnosticError(std::vector<std::string> Diagnostics)
      : Diagnostics(std::move(Diagnostics)) {}
  llvm::ArrayRef<std::string> getDiagnostics() const { return Diagnostics; }
  /// Prints every diagnostic, each ending in a newline except the last.
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::vector<std::string> Diagnostics;
};

/// Reports \p E on \p OS as \p Tool reports every error:
///  - a DiagnosticError as it is rendered, after `TOOL: `;
///  - a FileError (a shard, a temporary, an output) as
///    `TOOL: error: ITS FILE: message`;
///  - anything else as `TOOL: error: FILE: message`, naming \p File (the
///    input; a DecodeError's message starts with its offset), or without a
///    file when \p File is empty.
void reportError(llvm::raw_ostream &OS, llvm::StringRef Tool,
                 llvm::StringRef File, llvm::Error E);

} // namespace ckpt

#endif // CKPT_SUPPORT_DIAGNOSTICS_H
