//===- Diagnostics.cpp - How errors are reported --------------------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

char DiagnosticError::ID = 0;

void DiagnosticError::log(raw_ostream &OS) const {
  OS << join(Diagnostics, "\n");
}

std::error_code DiagnosticError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

void reportError(raw_ostream &OS, StringRef Tool, StringRef File, Error E) {
  handleAllErrors(
      std::move(E),
      [&](const DiagnosticError &D) {
        OS << Tool << ": ";
        D.log(OS);
        OS << '\n';
      },
      [&](const FileError &FE) {
        WithColor::error(OS, Tool)
            << FE.getFileName() << ": " << FE.messageWithoutFileInfo() << '\n';
      },
      [&](const ErrorInfoBase &EI) {
        WithColor::error(OS, Tool) << (File.empty() ? "" : File.str() + ": ");
        EI.log(OS);
        OS << '\n';
      });
}

} // namespace ckpt
