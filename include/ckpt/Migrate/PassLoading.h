//===- ckpt/Migrate/PassLoading.h - Users' passes into a registry -*- C++ -*-=//
//
// Part of ckpt-migrate. Users' pass files (`-pass-file=`, read with the
// TableGen library) and plugins (`-load-pass-plugin=`) registered beside the
// built-in passes. Here, not in Passes, so that the pass runtime never links
// LLVMTableGen.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_MIGRATE_PASSLOADING_H
#define CKPT_MIGRATE_PASSLOADING_H

#include "ckpt/Passes/PassManager.h"
#include "ckpt/TableGen/PassModel.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// The directories a pass file's `include "ckpt/Passes/PassBase.td"` is
/// searched in: an installed tool's `P/include` beside `P/bin` (found from
/// \p MainExecutable); else the build tree's, two folders up, and
/// \p ConfiguredIncludeDir (where the sources were configured); then
/// \p Extra (-pass-include-dir).
std::vector<std::string>
getPassIncludeDirs(llvm::StringRef MainExecutable,
                   llvm::StringRef ConfiguredIncludeDir,
                   llvm::ArrayRef<std::string> Extra);

/// The passes and pipelines of users' pass files, owned while they are
/// registered.
using LoadedPassFiles = std::vector<std::unique_ptr<PassSpecSet>>;

/// Parses each of \p Files and registers its passes and pipelines in \p R.
/// A name already taken is a DiagnosticError at the user's definition.
llvm::Expected<LoadedPassFiles>
loadPassFiles(PassRegistry &R, llvm::ArrayRef<std::string> Files,
              llvm::ArrayRef<std::string> IncludeDirs);

} // namespace ckpt

#endif // CKPT_MIGRATE_PASSLOADING_H
