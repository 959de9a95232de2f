//===- Lexer.cpp - Tokens of the textual checkpoint IR --------------------===//
//
// Part of ckpt-migrate. Splits `.ckir` text into tokens; string literals are
// decoded here, numbers are left as text for the parser.
//
//===----------------------------------------------------------------------===//

#include "Lexer.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace llvm;
using namespace ckpt::ir;

const char *Lexer::skipTrivia() {
  while (Cur != End) {
    char C = *Cur;
    if (C == ' ' || C == '\t' || C == '\n' || C == '\r') {
      ++Cur;
      continue;
    }
    if (C == '/' && End - Cur >= 2 && Cur[1] == '/') {
      while (Cur != End && *Cur != '\n')
        ++Cur;
      continue;
    }
    break;
  }
  return Cur;
}

Token Lexer::lexToken() {
  skipTrivia();
  const char *Start = Cur;
  if (Cur == End)
    return make(TokenKind::Eof, Start);
  char C = *Cur++;
  switch (C) {
  case '(':
    return make(TokenKind::LParen, Start);
  case ')':
    return make(TokenKind::RParen, Start);
  case '[':
    return make(TokenKind::LSquare, Start);
  case ']':
    return make(TokenKind::RSquare, Start);
  case '{':
    return make(TokenKind::LBrace, Start);
  case '}':
    return make(TokenKind::RBrace, Start);
  case ',':
    return make(TokenKind::Comma, Start);
  case ':':
    return make(TokenKind::Colon, Start);
  case '=':
    return make(TokenKind::Equal, Start);
  case '@':
    return make(TokenKind::At, Start);
  case '"':
    return lexString(Start, TokenKind::String);
  case '%':
    return lexRef(Start);
  default:
    break;
  }
  if (C == '-' || isDigit(C))
    return lexNumber(Start);
  if (isIdentStart(C))
    return lexIdentifier(Start);
  if (isPrint(C))
    return error(Start, Twine("expected a token, found '") + Twine(C) + "'");
  return error(Start, "expected a token, found byte 0x" +
                          utohexstr(uint8_t(C), /*LowerCase=*/true));
}

Token Lexer::lexIdentifier(const char *Start) {
  while (Cur != End && isIdentChar(*Cur))
    ++Cur;
  StringRef Word(Start, Cur - Start);
  if (Cur != End && *Cur == '"') {
    TokenKind K = StringSwitch<TokenKind>(Word)
                      .Case("b", TokenKind::BytesString)
                      .Case("py2", TokenKind::Py2String)
                      .Case("bytearray", TokenKind::ByteArrayString)
                      .Case("x", TokenKind::HexString)
                      .Default(TokenKind::Identifier);
    if (K != TokenKind::Identifier) {
      ++Cur;
      return lexString(Start, K);
    }
  }
  if (Cur != End && *Cur == '{' && (Word == "set" || Word == "frozenset")) {
    ++Cur;
    return make(Word == "set" ? TokenKind::SetOpen : TokenKind::FrozenSetOpen,
                Start);
  }
  if (Cur != End && *Cur == '(' && Word == "complex") {
    ++Cur;
    return make(TokenKind::ComplexOpen, Start);
  }
  return make(TokenKind::Identifier, Start);
}

Token Lexer::lexNumber(const char *Start) {
  // Cur is just past the first character ('-' or a digit).
  if (*Start == '-') {
    StringRef Rest(Cur, End - Cur);
    for (StringRef Word : {"inf", "nan"})
      if (Rest.starts_with(Word) &&
          (Rest.size() == 3 || !isIdentChar(Rest[3]))) {
        Cur += 3;
        return make(TokenKind::Float, Start);
      }
    if (Cur == End || !isDigit(*Cur))
      return error(Start, "expected a number, 'inf' or 'nan' after '-'");
  }
  // The first digit: Cur is past it, or on it after a '-'.
  const char *First = *Start == '-' ? Cur : Start;
  if (*First == '0' && First + 1 != End &&
      (First[1] == 'x' || First[1] == 'X')) {
    Cur = First + 2;
    const char *Digits = Cur;
    while (Cur != End && isHexDigit(*Cur))
      ++Cur;
    if (Cur == Digits)
      return error(Cur, "expected hex digits after '0x'");
    if (Cur != End && isIdentChar(*Cur))
      return error(Cur, "expected a hex digit");
    return make(TokenKind::HexInteger, Start);
  }
  bool IsFloat = false;
  while (Cur != End && isDigit(*Cur))
    ++Cur;
  if (Cur != End && *Cur == '.') {
    IsFloat = true;
    ++Cur;
    while (Cur != End && isDigit(*Cur))
      ++Cur;
  }
  if (Cur != End && (*Cur == 'e' || *Cur == 'E')) {
    IsFloat = true;
    ++Cur;
    if (Cur != End && (*Cur == '+' || *Cur == '-'))
      ++Cur;
    if (Cur == End || !isDigit(*Cur))
      return error(Cur, "expected exponent digits");
    while (Cur != End && isDigit(*Cur))
      ++Cur;
  }
  if (Cur != End && isIdentChar(*Cur))
    return error(Cur, "expected a delimiter after the number");
  return make(IsFloat ? TokenKind::Float : TokenKind::Integer, Start);
}

Token Lexer::lexString(const char *Start, TokenKind K) {
  // Cur is just past the opening quote.
  std::string Bytes;
  const char *Contents = Cur;
  while (true) {
    if (Cur == End || *Cur == '\n')
      return error(Start, "expected '\"' at the end of this string");
    char C = *Cur;
    if (C == '"')
      break;
    if (K == TokenKind::HexString || C != '\\') {
      if (K != TokenKind::HexString)
        Bytes.push_back(C);
      ++Cur;
      continue;
    }
    const char *Esc = Cur++;
    char E = Cur == End ? '\0' : *Cur;
    switch (E) {
    case '\\':
    case '"':
      Bytes.push_back(E);
      ++Cur;
      continue;
    case 'n':
      Bytes.push_back('\n');
      ++Cur;
      continue;
    case 't':
      Bytes.push_back('\t');
      ++Cur;
      continue;
    case 'r':
      Bytes.push_back('\r');
      ++Cur;
      continue;
    case 'x':
      if (End - Cur >= 3 && isHexDigit(Cur[1]) && isHexDigit(Cur[2])) {
        Bytes.push_back(char(hexFromNibbles(Cur[1], Cur[2])));
        Cur += 3;
        continue;
      }
      break;
    default:
      break;
    }
    return error(Esc, "expected an escape sequence: \\\\, \\\", \\n, \\t, "
                      "\\r or \\x followed by two hex digits");
  }
  StringRef Raw(Contents, Cur - Contents);
  ++Cur; // The closing quote.
  Token T = make(K, Start);
  T.Str = std::move(Bytes);
  T.Raw = Raw;
  return T;
}

Token Lexer::lexRef(const char *Start) {
  // Cur is just past '%'.
  if (Cur == End || (*Cur != 's' && *Cur != 'v') || End - Cur < 2 ||
      !isDigit(Cur[1]))
    return error(Start, "expected '%s' or '%v' followed by a number");
  TokenKind K = *Cur == 's' ? TokenKind::StorageRef : TokenKind::ValueRef;
  ++Cur;
  const char *Digits = Cur;
  while (Cur != End && isDigit(*Cur))
    ++Cur;
  StringRef Num(Digits, Cur - Digits);
  if (Cur != End && isIdentChar(*Cur))
    return error(Cur, "expected a delimiter after the number");
  Token T = make(K, Start);
  if (Num.getAsInteger(10, T.Ref))
    return error(Digits, "expected a number below 2^64");
  return T;
}
