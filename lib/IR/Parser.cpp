//===- Parser.cpp - Parse the textual checkpoint IR -----------------------===//
//
// Part of ckpt-migrate. A hand-written recursive-descent parser, over the
// tokens of Lexer.h, for the grammar of docs/IR.md. It reads exactly what
// lib/IR/Printer.cpp prints, so that text -> parse -> print gives the same
// text back.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Parser.h"
#include "Lexer.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Support/Diagnostics.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

using namespace llvm;
using namespace ckpt::ir;

namespace ckpt {

namespace {

/// Deepest nesting of values the parser accepts: deeper input is reported as
/// an error instead of overflowing the stack.
constexpr unsigned MaxNestingDepth = 2000;

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

/// Recursive-descent parser. Like LLParser, its parse functions return true
/// on error, after recording the first diagnostic.
class Parser {
public:
  Parser(SourceMgr &SM, Checkpoint &C)
      : SM(SM), C(C), Lex(SM.getMemoryBuffer(SM.getMainFileID())->getBuffer()) {
  }

  /// Parses the whole buffer into the checkpoint.
  Error run();

private:
  //===--- Diagnostics and tokens -----------------------------------------===//

  // The diagnostic paths and lex() are kept out of line: inlined, their
  // temporaries would grow the frames of the recursive parse functions, and
  // with them the stack needed for deeply nested values.

  /// Records the diagnostic \p Msg at \p Loc (only the first one is kept)
  /// and returns true.
  LLVM_ATTRIBUTE_NOINLINE bool error(SMLoc Loc, const Twine &Msg);
  /// Reports `expected <What>` at the current token.
  LLVM_ATTRIBUTE_NOINLINE bool expected(const Twine &What) {
    return error(Tok.getLoc(), "expected " + What);
  }
  /// Reports `<Before><N><After>` at \p Loc.
  LLVM_ATTRIBUTE_NOINLINE bool error(SMLoc Loc, const char *Before, uint64_t N,
                                     const char *After) {
    return error(Loc, Before + Twine(N) + After);
  }
  /// Reports `expected ',' or '<Close>'`.
  LLVM_ATTRIBUTE_NOINLINE bool expectedCommaOr(StringRef Close) {
    return expected("',' or '" + Close + "'");
  }
  LLVM_ATTRIBUTE_NOINLINE void lex() {
    Lex.lex(Tok);
    if (Tok.is(TokenKind::Error))
      error(Tok.getLoc(), Tok.Str);
  }
  bool consumeIf(TokenKind K) {
    if (!Tok.is(K))
      return false;
    lex();
    return true;
  }
  bool consumeKeyword(StringRef K) {
    if (!Tok.isKeyword(K))
      return false;
    lex();
    return true;
  }
  bool expect(TokenKind K, const Twine &What) {
    if (!Tok.is(K))
      return expected(What);
    lex();
    return false;
  }
  LLVM_ATTRIBUTE_NOINLINE bool expectKeyword(StringRef K) {
    if (!Tok.isKeyword(K))
      return expected("'" + K + "'");
    lex();
    return false;
  }

  //===--- Top level ------------------------------------------------------===//

  bool parseFile();
  bool parseHeader();
  bool parseStorageDecl();
  bool resolveViews();
  bool resolveView(StorageValue *S);

  //===--- Literals -------------------------------------------------------===//

  bool parseString(std::string &Out, const Twine &What);
  bool parseUInt64(uint64_t &Out, const Twine &What);
  bool parseInt64(int64_t &Out, const Twine &What);
  bool parseFloatLiteral(double &Out);
  bool parseDType(DType &Out);
  bool parseShape(SmallVectorImpl<int64_t> &Out);
  bool parseName(std::string &Out, const Twine &What);
  bool parseStorageRef(StorageValue *&Out);
  Value *makeInteger(StringRef Text);
  Value *makeHexInteger(StringRef Text);

  //===--- Values ---------------------------------------------------------===//

  /// Parses `value ::= label? body | value-ref | storage-ref`.
  bool parseValue(Value *&Out);
  /// Parses a body, binding \p Label (if any) to the new node before its
  /// operands are parsed, so that cycles resolve.
  ///
  /// The recursive functions are kept out of line so that each level of
  /// nesting only pays for the frames it goes through.
  bool parseBody(Value *&Out, std::optional<uint64_t> Label);
  /// Scalars, globals, complex numbers and `ext`.
  LLVM_ATTRIBUTE_NOINLINE bool parseAtom(Value *&Out,
                                         std::optional<uint64_t> Label);
  /// Values introduced by a keyword (objects, typed nodes, persistent ids).
  LLVM_ATTRIBUTE_NOINLINE bool parseKeywordBody(Value *&Out,
                                                std::optional<uint64_t> Label);
  void bind(std::optional<uint64_t> Label, Value *V) {
    if (Label)
      Values[*Label] = V;
  }
  LLVM_ATTRIBUTE_NOINLINE bool parseElements(TokenKind Close,
                                             StringRef CloseSpelling,
                                             SmallVectorImpl<Value *> &Out,
                                             bool *TrailingComma,
                                             SMLoc *CloseLoc = nullptr);
  LLVM_ATTRIBUTE_NOINLINE bool
  parseMappingItems(SmallVectorImpl<DictItem> &Out);
  LLVM_ATTRIBUTE_NOINLINE bool parseSequence(Value *&Out,
                                             std::optional<uint64_t> Label);
  LLVM_ATTRIBUTE_NOINLINE bool parseDict(Value *&Out,
                                         std::optional<uint64_t> Label);
  LLVM_ATTRIBUTE_NOINLINE bool parseGlobal(Value *&Out,
                                           std::optional<uint64_t> Label);
  LLVM_ATTRIBUTE_NOINLINE bool parseComplex(Value *&Out,
                                            std::optional<uint64_t> Label);
  LLVM_ATTRIBUTE_NOINLINE bool
  parseObject(Value *&Out, std::optional<uint64_t> Label, ObjectValue::Form F);
  LLVM_ATTRIBUTE_NOINLINE bool
  parseTensor(Value *&Out, std::optional<uint64_t> Label, TensorValue::Form F);
  LLVM_ATTRIBUTE_NOINLINE bool parseParameter(Value *&Out,
                                              std::optional<uint64_t> Label,
                                              ParameterValue::Form F);
  LLVM_ATTRIBUTE_NOINLINE bool parseStateDict(Value *&Out,
                                              std::optional<uint64_t> Label);
  LLVM_ATTRIBUTE_NOINLINE bool
  parseOptimizerState(Value *&Out, std::optional<uint64_t> Label);
  /// Parses the operand of `hooks`: a value, or `absent` (older text; the
  /// default fresh OrderedDict, null, as when the clause is left out).
  bool parseHooks(Value *&Out);

  SourceMgr &SM;
  Checkpoint &C;
  Lexer Lex;
  Token Tok;
  std::string Diagnostic;
  bool HadError = false;
  unsigned Depth = 0;

  std::unordered_map<uint64_t, Value *> Values;
  std::unordered_map<uint64_t, StorageValue *> Storages;
  /// A `view %sM offset K` clause, resolved once every storage is declared.
  struct PendingView {
    uint64_t Root;
    uint64_t Offset;
    SMLoc Loc;
  };
  DenseMap<StorageValue *, PendingView> Views;
  /// Views whose root and data are set.
  DenseSet<StorageValue *> ResolvedViews;
};

bool Parser::error(SMLoc Loc, const Twine &Msg) {
  if (HadError)
    return true;
  HadError = true;
  raw_string_ostream OS(Diagnostic);
  SM.PrintMessage(OS, Loc, SourceMgr::DK_Error, Msg, {}, {},
                  /*ShowColors=*/false);
  return true;
}

Error Parser::run() {
  lex();
  if (parseFile() || HadError) {
    StringRef Msg = StringRef(Diagnostic).rtrim('\n');
    if (Msg.empty())
      Msg = "error: malformed textual IR";
    return make_error<DiagnosticError>(std::vector<std::string>{Msg.str()});
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Top level
//===----------------------------------------------------------------------===//

bool Parser::parseFile() {
  if (parseHeader())
    return true;
  while (Tok.isKeyword("storage"))
    if (parseStorageDecl())
      return true;
  if (resolveViews())
    return true;
  if (consumeKeyword("root")) {
    Value *Root;
    if (parseValue(Root))
      return true;
    C.setRoot(Root);
    if (!Tok.is(TokenKind::Eof))
      return expected("end of file after the root value");
    return false;
  }
  if (!Tok.is(TokenKind::Eof))
    return expected("'storage', 'root' or end of file");
  return false;
}

bool Parser::parseHeader() {
  if (!Tok.isKeyword("checkpoint"))
    return expected("'checkpoint' at the start of the textual IR");
  lex();
  ContainerInfo &CI = C.getContainer();
  std::optional<ContainerKind> Kind;
  if (Tok.is(TokenKind::Identifier))
    Kind = parseContainerKindName(Tok.Spelling);
  if (!Kind)
    return expected("a container kind: legacy, zip, tar or pickle");
  CI.Kind = *Kind;
  lex();
  if (expect(TokenKind::LBrace, "'{' to begin the checkpoint header"))
    return true;
  while (!consumeIf(TokenKind::RBrace)) {
    if (consumeKeyword("pickle_protocol")) {
      uint64_t P;
      SMLoc Loc = Tok.getLoc();
      if (parseUInt64(P, "a pickle protocol number"))
        return true;
      if (P > std::numeric_limits<unsigned>::max())
        return error(Loc, "expected a pickle protocol number below 2^32");
      CI.PickleProtocol = unsigned(P);
    } else if (consumeKeyword("archive_root")) {
      if (parseString(CI.ArchiveRoot, "a string (the archive root folder)"))
        return true;
    } else if (consumeKeyword("magic")) {
      if (parseValue(CI.Magic))
        return true;
    } else if (consumeKeyword("protocol_version")) {
      if (parseValue(CI.ProtocolVersion))
        return true;
    } else if (consumeKeyword("sys_info")) {
      if (parseValue(CI.SysInfo))
        return true;
    } else if (consumeKeyword("record")) {
      ExtraRecord R;
      if (parseString(R.Name, "a string (the record name)"))
        return true;
      if (!Tok.is(TokenKind::BytesString))
        return expected("the record's bytes (b\"...\")");
      R.Data = std::move(Tok.Str);
      lex();
      CI.Records.push_back(std::move(R));
    } else {
      return expected("a header item (pickle_protocol, archive_root, magic, "
                      "protocol_version, sys_info, record) or '}'");
    }
  }
  return false;
}

bool Parser::parseStorageDecl() {
  lex(); // 'storage'
  if (!Tok.is(TokenKind::StorageRef))
    return expected("a storage name (%sN)");
  uint64_t N = Tok.Ref;
  if (Storages.count(N))
    return error(Tok.getLoc(), "expected a new storage name; %s" + Twine(N) +
                                   " is already declared");
  lex();
  DType T = DType::Float32;
  if (parseDType(T) ||
      expect(TokenKind::LSquare, "'[' before the element count"))
    return true;
  uint64_t NumElements;
  SMLoc NumLoc = Tok.getLoc();
  if (parseUInt64(NumElements, "the storage's element count") ||
      expect(TokenKind::RSquare, "']' after the element count"))
    return true;
  if (NumElements > std::numeric_limits<uint64_t>::max() / getDTypeSize(T))
    return error(NumLoc, "expected an element count whose byte size fits in "
                         "64 bits");
  std::string Location, Key;
  if (expectKeyword("location") ||
      parseString(Location, "a string (the storage location)") ||
      expectKeyword("key") || parseString(Key, "a string (the storage key)"))
    return true;
  auto *S = C.create<StorageValue>(T, NumElements, std::move(Location),
                                   std::move(Key));
  C.getStorages().push_back(S);
  Storages[N] = S;

  if (consumeKeyword("xxh3")) {
    if (!Tok.is(TokenKind::HexInteger))
      return expected("a checksum (0x followed by hex digits)");
    uint64_t Sum;
    if (Tok.Spelling.drop_front(2).getAsInteger(16, Sum))
      return expected("a checksum of at most 16 hex digits");
    S->setKnownChecksum(Sum);
    lex();
    return false;
  }
  if (consumeKeyword("data")) {
    if (!Tok.is(TokenKind::HexString))
      return expected("inline data (x\"hex digits\")");
    StringRef Hex = Tok.Raw;
    for (size_t I = 0; I != Hex.size(); ++I)
      if (!isHexDigit(Hex[I]))
        return error(SMLoc::getFromPointer(Hex.data() + I),
                     "expected a hex digit");
    if (Hex.size() % 2)
      return expected("an even number of hex digits");
    uint64_t Bytes = Hex.size() / 2;
    if (Bytes != S->getNumBytes())
      return expected(Twine(S->getNumBytes()) + " bytes of inline data (" +
                      Twine(NumElements) + " x " + getDTypeIRName(T) +
                      "), found " + Twine(Bytes));
    std::string Data;
    Data.reserve(Bytes);
    for (size_t I = 0; I != Hex.size(); I += 2)
      Data.push_back(char(hexFromNibbles(Hex[I], Hex[I + 1])));
    S->setData(C.saveBytes(std::move(Data)), std::nullopt);
    lex();
    return false;
  }
  if (consumeKeyword("view")) {
    if (!Tok.is(TokenKind::StorageRef))
      return expected("the viewed storage (%sN)");
    PendingView V{Tok.Ref, 0, Tok.getLoc()};
    lex();
    if (expectKeyword("offset") ||
        parseUInt64(V.Offset, "the view's element offset"))
      return true;
    Views[S] = V;
  }
  return false;
}

bool Parser::resolveViews() {
  for (StorageValue *S : C.getStorages())
    if (Views.count(S) && resolveView(S))
      return true;
  return false;
}

bool Parser::resolveView(StorageValue *S) {
  // Follow the views of views down to a storage that is resolved or not a
  // view, then resolve the chain from there up (iteratively: a hostile file
  // may chain many views).
  SmallVector<StorageValue *, 4> Chain;
  SmallPtrSet<StorageValue *, 4> OnChain;
  for (StorageValue *Cur = S; Views.count(Cur) && !ResolvedViews.count(Cur);) {
    PendingView V = Views.lookup(Cur);
    if (!OnChain.insert(Cur).second)
      return error(V.Loc,
                   "expected a view of a storage that is not a view of it");
    Chain.push_back(Cur);
    auto RootIt = Storages.find(V.Root);
    if (RootIt == Storages.end())
      return error(V.Loc, "expected a declared storage; %s", V.Root,
                   " is not declared");
    Cur = RootIt->second;
  }
  for (StorageValue *View : llvm::reverse(Chain)) {
    PendingView V = Views.lookup(View);
    StorageValue *Root = Storages.find(V.Root)->second;
    uint64_t ES = getDTypeSize(View->getDType());
    uint64_t Begin = V.Offset * ES;
    if (V.Offset > std::numeric_limits<uint64_t>::max() / ES ||
        Begin > Root->getNumBytes() ||
        View->getNumBytes() > Root->getNumBytes() - Begin)
      return error(V.Loc, "expected a view inside its root storage (",
                   Root->getNumBytes(), " bytes)");
    View->setView(Root, V.Offset);
    if (Root->hasData())
      View->setData(Root->getData().substr(Begin, View->getNumBytes()),
                    std::nullopt);
    ResolvedViews.insert(View);
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Literals
//===----------------------------------------------------------------------===//

bool Parser::parseString(std::string &Out, const Twine &What) {
  if (!Tok.is(TokenKind::String))
    return expected(What);
  Out = std::move(Tok.Str);
  lex();
  return false;
}

bool Parser::parseUInt64(uint64_t &Out, const Twine &What) {
  if (!Tok.is(TokenKind::Integer) || Tok.Spelling.getAsInteger(10, Out))
    return expected(What + " (an integer from 0 to 2^64-1)");
  lex();
  return false;
}

bool Parser::parseInt64(int64_t &Out, const Twine &What) {
  if (!Tok.is(TokenKind::Integer) || Tok.Spelling.getAsInteger(10, Out))
    return expected(What + " (a 64-bit signed integer)");
  lex();
  return false;
}

bool Parser::parseFloatLiteral(double &Out) {
  if (Tok.isKeyword("inf")) {
    Out = std::numeric_limits<double>::infinity();
  } else if (Tok.isKeyword("nan")) {
    Out = std::numeric_limits<double>::quiet_NaN();
  } else if (Tok.is(TokenKind::Float) || Tok.is(TokenKind::Integer)) {
    StringRef S = Tok.Spelling;
    if (S == "-inf") {
      Out = -std::numeric_limits<double>::infinity();
    } else if (S == "-nan") {
      Out = std::copysign(std::numeric_limits<double>::quiet_NaN(), -1.0);
    } else {
      auto R = std::from_chars(S.begin(), S.end(), Out);
      if (R.ec != std::errc() || R.ptr != S.end())
        return expected("a float within the range of a double");
    }
  } else {
    return expected("a float");
  }
  lex();
  return false;
}

bool Parser::parseDType(DType &Out) {
  std::optional<DType> T;
  if (Tok.is(TokenKind::Identifier))
    T = parseDTypeIRName(Tok.Spelling);
  if (!T)
    return expected("a dtype (f32, i64, bf16, untyped, ...)");
  Out = *T;
  lex();
  return false;
}

bool Parser::parseShape(SmallVectorImpl<int64_t> &Out) {
  if (expect(TokenKind::LSquare, "'['"))
    return true;
  while (!Tok.is(TokenKind::RSquare)) {
    int64_t X = 0;
    if (parseInt64(X, "a dimension"))
      return true;
    Out.push_back(X);
    if (!consumeIf(TokenKind::Comma) && !Tok.is(TokenKind::RSquare))
      return expected("',' or ']'");
  }
  lex();
  return false;
}

bool Parser::parseName(std::string &Out, const Twine &What) {
  if (Tok.is(TokenKind::Identifier)) {
    Out = Tok.Spelling.str();
  } else if (Tok.is(TokenKind::String)) {
    Out = std::move(Tok.Str);
  } else {
    return expected(What + " (an identifier or a string)");
  }
  lex();
  return false;
}

bool Parser::parseStorageRef(StorageValue *&Out) {
  if (!Tok.is(TokenKind::StorageRef))
    return expected("a storage (%sN)");
  auto It = Storages.find(Tok.Ref);
  if (It == Storages.end())
    return error(Tok.getLoc(), "expected a declared storage; %s", Tok.Ref,
                 " is not declared");
  Out = It->second;
  lex();
  return false;
}

/// Makes an int node from decimal text: an IntValue when it fits in 64
/// bits, else a BigIntValue holding a signed APInt of minimal byte width (as
/// the unpickler builds LONG1/LONG4 values).
Value *Parser::makeInteger(StringRef Text) {
  int64_t V;
  if (!Text.getAsInteger(10, V))
    return C.create<IntValue>(V);
  bool Neg = Text.consume_front("-");
  // Decimal conversion is quadratic; Python refuses more digits too
  // (sys.int_info.default_max_str_digits). The printer uses hex beyond.
  APInt Mag;
  if (Text.size() > 4300 || Text.getAsInteger(10, Mag))
    return nullptr;
  APInt S = Mag.zextOrTrunc(Mag.getActiveBits() + 1);
  if (Neg)
    S.negate();
  unsigned Bytes = (S.getSignificantBits() + 7) / 8;
  return C.create<BigIntValue>(S.sextOrTrunc(Bytes * 8));
}

/// Makes an int node from `-?0x` hex text, in linear time (APInt's own
/// radix-16 parsing shifts the whole number once per digit).
Value *Parser::makeHexInteger(StringRef Text) {
  bool Neg = Text.consume_front("-");
  Text = Text.drop_front(2).ltrim('0');
  if (Text.size() <= 15) {
    uint64_t U = 0;
    Text.getAsInteger(16, U);
    return C.create<IntValue>(Neg ? -int64_t(U) : int64_t(U));
  }
  SmallVector<uint64_t, 8> Words((Text.size() + 15) / 16, 0);
  for (size_t I = 0; I != Text.size(); ++I) {
    size_t Nibble = Text.size() - 1 - I;
    Words[Nibble / 16] |= uint64_t(hexDigitValue(Text[I])) << (4 * (Nibble % 16));
  }
  APInt S(Words.size() * 64 + 1, Words);
  if (Neg)
    S.negate();
  if (S.getSignificantBits() <= 64)
    return C.create<IntValue>(S.getSExtValue());
  unsigned Bytes = (S.getSignificantBits() + 7) / 8;
  return C.create<BigIntValue>(S.sextOrTrunc(Bytes * 8));
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

bool Parser::parseValue(Value *&Out) {
  if (Depth >= MaxNestingDepth)
    return error(Tok.getLoc(), "expected values nested at most ",
                 MaxNestingDepth, " levels deep");
  ++Depth;
  auto Restore = make_scope_exit([&] { --Depth; });

  if (Tok.is(TokenKind::StorageRef)) {
    StorageValue *S = nullptr;
    if (parseStorageRef(S))
      return true;
    Out = S;
    return false;
  }
  if (!Tok.is(TokenKind::ValueRef))
    return parseBody(Out, std::nullopt);

  uint64_t N = Tok.Ref;
  SMLoc Loc = Tok.getLoc();
  lex();
  if (!consumeIf(TokenKind::Equal)) {
    auto It = Values.find(N);
    if (It == Values.end())
      return error(Loc, "expected a defined value; %v", N,
                   " is not defined before this use");
    Out = It->second;
    return false;
  }
  if (Values.count(N))
    return error(Loc, "expected a new value name; %v", N,
                 " is already defined");
  return parseBody(Out, N);
}

bool Parser::parseBody(Value *&Out, std::optional<uint64_t> Label) {
  switch (Tok.Kind) {
  case TokenKind::LParen:
  case TokenKind::LSquare:
  case TokenKind::SetOpen:
  case TokenKind::FrozenSetOpen:
    return parseSequence(Out, Label);
  case TokenKind::LBrace:
    return parseDict(Out, Label);
  case TokenKind::Identifier:
    return parseKeywordBody(Out, Label);
  default:
    return parseAtom(Out, Label);
  }
}

bool Parser::parseAtom(Value *&Out, std::optional<uint64_t> Label) {
  switch (Tok.Kind) {
  case TokenKind::Integer:
    Out = makeInteger(Tok.Spelling);
    if (!Out)
      return expected("an integer of at most 4300 decimal digits (wider "
                      "ints are written in hex)");
    break;
  case TokenKind::HexInteger:
    Out = makeHexInteger(Tok.Spelling);
    break;
  case TokenKind::Float: {
    double D;
    if (parseFloatLiteral(D))
      return true;
    Out = C.create<FloatValue>(D);
    bind(Label, Out);
    return false;
  }
  case TokenKind::String:
    Out = C.create<StrValue>(std::move(Tok.Str));
    break;
  case TokenKind::BytesString:
    Out = C.create<BytesValue>(std::move(Tok.Str));
    break;
  case TokenKind::Py2String:
    Out = C.create<Py2StrValue>(std::move(Tok.Str));
    break;
  case TokenKind::ByteArrayString:
    Out = C.create<ByteArrayValue>(std::move(Tok.Str));
    break;
  case TokenKind::At:
    return parseGlobal(Out, Label);
  case TokenKind::ComplexOpen:
    return parseComplex(Out, Label);
  case TokenKind::Identifier: {
    StringRef K = Tok.Spelling;
    if (K == "None" || K == "True" || K == "False") {
      Out = K == "None" ? static_cast<Value *>(C.getNone())
                        : C.getBool(K == "True");
      break;
    }
    if (K == "inf" || K == "nan") {
      double D;
      if (parseFloatLiteral(D))
        return true;
      Out = C.create<FloatValue>(D);
      bind(Label, Out);
      return false;
    }
    if (K == "ext") {
      lex();
      int64_t Code;
      SMLoc Loc = Tok.getLoc();
      if (parseInt64(Code, "an extension code"))
        return true;
      if (Code < std::numeric_limits<int32_t>::min() ||
          Code > std::numeric_limits<int32_t>::max())
        return error(Loc, "expected an extension code that fits in 32 bits");
      Out = C.create<ExtensionValue>(int32_t(Code));
      bind(Label, Out);
      return false;
    }
    return expected("a value");
  }
  default:
    return expected("a value");
  }
  // Single-token values.
  bind(Label, Out);
  lex();
  return false;
}

bool Parser::parseKeywordBody(Value *&Out, std::optional<uint64_t> Label) {
  StringRef K = Tok.Spelling;
  if (auto F = StringSwitch<std::optional<ObjectValue::Form>>(K)
                   .Case("reduce", ObjectValue::Form::Reduce)
                   .Case("newobj", ObjectValue::Form::NewObj)
                   .Case("newobj_ex", ObjectValue::Form::NewObjEx)
                   .Case("inst", ObjectValue::Form::Inst)
                   .Case("obj", ObjectValue::Form::Obj)
                   .Default(std::nullopt))
    return parseObject(Out, Label, *F);
  if (auto F = StringSwitch<std::optional<TensorValue::Form>>(K)
                   .Case("tensor", TensorValue::Form::RebuildTensorV2)
                   .Case("tensor_v1", TensorValue::Form::RebuildTensor)
                   .Case("tensor_v3", TensorValue::Form::RebuildTensorV3)
                   .Case("qtensor", TensorValue::Form::RebuildQTensor)
                   .Case("tensor_class", TensorValue::Form::TensorClassState)
                   .Default(std::nullopt))
    return parseTensor(Out, Label, *F);
  if (auto F = StringSwitch<std::optional<ParameterValue::Form>>(K)
                   .Case("parameter", ParameterValue::Form::RebuildParameter)
                   .Case("parameter_with_state",
                         ParameterValue::Form::RebuildParameterWithState)
                   .Case("parameter_call", ParameterValue::Form::ParameterCall)
                   .Case("parameter_legacy",
                         ParameterValue::Form::ParameterLegacyState)
                   .Default(std::nullopt))
    return parseParameter(Out, Label, *F);
  if (K == "state_dict")
    return parseStateDict(Out, Label);
  if (K == "optimizer_state")
    return parseOptimizerState(Out, Label);
  if (K == "persistent_id") {
    auto *P = C.create<PersistentRefValue>(nullptr);
    bind(Label, P);
    Out = P;
    lex();
    return parseValue(P->getIdRef());
  }
  return parseAtom(Out, Label);
}

bool Parser::parseElements(TokenKind Close, StringRef CloseSpelling,
                           SmallVectorImpl<Value *> &Out, bool *TrailingComma,
                           SMLoc *CloseLoc) {
  bool Trailing = false;
  while (!Tok.is(Close)) {
    Value *E;
    if (parseValue(E))
      return true;
    Out.push_back(E);
    Trailing = consumeIf(TokenKind::Comma);
    if (!Trailing && !Tok.is(Close))
      return expectedCommaOr(CloseSpelling);
  }
  if (CloseLoc)
    *CloseLoc = Tok.getLoc();
  lex();
  if (TrailingComma)
    *TrailingComma = Trailing;
  return false;
}

bool Parser::parseMappingItems(SmallVectorImpl<DictItem> &Out) {
  if (expect(TokenKind::LBrace, "'{'"))
    return true;
  while (!Tok.is(TokenKind::RBrace)) {
    Value *K, *V;
    if (parseValue(K) || expect(TokenKind::Colon, "':' after a dict key") ||
        parseValue(V))
      return true;
    Out.push_back({K, V});
    if (!consumeIf(TokenKind::Comma) && !Tok.is(TokenKind::RBrace))
      return expected("',' or '}'");
  }
  lex();
  return false;
}

bool Parser::parseSequence(Value *&Out, std::optional<uint64_t> Label) {
  SequenceValue *Seq;
  TokenKind Close = TokenKind::RSquare;
  StringRef CloseSpelling = "]";
  switch (Tok.Kind) {
  case TokenKind::LParen:
    Seq = C.create<TupleValue>();
    Close = TokenKind::RParen;
    CloseSpelling = ")";
    break;
  case TokenKind::LSquare:
    Seq = C.create<ListValue>();
    break;
  case TokenKind::SetOpen:
    Seq = C.create<SetValue>();
    Close = TokenKind::RBrace;
    CloseSpelling = "}";
    break;
  default:
    Seq = C.create<FrozenSetValue>();
    Close = TokenKind::RBrace;
    CloseSpelling = "}";
    break;
  }
  bind(Label, Seq);
  Out = Seq;
  lex();
  bool Trailing;
  SMLoc CloseLoc;
  if (parseElements(Close, CloseSpelling, Seq->getElements(), &Trailing,
                    &CloseLoc))
    return true;
  if (isa<TupleValue>(Seq) && Seq->size() == 1 && !Trailing) {
    // `(value)` without a comma groups a value (the printer uses it around
    // objects whose trailing clauses would otherwise attach to the outer
    // object); a labelled group makes no sense.
    if (Label)
      return error(CloseLoc, "expected ',' after the only element of a tuple");
    Out = (*Seq)[0];
  }
  return false;
}

bool Parser::parseDict(Value *&Out, std::optional<uint64_t> Label) {
  auto *D = C.create<DictValue>();
  bind(Label, D);
  Out = D;
  return parseMappingItems(D->getItems());
}

bool Parser::parseGlobal(Value *&Out, std::optional<uint64_t> Label) {
  lex(); // '@'
  std::string Module, Name;
  if (parseName(Module, "a module name") ||
      expect(TokenKind::Colon, "':' between module and name") ||
      parseName(Name, "a global name"))
    return true;
  Out = C.create<GlobalValue>(std::move(Module), std::move(Name));
  bind(Label, Out);
  return false;
}

bool Parser::parseComplex(Value *&Out, std::optional<uint64_t> Label) {
  lex(); // 'complex('
  double Re, Im;
  if (parseFloatLiteral(Re) ||
      expect(TokenKind::Comma, "',' between the real and imaginary parts") ||
      parseFloatLiteral(Im) ||
      expect(TokenKind::RParen, "')' after the imaginary part"))
    return true;
  Out = C.create<ComplexValue>(Re, Im);
  bind(Label, Out);
  return false;
}

bool Parser::parseObject(Value *&Out, std::optional<uint64_t> Label,
                         ObjectValue::Form F) {
  lex(); // the form
  auto *O = C.create<ObjectValue>(F, nullptr, nullptr);
  bind(Label, O);
  Out = O;
  if (parseValue(O->getCallableRef()))
    return true;
  SMLoc ArgsLoc = Tok.getLoc();
  Value *Args;
  if (parseValue(Args))
    return true;
  if (!isa<TupleValue>(Args))
    return error(ArgsLoc, "expected an argument tuple");
  O->setArgs(cast<TupleValue>(Args));
  if (consumeKeyword("kwargs") && parseValue(O->getKwargsRef()))
    return true;
  if (consumeKeyword("append")) {
    if (expect(TokenKind::LSquare, "'[' to begin the appended items") ||
        parseElements(TokenKind::RSquare, "]", O->getListItems(), nullptr))
      return true;
  }
  if (consumeKeyword("setitems") && parseMappingItems(O->getDictItems()))
    return true;
  while (consumeKeyword("build")) {
    Value *State;
    if (parseValue(State))
      return true;
    O->getStates().push_back(State);
  }
  return false;
}

bool Parser::parseHooks(Value *&Out) {
  if (consumeKeyword("absent")) {
    Out = nullptr;
    return false;
  }
  if (parseValue(Out))
    return true;
  // Spelled out, the default is still the default (null), as the reader
  // makes it.
  if (isEmptyOrderedDict(Out))
    Out = nullptr;
  return false;
}

bool Parser::parseTensor(Value *&Out, std::optional<uint64_t> Label,
                         TensorValue::Form F) {
  lex(); // the form
  StorageValue *S = nullptr;
  if (parseStorageRef(S))
    return true;
  SMLoc DTypeLoc = Tok.getLoc();
  DType T = DType::Float32;
  if (parseDType(T))
    return true;
  bool Untyped = F == TensorValue::Form::RebuildTensorV3 &&
                 S->getDType() == DType::Untyped;
  if (T != S->getDType() && !Untyped)
    return error(DTypeLoc, "expected dtype " + getDTypeIRName(S->getDType()) +
                               ", the dtype of the tensor's storage");
  SmallVector<int64_t, 4> Sizes, Strides;
  if (parseShape(Sizes) || expectKeyword("stride"))
    return true;
  SMLoc StrideLoc = Tok.getLoc();
  if (parseShape(Strides))
    return true;
  if (Strides.size() != Sizes.size())
    return error(StrideLoc, "expected " + Twine(Sizes.size()) +
                                " strides, one per dimension");
  auto *TV = C.create<TensorValue>(F, S, T);
  bind(Label, TV);
  Out = TV;
  TV->setShape(Sizes, Strides);
  if (F == TensorValue::Form::RebuildTensorV3)
    TV->setDTypeGlobal(
        C.create<GlobalValue>("torch", getDTypeTorchName(T).str()));

  if (consumeKeyword("offset")) {
    int64_t Offset;
    if (parseInt64(Offset, "the storage offset"))
      return true;
    TV->setOffset(Offset);
  }
  if (consumeKeyword("requires_grad"))
    TV->setRequiresGrad(true);
  if (consumeKeyword("hooks")) {
    if (parseHooks(TV->getHooksRef()))
      return true;
  }
  if (consumeKeyword("quantizer") && parseValue(TV->getQuantizerRef()))
    return true;
  if (consumeKeyword("metadata") && parseValue(TV->getMetadataRef()))
    return true;
  // A tensor subclass: _rebuild_from_type_v2(rebuild, cls, args, state).
  if (consumeKeyword("subclass")) {
    if (parseValue(TV->getSubclassRef()))
      return true;
    if (consumeKeyword("wrapper")) {
      if (parseValue(TV->getSubclassWrapperRef()))
        return true;
    } else {
      TV->getSubclassWrapperRef() =
          C.create<GlobalValue>("torch._tensor", "_rebuild_from_type_v2");
    }
    if (expectKeyword("state") || parseValue(TV->getSubclassStateRef()))
      return true;
  }
  return false;
}

bool Parser::parseParameter(Value *&Out, std::optional<uint64_t> Label,
                            ParameterValue::Form F) {
  lex(); // the form
  auto *P = C.create<ParameterValue>(F, nullptr, false);
  bind(Label, P);
  Out = P;
  if (expect(TokenKind::LParen, "'(' before the parameter's data") ||
      parseValue(P->getDataRef()) ||
      expect(TokenKind::RParen, "')' after the parameter's data"))
    return true;
  if (consumeKeyword("requires_grad"))
    P->setRequiresGrad(true);
  if (consumeKeyword("hooks")) {
    if (parseHooks(P->getHooksRef()))
      return true;
  }
  if (consumeKeyword("state") && parseValue(P->getStateRef()))
    return true;
  return false;
}

bool Parser::parseStateDict(Value *&Out, std::optional<uint64_t> Label) {
  lex(); // 'state_dict'
  auto *SD = C.create<StateDictValue>(nullptr);
  bind(Label, SD);
  Out = SD;
  if (Tok.is(TokenKind::LBrace)) {
    SD->getClassRef() = C.create<GlobalValue>("collections", "OrderedDict");
  } else {
    if (parseValue(SD->getClassRef()))
      return true;
    if (!Tok.is(TokenKind::LBrace))
      return expected("'{' to begin the state dict's items");
  }
  if (parseMappingItems(SD->getItems()))
    return true;
  if (consumeKeyword("build") && parseValue(SD->getStateRef()))
    return true;
  return false;
}

bool Parser::parseOptimizerState(Value *&Out, std::optional<uint64_t> Label) {
  lex(); // 'optimizer_state'
  auto *OS = C.create<OptimizerStateValue>();
  bind(Label, OS);
  Out = OS;
  return parseMappingItems(OS->getItems());
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

bool isTextualIR(MemoryBufferRef Buf) {
  Lexer L(Buf.getBuffer());
  const char *P = L.skipTrivia();
  StringRef Rest(P, Buf.getBuffer().end() - P);
  return Rest.starts_with("checkpoint") &&
         (Rest.size() == 10 || !isIdentChar(Rest[10]));
}

Expected<std::unique_ptr<Checkpoint>>
parseCheckpointText(std::unique_ptr<MemoryBuffer> Buf) {
  auto C = std::make_unique<Checkpoint>();
  C->setSourceName(Buf->getBufferIdentifier().str());
  SourceMgr SM;
  SM.AddNewSourceBuffer(std::move(Buf), SMLoc());
  if (Error E = Parser(SM, *C).run())
    return E;
  return C;
}

} // namespace ckpt
