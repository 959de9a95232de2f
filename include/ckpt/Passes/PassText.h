//===- ckpt/Passes/PassText.h - Pipeline text syntax ------------*- C++ -*-===//
//
// Part of ckpt-migrate. Pass text is what `-passes=` and a Pipeline's
// `passes` field hold: a comma-separated list of elements, each a pass or
// pipeline name optionally followed by options in braces:
//
//   strip-prefix{prefix=module.},drop-metadata,to-1.4
//
// Names are [A-Za-z0-9_][A-Za-z0-9_.-]*. Options are `key=value` separated by
// commas; a value runs to the next top-level `,` or `}` and may hold
// balanced braces (`pattern=a{2,3}`). No whitespace is allowed between
// elements. ckpt-tblgen checks pipelines with this parser; the pass manager
// can use the same one so the two never disagree.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASSTEXT_H
#define CKPT_PASSES_PASSTEXT_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstddef>
#include <string>
#include <vector>

namespace ckpt {

/// One `key=value` of a pass text element.
struct PassTextOption {
  llvm::StringRef Key;
  llvm::StringRef Value;
  /// Offset of Key within the whole text.
  size_t Offset = 0;
};

/// One element of pass text: a name and its options, pointing into the text.
struct PassTextElement {
  llvm::StringRef Name;
  llvm::SmallVector<PassTextOption, 2> Options;
  /// Whether the element had braces (possibly empty: `name{}`).
  bool HasBraces = false;
  /// Offset of Name within the whole text.
  size_t Offset = 0;
};

/// A syntax error in pass text, at a byte offset of it.
class PassTextError : public llvm::ErrorInfo<PassTextError> {
public:
  static char ID;
  PassTextError(size_t Offset, std::string Message)
      : Offset(Offset), Message(std::move(Message)) {}
  size_t getOffset() const { return Offset; }
  const std::string &getMessage() const { return Message; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  size_t Offset;
  std::string Message;
};

/// Returns whether \p Name may name a pass, a pipeline or an option.
bool isValidPassName(llvm::StringRef Name);

/// Splits \p Text into its elements. Errors are PassTextErrors.
llvm::Expected<std::vector<PassTextElement>>
parsePassText(llvm::StringRef Text);

} // namespace ckpt

#endif // CKPT_PASSES_PASSTEXT_H
