//===- PassText.cpp - The syntax of pass pipeline text --------------------===//
//
// Part of ckpt-migrate. A small recursive-descent splitter for
// `a,b{k=v,k2=v2},c`; it knows names and braces, not what the names mean.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/PassText.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

char PassTextError::ID = 0;

void PassTextError::log(raw_ostream &OS) const {
  OS << "offset " << Offset << ": " << Message;
}

std::error_code PassTextError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

static bool isNameChar(char C) {
  return isAlnum(C) || C == '_' || C == '.' || C == '-';
}

bool isValidPassName(StringRef Name) {
  if (Name.empty() || !(isAlnum(Name[0]) || Name[0] == '_'))
    return false;
  return llvm::all_of(Name, isNameChar);
}

namespace {
/// Walks the text once, left to right.
class PassTextParser {
public:
  explicit PassTextParser(StringRef Text) : Text(Text) {}

  Expected<std::vector<PassTextElement>> parse() {
    std::vector<PassTextElement> Elements;
    if (Text.empty())
      return error(0, "empty pass text");
    while (true) {
      PassTextElement E;
      if (Error Err = parseElement(E))
        return Err;
      Elements.push_back(std::move(E));
      if (Pos == Text.size())
        return Elements;
      if (Text[Pos] != ',')
        return error(Pos, Twine("expected ',' or end of text, found '") +
                              Text.substr(Pos, 1) + "'");
      ++Pos;
      if (Pos == Text.size())
        return error(Pos, "expected a pass name after ','");
    }
  }

private:
  StringRef Text;
  size_t Pos = 0;

  Error error(size_t At, const Twine &Msg) {
    return make_error<PassTextError>(At, Msg.str());
  }

  StringRef lexName() {
    size_t Start = Pos;
    while (Pos < Text.size() && isNameChar(Text[Pos]))
      ++Pos;
    return Text.slice(Start, Pos);
  }

  Error parseElement(PassTextElement &E) {
    E.Offset = Pos;
    E.Name = lexName();
    if (E.Name.empty())
      return error(Pos, Pos < Text.size()
                            ? Twine("expected a pass name, found '") +
                                  Text.substr(Pos, 1) + "'"
                            : Twine("expected a pass name"));
    if (!isValidPassName(E.Name))
      return error(E.Offset, "invalid pass name '" + E.Name +
                                 "': names start with a letter, digit or '_'");
    if (Pos == Text.size() || Text[Pos] != '{')
      return Error::success();
    size_t Open = Pos++;
    E.HasBraces = true;
    if (Pos < Text.size() && Text[Pos] == '}') {
      ++Pos;
      return Error::success();
    }
    while (true) {
      PassTextOption O;
      O.Offset = Pos;
      O.Key = lexName();
      if (O.Key.empty())
        return error(Pos, "expected an option name in the options of '" +
                              E.Name + "'");
      if (!isValidPassName(O.Key))
        return error(O.Offset, "invalid option name '" + O.Key + "'");
      if (Pos == Text.size() || Text[Pos] != '=')
        return error(Pos, "expected '=' after option name '" + O.Key + "'");
      ++Pos;
      // The value runs to the next ',' or '}' outside nested braces.
      size_t ValueStart = Pos;
      unsigned Depth = 0;
      for (; Pos < Text.size(); ++Pos) {
        char C = Text[Pos];
        if (C == '{') {
          ++Depth;
        } else if (C == '}') {
          if (Depth == 0)
            break;
          --Depth;
        } else if (C == ',' && Depth == 0) {
          break;
        }
      }
      if (Pos == Text.size())
        return error(Open,
                     "unterminated '{' in the options of '" + E.Name + "'");
      O.Value = Text.slice(ValueStart, Pos);
      E.Options.push_back(O);
      if (Text[Pos++] == '}')
        return Error::success();
    }
  }
};
} // namespace

Expected<std::vector<PassTextElement>> parsePassText(StringRef Text) {
  return PassTextParser(Text).parse();
}

} // namespace ckpt
