//===- ckpt/Passes/OptionRefs.h - ${option} references ----------*- C++ -*-===//
//
// Part of ckpt-migrate. Rule parameters may name an option of their pass as
// `${name}` (replaced by its value as is) or `${name:regex}` (replaced by its
// value escaped for use inside a regular expression). ckpt-tblgen expands them
// with the options' defaults to check regexes; the rule engine expands them
// with the values a pipeline gives.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_OPTIONREFS_H
#define CKPT_PASSES_OPTIONREFS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>

namespace ckpt {

/// Replaces every `${name}` and `${name:regex}` of \p Text by the value
/// \p Lookup returns for `name` (regex-escaped for `:regex`). A `$` not
/// followed by `{` is kept as is. Unknown options (Lookup returns
/// std::nullopt), unknown modifiers and an unterminated `${` are errors.
llvm::Expected<std::string> expandOptionRefs(
    llvm::StringRef Text,
    llvm::function_ref<std::optional<std::string>(llvm::StringRef Name)>
        Lookup);

} // namespace ckpt

#endif // CKPT_PASSES_OPTIONREFS_H
