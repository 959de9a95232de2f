//===- PassSpec.cpp - The values pass options take ------------------------===//
//
// Part of ckpt-migrate. How an option's value is spelled, shared by the pass
// manager (command-line values) and the pass-file reader (defaults in `.td`
// files), so the two accept exactly the same text.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/PassSpec.h"

using namespace llvm;

namespace ckpt {

StringRef getOptionTypeName(OptionType T) {
  switch (T) {
  case OptionType::String:
    return "string";
  case OptionType::Int:
    return "int";
  case OptionType::Bool:
    return "bool";
  }
  return "";
}

std::optional<int64_t> parseIntOption(StringRef Value) {
  // getAsInteger with radix 10 accepts a leading '-' but not '+'.
  Value.consume_front("+");
  int64_t I;
  if (Value.empty() || Value.getAsInteger(10, I))
    return std::nullopt;
  return I;
}

std::optional<bool> parseBoolOption(StringRef Value) {
  if (Value == "true" || Value == "1")
    return true;
  if (Value == "false" || Value == "0")
    return false;
  return std::nullopt;
}

Error checkOptionValue(OptionType T, StringRef Value) {
  switch (T) {
  case OptionType::String:
    return Error::success();
  case OptionType::Int:
    if (parseIntOption(Value))
      return Error::success();
    return createStringError(inconvertibleErrorCode(),
                             "'" + Value +
                                 "' is not an int (a signed 64-bit "
                                 "decimal number)");
  case OptionType::Bool:
    if (parseBoolOption(Value))
      return Error::success();
    return createStringError(inconvertibleErrorCode(),
                             "'" + Value +
                                 "' is not a bool (true, false, 1 or 0)");
  }
  return Error::success();
}

} // namespace ckpt
