//===- Container.cpp - Identify the container of a checkpoint -------------===//
//
// Part of ckpt-migrate. Decides from the leading bytes of a file which
// container `torch.save` used, and names the usual things that are not
// checkpoints at all so that the user learns what to do instead of reading
// "bad magic".
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Container.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace ckpt {

StringRef getContainerKindName(ContainerKind K) {
  switch (K) {
  case ContainerKind::Tar:
    return "tar";
  case ContainerKind::Legacy:
    return "legacy";
  case ContainerKind::Zip:
    return "zip";
  case ContainerKind::Pickle:
    return "pickle";
  case ContainerKind::Safetensors:
    return "safetensors";
  case ContainerKind::DCP:
    return "dcp";
  }
  llvm_unreachable("unknown ContainerKind");
}

std::optional<ContainerKind> parseContainerKindName(StringRef Name) {
  return StringSwitch<std::optional<ContainerKind>>(Name)
      .Case("tar", ContainerKind::Tar)
      .Case("legacy", ContainerKind::Legacy)
      .Case("zip", ContainerKind::Zip)
      .Case("pickle", ContainerKind::Pickle)
      .Case("safetensors", ContainerKind::Safetensors)
      .Case("dcp", ContainerKind::DCP)
      .Default(std::nullopt);
}

APInt getLegacyMagicNumber() { return APInt(80, "1950a86a20f9469cfc6c", 16); }

bool isLegacyMagicNumber(const APInt &V) {
  // A signed int: the magic number needs 81 bits with its sign bit.
  return V.getSignificantBits() <= 81 &&
         V.sextOrTrunc(81) == getLegacyMagicNumber().zext(81);
}

ArrayRef<StringRef> getLegacyPickleNames() {
  static const StringRef Names[] = {"magic number", "protocol version",
                                    "sys_info", "object", "storage keys"};
  return Names;
}

namespace {

/// `pickle.dump(MAGIC_NUMBER, protocol=2)`: the first 15 bytes of every
/// legacy-format file.
constexpr char LegacyMagic[] =
    "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";

/// The highest pickle protocol CPython knows (3.8+).
constexpr unsigned MaxPickleProtocol = 5;

/// Whether \p Data is \p Magic or, when \p Data is shorter, a prefix of it:
/// a file cut short inside its magic number still belongs to that format, and
/// its reader gives the better "truncated" message.
bool startsWithOrIsPrefixOf(StringRef Data, StringRef Magic) {
  return Data.size() >= Magic.size() ? Data.starts_with(Magic)
                                     : Magic.starts_with(Data);
}

/// Formats up to the first four bytes as "xx xx xx xx".
std::string firstBytesHex(StringRef Data) {
  std::string S;
  for (unsigned char C : Data.take_front(4)) {
    if (!S.empty())
      S += ' ';
    S += hexdigit(C >> 4, /*LowerCase=*/true);
    S += hexdigit(C & 15, /*LowerCase=*/true);
  }
  return S;
}

/// Files that are recognisably something else, by magic number.
struct ForeignFormat {
  StringRef Magic;
  const char *Message;
};

const ForeignFormat ForeignFormats[] = {
    {"PYTORCH1", "file is in the PyTorch 1.0 preview format ('PYTORCH1'), "
                 "which no released PyTorch reads; it is not supported"},
    {StringRef("\x1f\x8b", 2),
     "file is gzip-compressed; decompress it first (gunzip)"},
    {"BZh", "file is bzip2-compressed; decompress it first (bunzip2)"},
    {StringRef("\xfd\x37\x7a\x58\x5a\x00", 6),
     "file is xz-compressed; decompress it first (unxz)"},
    {StringRef("\x28\xb5\x2f\xfd", 4),
     "file is zstd-compressed; decompress it first (unzstd)"},
    {"GGUF", "file is a GGUF model (llama.cpp), not a PyTorch checkpoint"},
    {StringRef("\x89HDF\r\n\x1a\n", 8),
     "file is an HDF5 file (Keras?), not a PyTorch checkpoint"},
    {"\x93NUMPY", "file is a NumPy .npy array, not a PyTorch checkpoint"},
};

/// A safetensors file: an 8-byte little-endian header length, then JSON
/// starting with '{"' (or the empty '{}'). The length is not checked here:
/// the safetensors reader reports a lying one with its offset.
bool isSafetensors(StringRef Data) {
  return Data.size() >= 10 && Data[8] == '{' &&
         (Data[9] == '"' || Data[9] == '}');
}

/// Builds the message for a Git LFS pointer file, quoting its oid and size.
std::string describeLfsPointer(StringRef Data) {
  std::string Msg = "file is a Git LFS pointer, not the checkpoint itself";
  StringRef Oid, Size;
  SmallVector<StringRef, 8> Lines;
  Data.take_front(1024).split(Lines, '\n', /*MaxSplit=*/8, false);
  for (StringRef Line : Lines) {
    Line = Line.trim();
    if (Line.consume_front("oid "))
      Oid = Line;
    else if (Line.consume_front("size "))
      Size = Line;
  }
  if (!Oid.empty() || !Size.empty()) {
    Msg += " (";
    if (!Oid.empty())
      Msg += ("oid " + Oid).str();
    if (!Oid.empty() && !Size.empty())
      Msg += ", ";
    if (!Size.empty())
      Msg += ("size " + Size + " bytes").str();
    Msg += ")";
  }
  Msg += "; run `git lfs pull` in its repository to fetch the real file";
  return Msg;
}

/// Whether \p Data, after leading whitespace and a UTF-8 byte order mark,
/// starts an HTML document.
bool isHtml(StringRef Data) {
  Data.consume_front("\xef\xbb\xbf");
  Data = Data.ltrim();
  return Data.starts_with_insensitive("<!doctype") ||
         Data.starts_with_insensitive("<html");
}

//===----------------------------------------------------------------------===//
// Protocol 0/1 pickles
//===----------------------------------------------------------------------===//
//
// Protocol 0 and 1 pickles have no PROTO opcode, so they are recognised by
// running their first few opcodes on a model of the unpickler's stack (values
// and marks only): every opcode must exist, have an argument of the right
// shape, and find what it pops. Text ("Not Found", "(c) 2020 ...") fails
// within an opcode or two; what `pickle.dump` writes passes. Checking the
// whole pickle is the pickle reader's job.

/// How an opcode's argument is encoded.
enum class ArgKind {
  None,       ///< No argument.
  Fixed1,     ///< 1 byte.
  Fixed2,     ///< 2 bytes.
  Fixed4,     ///< 4 bytes.
  Fixed8,     ///< 8 bytes.
  Len1,       ///< 1-byte length, then that many bytes.
  Len4,       ///< 4-byte little-endian length, then that many bytes.
  IntLine,    ///< Decimal integer, optional 'L', newline.
  FloatLine,  ///< Python float repr, newline.
  QuotedLine, ///< Python string literal in quotes, newline.
  TextLine,   ///< Printable text (raw-unicode-escape), newline.
  TwoNames,   ///< "module\nname\n" (GLOBAL, INST).
};

/// What an opcode does to the stack.
enum class StackEffect {
  Mark,         ///< Pushes a mark.
  Push,         ///< Pushes a value.
  UseTop,       ///< Needs a value on top; leaves the stack as is.
  Dup,          ///< Needs a value on top; pushes a copy.
  Pop,          ///< Pops the top item (value or mark).
  Pop2Push1,    ///< REDUCE, BUILD, APPEND.
  Pop3Push1,    ///< SETITEM.
  MarkToValue,  ///< LIST, DICT, TUPLE, INST: pops to the mark, pushes.
  MarkToObject, ///< OBJ: like MarkToValue, needs a class after the mark.
  MarkIntoTop,  ///< APPENDS, SETITEMS: pops to the mark into the value below.
  PopMark,      ///< POP_MARK.
  Stop,         ///< STOP: exactly one value must remain.
};

struct OpcodeInfo {
  char Op;
  ArgKind Arg;
  StackEffect Effect;
};

/// The opcodes of protocols 0 and 1 (pickletools.opcodes).
const OpcodeInfo Protocol01Opcodes[] = {
    {'(', ArgKind::None, StackEffect::Mark},
    {'.', ArgKind::None, StackEffect::Stop},
    {'0', ArgKind::None, StackEffect::Pop},
    {'1', ArgKind::None, StackEffect::PopMark},
    {'2', ArgKind::None, StackEffect::Dup},
    {'F', ArgKind::FloatLine, StackEffect::Push},
    {'G', ArgKind::Fixed8, StackEffect::Push},
    {'I', ArgKind::IntLine, StackEffect::Push},
    {'J', ArgKind::Fixed4, StackEffect::Push},
    {'K', ArgKind::Fixed1, StackEffect::Push},
    {'L', ArgKind::IntLine, StackEffect::Push},
    {'M', ArgKind::Fixed2, StackEffect::Push},
    {'N', ArgKind::None, StackEffect::Push},
    {'P', ArgKind::TextLine, StackEffect::Push},
    {'Q', ArgKind::None, StackEffect::UseTop},
    {'R', ArgKind::None, StackEffect::Pop2Push1},
    {'S', ArgKind::QuotedLine, StackEffect::Push},
    {'T', ArgKind::Len4, StackEffect::Push},
    {'U', ArgKind::Len1, StackEffect::Push},
    {'V', ArgKind::TextLine, StackEffect::Push},
    {'X', ArgKind::Len4, StackEffect::Push},
    {']', ArgKind::None, StackEffect::Push},
    {'a', ArgKind::None, StackEffect::Pop2Push1},
    {'b', ArgKind::None, StackEffect::Pop2Push1},
    {'c', ArgKind::TwoNames, StackEffect::Push},
    {'d', ArgKind::None, StackEffect::MarkToValue},
    {'e', ArgKind::None, StackEffect::MarkIntoTop},
    {'g', ArgKind::IntLine, StackEffect::Push},
    {'h', ArgKind::Fixed1, StackEffect::Push},
    {'i', ArgKind::TwoNames, StackEffect::MarkToValue},
    {'j', ArgKind::Fixed4, StackEffect::Push},
    {'l', ArgKind::None, StackEffect::MarkToValue},
    {'o', ArgKind::None, StackEffect::MarkToObject},
    {'p', ArgKind::IntLine, StackEffect::UseTop},
    {'q', ArgKind::Fixed1, StackEffect::UseTop},
    {'r', ArgKind::Fixed4, StackEffect::UseTop},
    {'s', ArgKind::None, StackEffect::Pop3Push1},
    {'t', ArgKind::None, StackEffect::MarkToValue},
    {'u', ArgKind::None, StackEffect::MarkIntoTop},
    {'}', ArgKind::None, StackEffect::Push},
    {')', ArgKind::None, StackEffect::Push},
};

/// Reads the newline-terminated argument starting at \p Pos; returns the
/// position after the newline, Data.size() if the file ends first (a
/// truncated pickle is still a pickle), or std::nullopt if the line is empty,
/// too long, or a byte does not satisfy \p Accept. \p Accept never sees the
/// newline, so the line is complete iff the returned range ends with one.
template <typename Pred>
std::optional<size_t> scanLine(StringRef Data, size_t Pos, Pred Accept) {
  // Arguments of real pickles are short; a long "line" is text.
  constexpr size_t MaxLine = 4096;
  for (size_t I = Pos, E = std::min(Data.size(), Pos + MaxLine); I != E; ++I) {
    if (Data[I] == '\n')
      return I == Pos ? std::nullopt : std::optional<size_t>(I + 1);
    if (!Accept(Data[I]))
      return std::nullopt;
  }
  if (Data.size() - Pos < MaxLine)
    return Data.size();
  return std::nullopt;
}

/// Returns the position after an argument of kind \p Arg at \p Pos (at most
/// Data.size()), or std::nullopt if the argument is implausible.
std::optional<size_t> skipArgument(StringRef Data, size_t Pos, ArgKind Arg) {
  auto Fixed = [&](size_t N) { return std::min(Data.size(), Pos + N); };
  auto Length = [&](size_t LenBytes) -> std::optional<size_t> {
    if (Data.size() - Pos < LenBytes)
      return Data.size();
    uint64_t Len = 0;
    for (size_t I = 0; I != LenBytes; ++I)
      Len |= uint64_t(uint8_t(Data[Pos + I])) << (8 * I);
    // A length beyond the end is not a truncated pickle but not a pickle.
    if (Len > Data.size() - Pos - LenBytes)
      return std::nullopt;
    return Pos + LenBytes + Len;
  };
  switch (Arg) {
  case ArgKind::None:
    return Pos;
  case ArgKind::Fixed1:
    return Fixed(1);
  case ArgKind::Fixed2:
    return Fixed(2);
  case ArgKind::Fixed4:
    return Fixed(4);
  case ArgKind::Fixed8:
    return Fixed(8);
  case ArgKind::Len1:
    return Length(1);
  case ArgKind::Len4:
    return Length(4);
  case ArgKind::IntLine: {
    // "123", "-5", "00"/"01" (False/True), "123L" (LONG).
    std::optional<size_t> End = scanLine(Data, Pos, [](char C) {
      return isDigit(C) || C == '-' || C == '+' || C == 'L';
    });
    if (!End)
      return std::nullopt;
    StringRef Text = Data.slice(Pos, *End);
    bool Complete = Text.consume_back("\n");
    if (!Text.consume_front("-"))
      Text.consume_front("+");
    Text.consume_back("L");
    if ((Complete && Text.empty()) || !all_of(Text, isDigit))
      return std::nullopt;
    return End;
  }
  case ArgKind::FloatLine: {
    std::optional<size_t> End = scanLine(Data, Pos, [](char C) {
      return isAlnum(C) || C == '+' || C == '-' || C == '.';
    });
    if (!End)
      return std::nullopt;
    // Only a complete line can be checked.
    StringRef Text = Data.slice(Pos, *End);
    double Unused;
    if (!Text.consume_back("\n") || Text.getAsDouble(Unused))
      return std::nullopt;
    return End;
  }
  case ArgKind::QuotedLine:
    if (Pos < Data.size() && Data[Pos] != '\'' && Data[Pos] != '"')
      return std::nullopt;
    return scanLine(Data, Pos, [](char C) { return C != '\r'; });
  case ArgKind::TextLine:
    return scanLine(Data, Pos, [](char C) {
      return isPrint(C) || C == '\t' || uint8_t(C) >= 0x80;
    });
  case ArgKind::TwoNames: {
    auto IsNameChar = [](char C) { return isAlnum(C) || C == '_' || C == '.'; };
    std::optional<size_t> Mid = scanLine(Data, Pos, IsNameChar);
    if (!Mid || *Mid == Data.size())
      return Mid;
    return scanLine(Data, *Mid, IsNameChar);
  }
  }
  llvm_unreachable("unknown ArgKind");
}

/// Applies \p Effect to \p Stack, a string of 'V' (value) and 'M' (mark);
/// false if the opcode would fail.
bool applyStackEffect(std::string &Stack, StackEffect Effect) {
  auto TopValues = [&](size_t N) {
    return Stack.size() >= N &&
           StringRef(Stack).take_back(N).find('M') == StringRef::npos;
  };
  size_t MarkPos = Stack.rfind('M');
  bool HasMark = MarkPos != std::string::npos;
  switch (Effect) {
  case StackEffect::Mark:
    Stack += 'M';
    return true;
  case StackEffect::Push:
    Stack += 'V';
    return true;
  case StackEffect::UseTop:
    return TopValues(1);
  case StackEffect::Dup:
    if (!TopValues(1))
      return false;
    Stack += 'V';
    return true;
  case StackEffect::Pop:
    if (Stack.empty())
      return false;
    Stack.pop_back();
    return true;
  case StackEffect::Pop2Push1:
  case StackEffect::Pop3Push1: {
    size_t N = Effect == StackEffect::Pop2Push1 ? 2 : 3;
    if (!TopValues(N))
      return false;
    Stack.resize(Stack.size() - N + 1);
    return true;
  }
  case StackEffect::MarkToObject:
    if (!HasMark || MarkPos + 1 == Stack.size())
      return false;
    [[fallthrough]];
  case StackEffect::MarkToValue:
    if (!HasMark)
      return false;
    Stack.resize(MarkPos);
    Stack += 'V';
    return true;
  case StackEffect::MarkIntoTop:
    if (!HasMark || MarkPos == 0 || Stack[MarkPos - 1] != 'V')
      return false;
    Stack.resize(MarkPos);
    return true;
  case StackEffect::PopMark:
    if (!HasMark)
      return false;
    Stack.resize(MarkPos);
    return true;
  case StackEffect::Stop:
    return Stack == "V";
  }
  llvm_unreachable("unknown StackEffect");
}

/// Whether \p Data looks like a pickle of protocol 0 or 1 (no PROTO opcode).
bool isPlausibleUnversionedPickle(StringRef Data) {
  // Enough opcodes to get past a GLOBAL and into the first container.
  constexpr unsigned MaxOpcodes = 8;
  std::string Stack;
  size_t Pos = 0;
  for (unsigned N = 0; N != MaxOpcodes; ++N) {
    if (Pos >= Data.size())
      return true; // Truncated: let the pickle reader say so.
    const OpcodeInfo *Info =
        find_if(Protocol01Opcodes,
                [&](const OpcodeInfo &I) { return I.Op == Data[Pos]; });
    if (Info == std::end(Protocol01Opcodes))
      return false;
    std::optional<size_t> Next = skipArgument(Data, Pos + 1, Info->Arg);
    if (!Next || !applyStackEffect(Stack, Info->Effect))
      return false;
    if (Info->Effect == StackEffect::Stop)
      return true;
    Pos = *Next;
  }
  return true;
}

} // namespace

Expected<ContainerKind> identifyContainer(MemoryBufferRef Buf) {
  StringRef Data = Buf.getBuffer();
  if (Data.empty())
    return decodeError(0, "file is empty");

  // Zip: a local file header, or the end record of an empty archive.
  if (startsWithOrIsPrefixOf(Data, StringRef("PK\x03\x04", 4)) ||
      Data.starts_with(StringRef("PK\x05\x06", 4)))
    return ContainerKind::Zip;

  // Safetensors before pickles: its first byte is the low byte of the
  // header's length, 0x80 for a header of 128 bytes (plus a multiple of 256)
  // as for a pickle's PROTO. A pickle is never taken for one: that would
  // need six zero bytes after its PROTO and a '{' at offset 8.
  if (isSafetensors(Data))
    return ContainerKind::Safetensors;

  // Pickles with a PROTO opcode. The legacy stream starts with the pickled
  // magic number; any other LONG1 there is a legacy file with a bad magic,
  // which the legacy reader reports precisely.
  if (uint8_t(Data[0]) == 0x80) {
    if (Data.starts_with(StringRef(LegacyMagic, 3)))
      return ContainerKind::Legacy;
    if (Data.size() == 1 || uint8_t(Data[1]) <= MaxPickleProtocol)
      return ContainerKind::Pickle;
  }

  // POSIX tar: "ustar\0" (POSIX) or "ustar " (GNU) at offset 257.
  if (Data.size() >= 262 && Data.substr(257, 5) == "ustar")
    return ContainerKind::Tar;

  for (const ForeignFormat &F : ForeignFormats)
    if (Data.starts_with(F.Magic))
      return decodeError(0, "{0}", F.Message);
  if (Data.starts_with("version https://git-lfs.github.com/spec/"))
    return decodeError(0, "{0}", describeLfsPointer(Data));
  if (isHtml(Data))
    return decodeError(0, "file is an HTML page, not a checkpoint (a failed "
                          "download?)");

  if (isPlausibleUnversionedPickle(Data))
    return ContainerKind::Pickle;

  return decodeError(0,
                     "unrecognised file format: first bytes are '{0}' (not a "
                     "PyTorch checkpoint)",
                     firstBytesHex(Data));
}

} // namespace ckpt
