//===- Lexer.h - Tokens of the textual checkpoint IR -----------*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the IR library: the tokens of docs/IR.md's
// grammar, read by the parser (and by isTextualIR).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_IR_LEXER_H
#define CKPT_LIB_IR_LEXER_H

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include <cstdint>
#include <string>

namespace ckpt {
namespace ir {

enum class TokenKind {
  Eof,
  Error,           ///< A lexical error; the message is in Token::Str.
  Identifier,      ///< Keywords, dtypes, global names, `inf`, `nan`.
  Integer,         ///< -?[0-9]+ of any size.
  HexInteger,      ///< 0x[0-9a-fA-F]+ (checksums).
  Float,           ///< A number with '.' or an exponent, `-inf`, `-nan`.
  String,          ///< "..."
  BytesString,     ///< b"..."
  Py2String,       ///< py2"..."
  ByteArrayString, ///< bytearray"..."
  HexString,       ///< x"..." (inline storage data, raw hex digits).
  StorageRef,      ///< %sN
  ValueRef,        ///< %vN
  SetOpen,         ///< set{
  FrozenSetOpen,   ///< frozenset{
  ComplexOpen,     ///< complex(
  LParen,
  RParen,
  LSquare,
  RSquare,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equal,
  At,
};

struct Token {
  TokenKind Kind = TokenKind::Eof;
  /// The token's text in the buffer.
  llvm::StringRef Spelling;
  /// String tokens: the decoded bytes between the quotes. Error tokens: the
  /// message.
  std::string Str;
  /// Hex strings: the digits between the quotes, undecoded.
  llvm::StringRef Raw;
  /// The number of %sN / %vN.
  uint64_t Ref = 0;

  llvm::SMLoc getLoc() const {
    return llvm::SMLoc::getFromPointer(Spelling.data());
  }
  bool is(TokenKind K) const { return Kind == K; }
  bool isKeyword(llvm::StringRef K) const {
    return Kind == TokenKind::Identifier && Spelling == K;
  }
};

/// Whether \p C may begin an identifier.
inline bool isIdentStart(char C) {
  return llvm::isAlpha(C) || C == '_' || C == '.';
}

/// Whether \p C may continue an identifier.
inline bool isIdentChar(char C) {
  return llvm::isAlnum(C) || C == '_' || C == '.';
}

/// Splits a buffer into tokens. Whitespace and `//` comments separate tokens.
class Lexer {
public:
  explicit Lexer(llvm::StringRef Buffer)
      : Cur(Buffer.begin()), End(Buffer.end()) {}

  /// Lexes the next token into \p Out.
  void lex(Token &Out) { Out = lexToken(); }

  /// Skips whitespace and comments; returns the position of the next token.
  const char *skipTrivia();

private:
  Token make(TokenKind K, const char *Start) {
    Token T;
    T.Kind = K;
    T.Spelling = llvm::StringRef(Start, Cur - Start);
    return T;
  }
  Token error(const char *Loc, const llvm::Twine &Msg) {
    Token T;
    T.Kind = TokenKind::Error;
    T.Spelling = llvm::StringRef(Loc, 0);
    T.Str = Msg.str();
    // Stop lexing: everything after an error is reported as the end.
    Cur = End;
    return T;
  }
  Token lexToken();
  Token lexIdentifier(const char *Start);
  Token lexNumber(const char *Start);
  Token lexString(const char *Start, TokenKind K);
  Token lexRef(const char *Start);

  const char *Cur;
  const char *End;
};

} // namespace ir
} // namespace ckpt

#endif // CKPT_LIB_IR_LEXER_H
