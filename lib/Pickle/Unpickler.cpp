//===- Unpickler.cpp - A pickle machine that runs nothing -----------------===//
//
// Part of ckpt-migrate. Follows CPython's Lib/pickle.py `_Unpickler` opcode
// by opcode, except that nothing is imported or called: every object creation
// becomes an IR node recording the call.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Pickle/Unpickler.h"
#include "PickleInternals.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/Opcodes.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/MemoryLimit.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <cstring>

using namespace llvm;
using namespace ckpt;
using namespace ckpt::pickle;

namespace {

/// Decodes a Python 2 string literal ('...' or "...") as written by STRING.
Expected<std::string> decodeStringLiteral(StringRef Lit, uint64_t Offset) {
  if (Lit.size() < 2 || (Lit.front() != '\'' && Lit.front() != '"') ||
      Lit.back() != Lit.front())
    return decodeError(Offset, "STRING argument is not a quoted literal");
  Lit = Lit.drop_front().drop_back();
  std::string Out;
  for (size_t I = 0; I < Lit.size(); ++I) {
    char C = Lit[I];
    if (C != '\\') {
      Out += C;
      continue;
    }
    if (++I == Lit.size())
      return decodeError(Offset, "STRING literal ends in a lone backslash");
    char E = Lit[I];
    switch (E) {
    case '\n':
      break;
    case '\\':
    case '\'':
    case '"':
      Out += E;
      break;
    case 'a':
      Out += '\a';
      break;
    case 'b':
      Out += '\b';
      break;
    case 'f':
      Out += '\f';
      break;
    case 'n':
      Out += '\n';
      break;
    case 'r':
      Out += '\r';
      break;
    case 't':
      Out += '\t';
      break;
    case 'v':
      Out += '\v';
      break;
    case 'x': {
      unsigned V;
      if (I + 2 >= Lit.size() || Lit.substr(I + 1, 2).getAsInteger(16, V))
        return decodeError(Offset, "STRING literal has a bad \\x escape");
      Out += static_cast<char>(V);
      I += 2;
      break;
    }
    default:
      if (E >= '0' && E <= '7') {
        unsigned V = 0, N = 0;
        while (N < 3 && I < Lit.size() && Lit[I] >= '0' && Lit[I] <= '7') {
          V = V * 8 + (Lit[I] - '0');
          ++I;
          ++N;
        }
        --I;
        Out += static_cast<char>(V & 0xff);
      } else {
        Out += '\\';
        Out += E;
      }
    }
  }
  return Out;
}

/// Decodes raw-unicode-escape text (UNICODE opcode) into UTF-8.
Expected<std::string> decodeRawUnicodeEscape(StringRef S, uint64_t Offset) {
  std::string Out;
  auto AppendCP = [&](uint32_t CP) -> bool {
    char Buf[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
    char *Ptr = Buf;
    if (!ConvertCodePointToUTF8(CP, Ptr))
      return false;
    Out.append(Buf, Ptr);
    return true;
  };
  for (size_t I = 0; I < S.size(); ++I) {
    unsigned char C = S[I];
    if (C == '\\' && I + 1 < S.size() && (S[I + 1] == 'u' || S[I + 1] == 'U')) {
      unsigned Len = S[I + 1] == 'u' ? 4 : 8;
      uint32_t CP;
      if (I + 2 + Len > S.size() || S.substr(I + 2, Len).getAsInteger(16, CP) ||
          !AppendCP(CP))
        return decodeError(Offset, "UNICODE argument has a bad \\u escape");
      I += 1 + Len;
      continue;
    }
    // Other bytes are Latin-1 code points.
    AppendCP(C);
  }
  return Out;
}

/// Parses a decimal integer line (INT, LONG, GET, PUT) into an int node.
Expected<Value *> makeIntFromDecimal(Checkpoint &C, StringRef Text,
                                     uint64_t Offset) {
  Text = Text.trim();
  int64_t V;
  if (!Text.getAsInteger(10, V))
    return C.create<IntValue>(V);
  // getAsInteger(APInt) takes no sign: parse the magnitude, then negate.
  bool Neg = Text.consume_front("-");
  if (!Neg)
    Text.consume_front("+");
  // Python refuses more digits (sys.int_info.default_max_str_digits), and
  // decimal conversion is quadratic.
  if (Text.size() > 4300)
    return decodeError(Offset,
                       "integer of {0} decimal digits exceeds the limit of "
                       "4300 digits",
                       Text.size());
  APInt Mag;
  if (Text.empty() || Text.getAsInteger(10, Mag))
    return decodeError(Offset, "'{0}' is not a decimal integer", Text);
  // getAsInteger may give Mag more bits than needed: zext cannot shrink.
  APInt S = Mag.zextOrTrunc(Mag.getActiveBits() + 1);
  if (Neg)
    S.negate();
  unsigned Bytes = (S.getSignificantBits() + 7) / 8;
  return C.create<BigIntValue>(S.sextOrTrunc(Bytes * 8));
}

/// The longest global name (module and qualified name) STACK_GLOBAL takes
/// from the stack, in bytes.
constexpr uint64_t MaxGlobalNameBytes = 64 * 1024;

/// The longest LONG4 integer read, in bytes (256 MiB: 2^31 bits, within an
/// APInt's unsigned width).
constexpr uint64_t MaxLongBytes = uint64_t(1) << 28;

} // namespace

Value *ckpt::pickle::makeIntFromLE(Checkpoint &C, StringRef B) {
  // CPython's decode_long keeps every byte; the node keeps the fewest that
  // hold the value (bytes that only repeat the sign are dropped).
  auto Byte = [&](size_t I) { return uint8_t(B[I]); };
  size_t N = B.size();
  while (N > 1 && ((Byte(N - 1) == 0x00 && !(Byte(N - 2) & 0x80)) ||
                   (Byte(N - 1) == 0xff && (Byte(N - 2) & 0x80))))
    --N;
  if (N == 0)
    return C.create<IntValue>(0);
  if (N <= 8) {
    uint64_t U = 0;
    for (size_t I = 0; I < N; ++I)
      U |= uint64_t(Byte(I)) << (8 * I);
    unsigned Bits = N * 8;
    int64_t V = Bits == 64 ? int64_t(U) : SignExtend64(U, Bits);
    return C.create<IntValue>(V);
  }
  APInt V(unsigned(N * 8), 0);
  LoadIntFromMemory(V, reinterpret_cast<const uint8_t *>(B.data()),
                    unsigned(N));
  return C.create<BigIntValue>(std::move(V));
}

namespace {

const char *kindName(const Value *V) {
  switch (V->getKind()) {
  case Value::Kind::None:
    return "None";
  case Value::Kind::Bool:
    return "bool";
  case Value::Kind::Int:
  case Value::Kind::BigInt:
    return "int";
  case Value::Kind::Float:
    return "float";
  case Value::Kind::Complex:
    return "complex";
  case Value::Kind::Str:
    return "str";
  case Value::Kind::Bytes:
    return "bytes";
  case Value::Kind::Py2Str:
    return "str (Python 2)";
  case Value::Kind::ByteArray:
    return "bytearray";
  case Value::Kind::Tuple:
    return "tuple";
  case Value::Kind::List:
    return "list";
  case Value::Kind::Set:
    return "set";
  case Value::Kind::FrozenSet:
    return "frozenset";
  case Value::Kind::Dict:
    return "dict";
  case Value::Kind::Global:
    return "global";
  case Value::Kind::Object:
    return "object";
  case Value::Kind::PersistentRef:
    return "persistent reference";
  case Value::Kind::Extension:
    return "extension object";
  case Value::Kind::Storage:
    return "storage";
  case Value::Kind::Tensor:
    return "tensor";
  case Value::Kind::Parameter:
    return "parameter";
  case Value::Kind::StateDict:
    return "state dict";
  case Value::Kind::OptimizerState:
    return "optimizer state";
  }
  return "value";
}

/// The machine: a stack, a mark stack and a memo.
/// The memo keys a pickle ever reads (GET, BINGET, LONG_BINGET), found by a
/// quick pass over its opcodes before it runs: a PUT of any other key need
/// not be kept. Null when the pickle is anything but plain (MEMOIZE mixed
/// with explicit PUTs, keys past 2^26, bytes that do not parse): then every
/// put is kept.
std::optional<BitVector> findReadMemoKeys(StringRef Bytes) {
  constexpr uint64_t MaxKey = uint64_t(1) << 26;
  BitVector Read;
  bool Memoizes = false, Puts = false;
  Cursor In(Bytes, 0);
  // Skips the inline argument of \p Info; the memo key for GETs.
  auto Skip = [&](const OpcodeInfo &Info) -> Expected<uint64_t> {
    auto Sized = [&](auto LenOrErr) -> Expected<uint64_t> {
      if (!LenOrErr)
        return LenOrErr.takeError();
      auto S = In.take(uint64_t(*LenOrErr), Info.Name);
      return S ? Expected<uint64_t>(0) : S.takeError();
    };
    switch (Info.Arg) {
    case ArgKind::None:
      return 0;
    case ArgKind::UInt8:
      return In.readLE<uint8_t>(Info.Name);
    case ArgKind::UInt16:
      return In.readLE<uint16_t>(Info.Name);
    case ArgKind::Int32:
    case ArgKind::UInt32:
      return In.readLE<uint32_t>(Info.Name);
    case ArgKind::UInt64:
    case ArgKind::Float8BE:
      return In.readLE<uint64_t>(Info.Name);
    case ArgKind::Long1:
    case ArgKind::String1:
      return Sized(In.readLE<uint8_t>(Info.Name));
    case ArgKind::Long4:
    case ArgKind::String4:
    case ArgKind::String4Signed:
      return Sized(In.readLE<uint32_t>(Info.Name));
    case ArgKind::String8:
      return Sized(In.readLE<uint64_t>(Info.Name));
    case ArgKind::TwoLines:
      if (auto L = In.line(Info.Name); !L)
        return L.takeError();
      [[fallthrough]];
    default: { // One line.
      auto L = In.line(Info.Name);
      if (!L)
        return L.takeError();
      uint64_t Key = 0;
      if (Info.Op == Opcode::Get && L->trim().getAsInteger(10, Key))
        return decodeError(0, "GET argument is not a memo key");
      return Key;
    }
    }
  };
  while (!In.atEnd()) {
    StringRef B = cantFail(In.take(1, "opcode")); // Not at the end.
    const OpcodeInfo *Info = lookupOpcode(uint8_t(B[0]));
    if (!Info)
      return std::nullopt;
    if (Info->Op == Opcode::Stop)
      break;
    Expected<uint64_t> Arg = Skip(*Info);
    if (!Arg) {
      consumeError(Arg.takeError());
      return std::nullopt;
    }
    switch (Info->Op) {
    case Opcode::Get:
    case Opcode::BinGet:
    case Opcode::LongBinGet:
      if (*Arg >= MaxKey)
        return std::nullopt;
      if (*Arg >= Read.size())
        Read.resize(std::max<size_t>(*Arg + 1, Read.size() * 2));
      Read.set(*Arg);
      break;
    case Opcode::Put:
    case Opcode::BinPut:
    case Opcode::LongBinPut:
      Puts = true;
      break;
    case Opcode::Memoize:
      Memoizes = true;
      break;
    default:
      break;
    }
    if (Puts && Memoizes)
      return std::nullopt;
  }
  return Read;
}

/// The pickle memo. Pickles number their entries 0, 1, 2, ... (torch's
/// millions of them too): those live in a vector, any other key in a map,
/// so a hostile key costs nothing and the common case no hashing.
class MemoTable {
public:
  /// Keeps only the keys in \p Read from now on (see findReadMemoKeys).
  void keepOnly(BitVector Read) { ReadKeys = std::move(Read); }

  /// Puts \p V under \p Key; returns whether it was kept.
  bool put(uint64_t Key, Value *V) {
    if (ReadKeys && (Key >= ReadKeys->size() || !ReadKeys->test(Key))) {
      // Never read: only MEMOIZE's count can tell it was put (and a plain
      // pickle memoizes each key once).
      ++Count;
      return false;
    }
    if (Key < Dense.size()) {
      if (!Dense[Key] && !Sparse.erase(Key))
        ++Count;
      Dense[Key] = V;
    } else if (Key == Dense.size()) {
      if (!Sparse.erase(Key))
        ++Count;
      Dense.push_back(V);
    } else {
      auto [It, New] = Sparse.try_emplace(Key, V);
      if (New)
        ++Count;
      else
        It->second = V;
    }
    return true;
  }
  /// The value put under \p Key, or null.
  Value *get(uint64_t Key) const {
    if (Key < Dense.size() && Dense[Key])
      return Dense[Key];
    return Sparse.lookup(Key);
  }
  /// The number of keys put (what MEMOIZE uses as the next key).
  uint64_t size() const { return Count; }

private:
  std::vector<Value *> Dense;
  DenseMap<uint64_t, Value *> Sparse;
  uint64_t Count = 0;
  std::optional<BitVector> ReadKeys;
};

class Machine {
public:
  Machine(Checkpoint &C, StringRef Bytes, uint64_t Base, PersistentLoadFn PL,
          const UnpicklerLimits &Limits, UnpickleObserver *Obs,
          ReduceHookFn Hook)
      : C(C), In(Bytes, Base), PL(PL), Limits(Limits), Obs(Obs), Hook(Hook) {}

  Expected<UnpickleResult> run();
  /// Keeps only these memo keys (findReadMemoKeys).
  void keepMemoKeys(BitVector Read) { Memo.keepOnly(std::move(Read)); }

private:
  Error step(const OpcodeInfo &Info, uint64_t OpOffset, bool &Stopped);

  Error push(Value *V) {
    if (Stack.size() >= Limits.MaxStack)
      return decodeError(CurOffset, "pickle stack exceeds {0} entries",
                         Limits.MaxStack);
    Stack.push_back(V);
    return Error::success();
  }
  size_t markBase() const { return Marks.empty() ? 0 : Marks.back(); }
  Expected<Value *> pop() {
    if (Stack.size() <= markBase())
      return decodeError(CurOffset, "{0} pops an empty stack", CurName);
    Value *V = Stack.back();
    Stack.pop_back();
    return V;
  }
  Expected<Value *> top() {
    if (Stack.size() <= markBase())
      return decodeError(CurOffset, "{0} needs a value on the stack", CurName);
    return Stack.back();
  }
  /// Pops everything above the last MARK, and the mark.
  Expected<SmallVector<Value *, 8>> popMark() {
    if (Marks.empty())
      return decodeError(CurOffset, "{0} without a preceding MARK", CurName);
    size_t B = Marks.back();
    Marks.pop_back();
    SmallVector<Value *, 8> Items(Stack.begin() + B, Stack.end());
    Stack.resize(B);
    return Items;
  }

  /// Depth bookkeeping: containers record the depth of what they contain
  /// in their build scratch (Value::getBuildDepth); a container that gains
  /// depth after it was nested makes the result's bound inexact.
  Error noteChild(Value *Parent, Value *Child) {
    unsigned D = Child->getBuildDepth() + 1;
    Child->setBuildNested();
    if (Child == Parent) // A cycle of one; longer ones show as growth.
      Result.DepthBounded = false;
    if (D > Parent->getBuildDepth()) {
      if (D > Limits.MaxDepth)
        return decodeError(CurOffset,
                           "objects nested deeper than {0} levels (limit)",
                           Limits.MaxDepth);
      Parent->setBuildDepth(D);
      if (Parent->isBuildNested())
        Result.DepthBounded = false;
    }
    return Error::success();
  }
  Error noteChildren(Value *Parent, ArrayRef<Value *> Children) {
    for (Value *Ch : Children)
      if (Error E = noteChild(Parent, Ch))
        return E;
    return Error::success();
  }

  Error memoPut(uint64_t Key) {
    auto V = top();
    if (!V)
      return V.takeError();
    if (Memo.put(Key, *V))
      (*V)->setBuildShared();
    return Error::success();
  }
  Error memoGet(uint64_t Key) {
    Value *V = Memo.get(Key);
    if (!V)
      return decodeError(CurOffset, "{0} of memo key {1}, which was never put",
                         CurName, Key);
    return push(V);
  }

  /// Fails with a ReduceHookConflict if \p Target is a node the reduce hook
  /// built (a typed node: nothing else in a pickle makes one).
  Error checkMutable(const Value *Target) {
    if (Hook && (isa<TensorValue>(Target) || isa<ParameterValue>(Target)))
      return make_error<ReduceHookConflict>(CurOffset);
    return Error::success();
  }

  /// \p Operand was consumed to build \p Result (a persistent load, a
  /// call the reduce hook built): releases whatever part of it nothing else
  /// holds, so that millions of tensors leave no garbage behind. Not while
  /// an observer watches (it may keep what it saw).
  void releaseDropped(Value *Operand, Value *Result) {
    if (Obs || Operand == Result)
      return;
    SmallVector<Value *, 8> Kept{Result};
    forEachChild(Result, [&](Value *Ch) { Kept.push_back(Ch); });
    C.releaseUnshared(Operand, Kept);
  }

  Error appendTo(Value *Target, ArrayRef<Value *> Items);
  Error setItemsOn(Value *Target, ArrayRef<Value *> KVs);

  Checkpoint &C;
  Cursor In;
  PersistentLoadFn PL;
  const UnpicklerLimits &Limits;
  UnpickleObserver *Obs;
  ReduceHookFn Hook;
  std::vector<Value *> Stack;
  std::vector<size_t> Marks;
  MemoTable Memo;
  unsigned Protocol = 0;
  uint64_t CurOffset = 0;
  /// Opcodes run since the heap was last checked against the limit.
  static constexpr unsigned MemoryCheckInterval = 4096;
  unsigned OpsSinceMemoryCheck = 0;
  StringRef CurName;
  UnpickleResult Result;
};

Expected<UnpickleResult> Machine::run() {
  bool Stopped = false;
  while (!Stopped) {
    uint64_t OpPos = In.tell();
    CurOffset = In.absolute(OpPos);
    if (In.atEnd())
      return decodeError(CurOffset,
                         "truncated pickle: reached the end of the data "
                         "before STOP");
    auto B = In.take(1, "opcode");
    if (!B)
      return B.takeError();
    uint8_t Byte = (*B)[0];
    const OpcodeInfo *Info = lookupOpcode(Byte);
    if (!Info)
      return decodeError(CurOffset, "invalid pickle opcode 0x{0}",
                         utohexstr(Byte, /*LowerCase=*/true, 2));
    CurName = Info->Name;
    if (Obs)
      Obs->onOpcode(*Info, CurOffset);
    if (Error E = step(*Info, OpPos, Stopped))
      return E;
    // The heap is looked at every few thousand opcodes and after any opcode
    // that carried a large argument: between two looks it grows by at most
    // a few hundred KiB (plus the argument's copy).
    if (++OpsSinceMemoryCheck == MemoryCheckInterval ||
        In.tell() - OpPos > (uint64_t(1) << 20)) {
      OpsSinceMemoryCheck = 0;
      if (uint64_t Limit = C.getMemoryLimit())
        if (getHeapBytesInUse() > Limit)
          return decodeError(
              CurOffset,
              "the pickle's objects need more than {0} MiB of memory, the "
              "limit for this input (-memory-limit=SIZE changes it)",
              Limit >> 20);
    }
  }
  Result.Protocol = Protocol;
  Result.End = In.tell();
  return Result;
}

Error Machine::appendTo(Value *Target, ArrayRef<Value *> Items) {
  if (Error E = checkMutable(Target))
    return E;
  if (auto *L = dyn_cast<ListValue>(Target)) {
    L->getElements().append(Items.begin(), Items.end());
  } else if (auto *O = dyn_cast<ObjectValue>(Target)) {
    O->getListItems().append(Items.begin(), Items.end());
  } else {
    return decodeError(CurOffset, "{0} to a {1}, which is not a list",
                       CurName, kindName(Target));
  }
  return noteChildren(Target, Items);
}

Error Machine::setItemsOn(Value *Target, ArrayRef<Value *> KVs) {
  if (Error E = checkMutable(Target))
    return E;
  if (KVs.size() % 2)
    return decodeError(CurOffset, "{0} with an odd number of items", CurName);
  if (auto *D = dyn_cast<DictValue>(Target)) {
    for (size_t I = 0; I < KVs.size(); I += 2)
      D->set(KVs[I], KVs[I + 1]);
  } else if (auto *O = dyn_cast<ObjectValue>(Target)) {
    for (size_t I = 0; I < KVs.size(); I += 2)
      O->getDictItems().push_back({KVs[I], KVs[I + 1]});
  } else {
    return decodeError(CurOffset, "{0} on a {1}, which is not a dict", CurName,
                       kindName(Target));
  }
  return noteChildren(Target, KVs);
}

Error Machine::step(const OpcodeInfo &Info, uint64_t OpPos, bool &Stopped) {
  auto Str = [&](StringRef S) -> Value * {
    return C.create<StrValue>(S.str());
  };
  auto ReadLen = [&](ArgKind K) -> Expected<uint64_t> {
    switch (K) {
    case ArgKind::String1: {
      auto N = In.readLE<uint8_t>(CurName);
      if (!N)
        return N.takeError();
      return *N;
    }
    case ArgKind::String4: {
      auto N = In.readLE<uint32_t>(CurName);
      if (!N)
        return N.takeError();
      return *N;
    }
    case ArgKind::String4Signed: {
      auto N = In.readLE<int32_t>(CurName);
      if (!N)
        return N.takeError();
      if (*N < 0)
        return decodeError(CurOffset, "{0} with negative length {1}", CurName,
                           *N);
      return uint64_t(*N);
    }
    default: {
      auto N = In.readLE<uint64_t>(CurName);
      if (!N)
        return N.takeError();
      return *N;
    }
    }
  };
  auto ReadCounted = [&](ArgKind K) -> Expected<StringRef> {
    auto N = ReadLen(K);
    if (!N)
      return N.takeError();
    return In.take(*N, CurName);
  };

  switch (Info.Op) {
  // Integers.
  case Opcode::Int: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    if (*L == "00" || *L == "01")
      return push(C.getBool(*L == "01"));
    auto V = makeIntFromDecimal(C, *L, CurOffset);
    if (!V)
      return V.takeError();
    return push(*V);
  }
  case Opcode::BinInt: {
    auto V = In.readLE<int32_t>(CurName);
    if (!V)
      return V.takeError();
    return push(C.create<IntValue>(*V));
  }
  case Opcode::BinInt1: {
    auto V = In.readLE<uint8_t>(CurName);
    if (!V)
      return V.takeError();
    return push(C.create<IntValue>(*V));
  }
  case Opcode::BinInt2: {
    auto V = In.readLE<uint16_t>(CurName);
    if (!V)
      return V.takeError();
    return push(C.create<IntValue>(*V));
  }
  case Opcode::Long: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    StringRef T = *L;
    if (T.ends_with("L"))
      T = T.drop_back();
    auto V = makeIntFromDecimal(C, T, CurOffset);
    if (!V)
      return V.takeError();
    return push(*V);
  }
  case Opcode::Long1:
  case Opcode::Long4: {
    uint64_t N;
    if (Info.Op == Opcode::Long1) {
      auto L = In.readLE<uint8_t>(CurName);
      if (!L)
        return L.takeError();
      N = *L;
    } else {
      auto L = In.readLE<int32_t>(CurName);
      if (!L)
        return L.takeError();
      if (*L < 0)
        return decodeError(CurOffset, "LONG4 with negative length {0}", *L);
      N = *L;
    }
    auto B = In.take(N, CurName);
    if (!B)
      return B.takeError();
    // An APInt's width is an unsigned count of bits.
    if (N > MaxLongBytes)
      return decodeError(CurOffset,
                         "LONG4 integer of {0} bytes exceeds the limit of {1} "
                         "bytes",
                         N, MaxLongBytes);
    return push(makeIntFromLE(C, *B));
  }
  // Strings.
  case Opcode::String: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    auto S = decodeStringLiteral(L->rtrim("\r"), CurOffset);
    if (!S)
      return S.takeError();
    return push(C.create<Py2StrValue>(std::move(*S)));
  }
  case Opcode::BinString:
  case Opcode::ShortBinString: {
    auto S = ReadCounted(Info.Arg);
    if (!S)
      return S.takeError();
    return push(C.create<Py2StrValue>(S->str()));
  }
  case Opcode::BinBytes:
  case Opcode::ShortBinBytes:
  case Opcode::BinBytes8: {
    auto S = ReadCounted(Info.Arg);
    if (!S)
      return S.takeError();
    return push(C.create<BytesValue>(S->str()));
  }
  case Opcode::ByteArray8: {
    auto S = ReadCounted(Info.Arg);
    if (!S)
      return S.takeError();
    return push(C.create<ByteArrayValue>(S->str()));
  }
  case Opcode::NextBuffer:
  case Opcode::ReadOnlyBuffer:
    return decodeError(CurOffset,
                       "{0}: out-of-band buffers (pickle protocol 5) are not "
                       "part of any checkpoint format",
                       CurName);
  case Opcode::Unicode: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    auto S = decodeRawUnicodeEscape(*L, CurOffset);
    if (!S)
      return S.takeError();
    return push(C.create<StrValue>(std::move(*S)));
  }
  case Opcode::ShortBinUnicode:
  case Opcode::BinUnicode:
  case Opcode::BinUnicode8: {
    auto S = ReadCounted(Info.Arg);
    if (!S)
      return S.takeError();
    return push(Str(*S));
  }
  // Constants and floats.
  case Opcode::None:
    return push(C.getNone());
  case Opcode::NewTrue:
    return push(C.getBool(true));
  case Opcode::NewFalse:
    return push(C.getBool(false));
  case Opcode::Float: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    StringRef T = L->trim();
    double D;
    if (T == "inf" || T == "+inf")
      D = HUGE_VAL;
    else if (T == "-inf")
      D = -HUGE_VAL;
    else if (T == "nan" || T == "-nan")
      D = std::nan("");
    else if (T.getAsDouble(D, /*AllowInexact=*/true))
      return decodeError(CurOffset, "FLOAT argument '{0}' is not a number", T);
    return push(C.create<FloatValue>(D));
  }
  case Opcode::BinFloat: {
    auto B = In.take(8, CurName);
    if (!B)
      return B.takeError();
    uint64_t U =
        support::endian::read<uint64_t, llvm::endianness::big>(B->data());
    double D;
    std::memcpy(&D, &U, sizeof(D));
    return push(C.create<FloatValue>(D));
  }
  // Containers.
  case Opcode::EmptyList:
    return push(C.create<ListValue>());
  case Opcode::Append: {
    auto V = pop();
    if (!V)
      return V.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    return appendTo(*T, *V);
  }
  case Opcode::Appends: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    return appendTo(*T, *Items);
  }
  case Opcode::List: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto *L = C.create<ListValue>(*Items);
    if (Error E = noteChildren(L, *Items))
      return E;
    return push(L);
  }
  case Opcode::EmptyTuple:
    return push(C.create<TupleValue>());
  case Opcode::Tuple: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto *T = C.create<TupleValue>(*Items);
    if (Error E = noteChildren(T, *Items))
      return E;
    return push(T);
  }
  case Opcode::Tuple1:
  case Opcode::Tuple2:
  case Opcode::Tuple3: {
    unsigned N = Info.Op == Opcode::Tuple1   ? 1
                 : Info.Op == Opcode::Tuple2 ? 2
                                             : 3;
    SmallVector<Value *, 3> Items(N);
    for (unsigned I = N; I-- > 0;) {
      auto V = pop();
      if (!V)
        return V.takeError();
      Items[I] = *V;
    }
    auto *T = C.create<TupleValue>(Items);
    if (Error E = noteChildren(T, Items))
      return E;
    return push(T);
  }
  case Opcode::EmptyDict:
    return push(C.create<DictValue>());
  case Opcode::Dict: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto *D = C.create<DictValue>();
    if (Error E = setItemsOn(D, *Items))
      return E;
    return push(D);
  }
  case Opcode::SetItem: {
    auto V = pop();
    if (!V)
      return V.takeError();
    auto K = pop();
    if (!K)
      return K.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    Value *KV[] = {*K, *V};
    return setItemsOn(*T, KV);
  }
  case Opcode::SetItems: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    return setItemsOn(*T, *Items);
  }
  case Opcode::EmptySet:
    return push(C.create<SetValue>());
  case Opcode::AddItems: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    auto *S = dyn_cast<SetValue>(*T);
    if (!S)
      return decodeError(CurOffset, "ADDITEMS to a {0}, which is not a set",
                         kindName(*T));
    S->getElements().append(Items->begin(), Items->end());
    return noteChildren(S, *Items);
  }
  case Opcode::FrozenSet: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto *S = C.create<FrozenSetValue>(*Items);
    if (Error E = noteChildren(S, *Items))
      return E;
    return push(S);
  }
  // Stack manipulation.
  case Opcode::Pop:
    if (Stack.size() > markBase()) {
      Stack.pop_back();
      return Error::success();
    }
    if (!Marks.empty()) {
      Marks.pop_back();
      return Error::success();
    }
    return decodeError(CurOffset, "POP on an empty stack");
  case Opcode::Dup: {
    auto V = top();
    if (!V)
      return V.takeError();
    (*V)->setBuildShared();
    return push(*V);
  }
  case Opcode::Mark:
    if (Marks.size() >= Limits.MaxStack)
      return decodeError(CurOffset, "too many nested MARKs");
    Marks.push_back(Stack.size());
    return Error::success();
  case Opcode::PopMark: {
    auto Items = popMark();
    return Items ? Error::success() : Items.takeError();
  }
  // Memo.
  case Opcode::Get:
  case Opcode::Put: {
    auto L = In.line(CurName);
    if (!L)
      return L.takeError();
    uint64_t Key;
    if (L->trim().getAsInteger(10, Key))
      return decodeError(CurOffset, "{0} argument '{1}' is not a memo key",
                         CurName, *L);
    return Info.Op == Opcode::Get ? memoGet(Key) : memoPut(Key);
  }
  case Opcode::BinGet:
  case Opcode::BinPut: {
    auto K = In.readLE<uint8_t>(CurName);
    if (!K)
      return K.takeError();
    return Info.Op == Opcode::BinGet ? memoGet(*K) : memoPut(*K);
  }
  case Opcode::LongBinGet:
  case Opcode::LongBinPut: {
    auto K = In.readLE<uint32_t>(CurName);
    if (!K)
      return K.takeError();
    return Info.Op == Opcode::LongBinGet ? memoGet(*K) : memoPut(*K);
  }
  case Opcode::Memoize:
    return memoPut(Memo.size());
  // Extension registry.
  case Opcode::Ext1:
  case Opcode::Ext2:
  case Opcode::Ext4: {
    int32_t Code;
    if (Info.Op == Opcode::Ext1) {
      auto V = In.readLE<uint8_t>(CurName);
      if (!V)
        return V.takeError();
      Code = *V;
    } else if (Info.Op == Opcode::Ext2) {
      auto V = In.readLE<uint16_t>(CurName);
      if (!V)
        return V.takeError();
      Code = *V;
    } else {
      auto V = In.readLE<int32_t>(CurName);
      if (!V)
        return V.takeError();
      Code = *V;
    }
    return push(C.create<ExtensionValue>(Code));
  }
  // Objects.
  case Opcode::Global:
  case Opcode::Inst: {
    auto Mod = In.line(CurName);
    if (!Mod)
      return Mod.takeError();
    auto Name = In.line(CurName);
    if (!Name)
      return Name.takeError();
    auto *G = C.create<GlobalValue>(Mod->str(), Name->str());
    if (Obs)
      Obs->onGlobal(*G, CurOffset);
    if (Info.Op == Opcode::Global)
      return push(G);
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    auto *Args = C.create<TupleValue>(*Items);
    auto *O = C.create<ObjectValue>(ObjectValue::Form::Inst, G, Args);
    if (Obs)
      Obs->onCall(*O, CurOffset);
    if (Error E = noteChildren(O, *Items))
      return E;
    return push(O);
  }
  case Opcode::StackGlobal: {
    auto Name = pop();
    if (!Name)
      return Name.takeError();
    auto Mod = pop();
    if (!Mod)
      return Mod.takeError();
    auto *M = dyn_cast<StrValue>(*Mod);
    auto *N = dyn_cast<StrValue>(*Name);
    if (!M || !N)
      return decodeError(CurOffset,
                         "STACK_GLOBAL needs two str values, got {0} and {1}",
                         kindName(*Mod), kindName(*Name));
    // The strings may come from the memo, named by any number of
    // STACK_GLOBALs: each copy is bounded (no importable module or class
    // has such a name, so torch.load could not load the file either).
    if (M->getValue().size() + N->getValue().size() > MaxGlobalNameBytes)
      return decodeError(CurOffset,
                         "STACK_GLOBAL names a global of {0} bytes, beyond "
                         "the limit of {1} (no importable name is that long)",
                         M->getValue().size() + N->getValue().size(),
                         MaxGlobalNameBytes);
    auto *G = C.create<GlobalValue>(M->getValue().str(), N->getValue().str());
    if (Obs)
      Obs->onGlobal(*G, CurOffset);
    return push(G);
  }
  case Opcode::Reduce:
  case Opcode::NewObj: {
    auto Args = pop();
    if (!Args)
      return Args.takeError();
    auto Callable = pop();
    if (!Callable)
      return Callable.takeError();
    auto *T = dyn_cast<TupleValue>(*Args);
    if (!T)
      return decodeError(CurOffset, "{0} arguments must be a tuple, got a {1}",
                         CurName, kindName(*Args));
    if (Hook && Info.Op == Opcode::Reduce)
      if (Value *V = Hook(*Callable, T)) {
        if (Obs) {
          ObjectValue Call(ObjectValue::Form::Reduce, *Callable, T);
          Obs->onCall(Call, CurOffset);
        }
        if (Error E = noteChild(V, T))
          return E;
        releaseDropped(T, V);
        releaseDropped(*Callable, V);
        return push(V);
      }
    auto *O = C.create<ObjectValue>(Info.Op == Opcode::Reduce
                                        ? ObjectValue::Form::Reduce
                                        : ObjectValue::Form::NewObj,
                                    *Callable, T);
    if (Obs)
      Obs->onCall(*O, CurOffset);
    if (Error E = noteChild(O, T))
      return E;
    return push(O);
  }
  case Opcode::NewObjEx: {
    auto Kw = pop();
    if (!Kw)
      return Kw.takeError();
    auto Args = pop();
    if (!Args)
      return Args.takeError();
    auto Cls = pop();
    if (!Cls)
      return Cls.takeError();
    auto *T = dyn_cast<TupleValue>(*Args);
    if (!T)
      return decodeError(CurOffset, "NEWOBJ_EX arguments must be a tuple");
    auto *O =
        C.create<ObjectValue>(ObjectValue::Form::NewObjEx, *Cls, T, *Kw);
    if (Obs)
      Obs->onCall(*O, CurOffset);
    Value *Ch[] = {T, *Kw};
    if (Error E = noteChildren(O, Ch))
      return E;
    return push(O);
  }
  case Opcode::Obj: {
    auto Items = popMark();
    if (!Items)
      return Items.takeError();
    if (Items->empty())
      return decodeError(CurOffset, "OBJ without a class");
    auto *Args =
        C.create<TupleValue>(ArrayRef<Value *>(*Items).drop_front());
    auto *O = C.create<ObjectValue>(ObjectValue::Form::Obj, Items->front(),
                                    Args);
    if (Obs)
      Obs->onCall(*O, CurOffset);
    if (Error E = noteChildren(O, *Items))
      return E;
    return push(O);
  }
  case Opcode::Build: {
    auto State = pop();
    if (!State)
      return State.takeError();
    auto T = top();
    if (!T)
      return T.takeError();
    if (Obs)
      Obs->onBuild(**T, **State, CurOffset);
    if (Error E = checkMutable(*T))
      return E;
    auto *O = dyn_cast<ObjectValue>(*T);
    if (!O)
      return decodeError(CurOffset,
                         "BUILD on a {0}; only objects created by the pickle "
                         "can receive state",
                         kindName(*T));
    O->getStates().push_back(*State);
    return noteChild(O, *State);
  }
  // Machine control.
  case Opcode::Proto: {
    auto V = In.readLE<uint8_t>(CurName);
    if (!V)
      return V.takeError();
    if (*V > HighestProtocol)
      return decodeError(CurOffset, "unsupported pickle protocol {0}", *V);
    Protocol = *V;
    return Error::success();
  }
  case Opcode::Frame: {
    auto V = In.readLE<uint64_t>(CurName);
    if (!V)
      return V.takeError();
    // Python reads the whole frame first: a frame past the end is truncated.
    if (*V > In.remaining())
      return decodeError(CurOffset,
                         "truncated pickle: FRAME announces {0} bytes, {1} "
                         "left",
                         *V, In.remaining());
    return Error::success();
  }
  case Opcode::Stop: {
    auto V = pop();
    if (!V)
      return V.takeError();
    Result.Root = *V;
    Stopped = true;
    return Error::success();
  }
  // Persistent ids.
  case Opcode::PersId:
  case Opcode::BinPersId: {
    Value *Pid;
    if (Info.Op == Opcode::PersId) {
      auto L = In.line(CurName);
      if (!L)
        return L.takeError();
      Pid = Str(*L);
    } else {
      auto V = pop();
      if (!V)
        return V.takeError();
      Pid = *V;
    }
    if (Obs)
      Obs->onPersistentLoad(*Pid, CurOffset);
    if (!PL)
      return push(C.create<PersistentRefValue>(Pid));
    auto R = PL(Pid, CurOffset);
    if (!R)
      return R.takeError();
    releaseDropped(Pid, *R);
    return push(*R);
  }
  }
  llvm_unreachable("opcode table and switch disagree");
}

} // namespace

Expected<UnpickleResult>
ckpt::pickle::unpickle(Checkpoint &C, StringRef Bytes, uint64_t BaseOffset,
                       PersistentLoadFn PL, const UnpicklerLimits &Limits,
                       UnpickleObserver *Observer, ReduceHookFn ReduceHook) {
  Machine M(C, Bytes, BaseOffset, PL, Limits, Observer, ReduceHook);
  if (std::optional<BitVector> Read = findReadMemoKeys(Bytes))
    M.keepMemoKeys(std::move(*Read));
  return M.run();
}

UnpickleObserver::~UnpickleObserver() = default;

char ckpt::pickle::ReduceHookConflict::ID = 0;

void ckpt::pickle::ReduceHookConflict::log(raw_ostream &OS) const {
  OS << "offset " << Offset
     << ": the pickle mutates a value that was lowered while unpickling";
}

std::error_code ckpt::pickle::ReduceHookConflict::convertToErrorCode() const {
  return inconvertibleErrorCode();
}
