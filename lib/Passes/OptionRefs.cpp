//===- OptionRefs.cpp - ${option} references in rule parameters -----------===//
//
// Part of ckpt-migrate. Kept apart from the TableGen code so that the rule
// engine can link it without pulling in the TableGen parser.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/OptionRefs.h"
#include "llvm/Support/Regex.h"

using namespace llvm;

namespace ckpt {

Expected<std::string> expandOptionRefs(
    StringRef Text,
    function_ref<std::optional<std::string>(StringRef Name)> Lookup) {
  std::string Out;
  Out.reserve(Text.size());
  size_t Pos = 0;
  while (true) {
    size_t Start = Text.find("${", Pos);
    if (Start == StringRef::npos) {
      Out += Text.substr(Pos);
      return Out;
    }
    Out += Text.slice(Pos, Start);
    size_t End = Text.find('}', Start + 2);
    if (End == StringRef::npos)
      return createStringError(inconvertibleErrorCode(),
                               "unterminated '${' at offset " + Twine(Start) +
                                   " of '" + Text + "'");
    StringRef Ref = Text.slice(Start + 2, End);
    auto [Name, Modifier] = Ref.split(':');
    bool Regex = false;
    if (Ref.contains(':')) {
      if (Modifier != "regex")
        return createStringError(inconvertibleErrorCode(),
                                 "unknown modifier '" + Modifier + "' in '${" +
                                     Ref + "}' (only ':regex' exists)");
      Regex = true;
    }
    if (Name.empty())
      return createStringError(inconvertibleErrorCode(),
                               "empty option name in '${" + Ref + "}'");
    std::optional<std::string> Value = Lookup(Name);
    if (!Value)
      return createStringError(inconvertibleErrorCode(),
                               "'${" + Ref + "}' names no option '" + Name +
                                   "' of this pass");
    Out += Regex ? llvm::Regex::escape(*Value) : *Value;
    Pos = End + 1;
  }
}

} // namespace ckpt
