//===- Printer.cpp - Textual form of the checkpoint IR --------------------===//
//
// Part of ckpt-migrate. See docs/IR.md for the grammar; the parser in
// lib/IR/Parser.cpp reads exactly what this prints.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Printer.h"
#include "Lexer.h"
#include "PrinterInternals.h"
#include "ckpt/IR/Checkpoint.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/xxhash.h"
#include <charconv>
#include <cmath>

using namespace llvm;

namespace ckpt {

uint64_t checksumBytes(StringRef Bytes) {
  return xxh3_64bits(arrayRefFromStringRef(Bytes));
}

namespace {

/// Prints \p S quoted, escaping what is not printable ASCII or UTF-8 text
/// (when \p AllowUTF8).
void printQuoted(raw_ostream &OS, StringRef S, bool AllowUTF8) {
  OS << '"';
  for (unsigned char C : S) {
    switch (C) {
    case '\\':
      OS << "\\\\";
      continue;
    case '"':
      OS << "\\\"";
      continue;
    case '\n':
      OS << "\\n";
      continue;
    case '\t':
      OS << "\\t";
      continue;
    case '\r':
      OS << "\\r";
      continue;
    default:
      break;
    }
    if (C < 0x20 || C == 0x7f || (C >= 0x80 && !AllowUTF8))
      OS << "\\x" << hexdigit(C >> 4, true) << hexdigit(C & 15, true);
    else
      OS << C;
  }
  OS << '"';
}

/// Prints a name that is an identifier as is, anything else quoted.
void printName(raw_ostream &OS, StringRef S) {
  if (!S.empty() && all_of(S, ir::isIdentChar) && !isDigit(S[0]))
    OS << S;
  else
    printQuoted(OS, S, /*AllowUTF8=*/true);
}

/// Prints an int of any size: in decimal up to 4096 bits, in hex beyond
/// (`-0x1f...`), which takes linear time where decimal would take minutes for
/// the million-digit ints a hostile pickle can hold. The hex digits go
/// straight to \p OS: a 100 MB int is not copied to a string first.
void printBigInt(raw_ostream &OS, const APInt &V) {
  constexpr unsigned MaxDecimalBits = 4096;
  if (V.getBitWidth() <= MaxDecimalBits) {
    OS << toString(V, 10, /*Signed=*/true);
    return;
  }
  // Digits of the magnitude, negated word by word as they are read (no
  // negated copy is made).
  bool Neg = V.isNegative();
  const uint64_t *Raw = V.getRawData();
  unsigned NumWords = V.getNumWords();
  unsigned TopBits = V.getBitWidth() - 64 * (NumWords - 1);
  OS << (Neg ? "-0x" : "0x");
  bool Leading = true;
  char Buf[16];
  // Only the lowest nonzero word decides carries: find it once.
  unsigned FirstNonZero = 0;
  while (FirstNonZero < NumWords && Raw[FirstNonZero] == 0)
    ++FirstNonZero;
  for (unsigned W = NumWords; W-- > 0;) {
    uint64_t X = Raw[W];
    if (W == NumWords - 1 && TopBits < 64)
      X = uint64_t(SignExtend64(X, TopBits));
    if (Neg) // -V = ~V + 1: the carry stops at the lowest nonzero word.
      X = W < FirstNonZero ? 0 : ~X + (W == FirstNonZero ? 1 : 0);
    unsigned N = 0;
    for (int Shift = 60; Shift >= 0; Shift -= 4) {
      unsigned Digit = (X >> Shift) & 15;
      if (Leading && Digit == 0)
        continue;
      Leading = false;
      Buf[N++] = hexdigit(Digit, /*LowerCase=*/true);
    }
    OS.write(Buf, N);
  }
  if (Leading)
    OS << '0';
}

} // namespace

std::string bigIntText(const APInt &V) {
  std::string S;
  raw_string_ostream OS(S);
  printBigInt(OS, V);
  return S;
}

namespace {

void printFloat(raw_ostream &OS, double D) {
  if (std::isnan(D)) {
    OS << (std::signbit(D) ? "-nan" : "nan");
    return;
  }
  if (std::isinf(D)) {
    OS << (D < 0 ? "-inf" : "inf");
    return;
  }
  char Buf[64];
  auto R = std::to_chars(Buf, Buf + sizeof(Buf), D);
  StringRef S(Buf, R.ptr - Buf);
  OS << S;
  if (S.find_first_of(".en") == StringRef::npos)
    OS << ".0";
}

void printShape(raw_ostream &OS, ArrayRef<int64_t> V) {
  OS << '[';
  ListSeparator LS(", ");
  for (int64_t X : V)
    OS << LS << X;
  OS << ']';
}

class IRPrinter {
public:
  IRPrinter(raw_ostream &OS, const Checkpoint &C, const PrintOptions &Opts)
      : OS(OS), C(C), Opts(Opts) {}

  void print();

private:
  void countUses(Value *Root);
  bool needsLabel(const Value *V) const {
    auto It = Uses.find(V);
    return It != Uses.end() && It->second > 1;
  }
  bool isAtom(const Value *V) const {
    return V->isScalar() || isa<GlobalValue>(V) || isa<StorageValue>(V) ||
           isa<ExtensionValue>(V) || isEmptyOrderedDict(V) ||
           (Labels.count(V) && !Printing.count(V)) || Printing.count(V);
  }

  void printValue(const Value *V, unsigned Indent);
  /// Prints a value that a keyword clause may follow (a callable, a build
  /// state, ...): an object with trailing clauses of its own is grouped in
  /// parentheses so that the outer clauses cannot attach to it.
  void printOperand(const Value *V, unsigned Indent);
  void printBody(const Value *V, unsigned Indent);
  void printSequence(StringRef Open, StringRef Close,
                     ArrayRef<Value *> Elements, unsigned Indent);
  void printMapping(ArrayRef<DictItem> Items, unsigned Indent);
  void printTensor(const TensorValue *T, unsigned Indent);
  void printStorageDecl(const StorageValue *S);
  void newline(unsigned Indent) {
    OS << '\n';
    OS.indent(Indent * 2);
  }

  raw_ostream &OS;
  const Checkpoint &C;
  const PrintOptions &Opts;
  DenseMap<const Value *, unsigned> Uses;
  DenseSet<Value *> Seen;
  DenseMap<const Value *, unsigned> Labels;
  DenseSet<const Value *> Printing;
  DenseMap<const StorageValue *, unsigned> StorageIds;
  unsigned NextLabel = 0;
};

void IRPrinter::countUses(Value *Root) {
  // Accumulates over the header values and the root, so that a node shared
  // between them is labelled too.
  SmallVector<Value *, 64> Work;
  if (Root->isScalar() || isa<StorageValue>(Root) || isa<GlobalValue>(Root))
    return;
  if (Uses[Root]++ || !Seen.insert(Root).second)
    return;
  Work.push_back(Root);
  while (!Work.empty()) {
    Value *V = Work.pop_back_val();
    forEachChild(V, [&](Value *Ch) {
      // Scalars and globals are values, not objects with identity.
      if (Ch->isScalar() || isa<StorageValue>(Ch) || isa<GlobalValue>(Ch))
        return;
      ++Uses[Ch];
      if (Seen.insert(Ch).second)
        Work.push_back(Ch);
    });
  }
}

void IRPrinter::printSequence(StringRef Open, StringRef Close,
                              ArrayRef<Value *> Elements, unsigned Indent) {
  OS << Open;
  bool Multi = any_of(Elements, [&](Value *E) { return !isAtom(E); });
  if (!Multi) {
    ListSeparator LS(", ");
    for (Value *E : Elements) {
      OS << LS;
      printValue(E, Indent);
    }
    if (Open == "(" && Elements.size() == 1)
      OS << ',';
    OS << Close;
    return;
  }
  for (Value *E : Elements) {
    newline(Indent + 1);
    printValue(E, Indent + 1);
    OS << ',';
  }
  newline(Indent);
  OS << Close;
}

void IRPrinter::printMapping(ArrayRef<DictItem> Items, unsigned Indent) {
  OS << '{';
  bool Multi = any_of(Items, [&](const DictItem &It) {
    return !isAtom(It.first) || !isAtom(It.second);
  });
  if (!Multi) {
    ListSeparator LS(", ");
    for (const DictItem &It : Items) {
      OS << LS;
      printValue(It.first, Indent);
      OS << ": ";
      printValue(It.second, Indent);
    }
    OS << '}';
    return;
  }
  for (const DictItem &It : Items) {
    newline(Indent + 1);
    printValue(It.first, Indent + 1);
    OS << ": ";
    printValue(It.second, Indent + 1);
    OS << ',';
  }
  newline(Indent);
  OS << '}';
}

void IRPrinter::printValue(const Value *V, unsigned Indent) {
  if (auto *S = dyn_cast<StorageValue>(V)) {
    OS << "%s" << StorageIds.lookup(S);
    return;
  }
  if (!V->isScalar() && !isa<GlobalValue>(V)) {
    auto It = Labels.find(V);
    if (It != Labels.end()) {
      OS << "%v" << It->second;
      return;
    }
    if (needsLabel(V)) {
      unsigned L = NextLabel++;
      Labels[V] = L;
      OS << "%v" << L << " = ";
    }
  }
  Printing.insert(V);
  printBody(V, Indent);
  Printing.erase(V);
}

void IRPrinter::printOperand(const Value *V, unsigned Indent) {
  auto *O = dyn_cast<ObjectValue>(V);
  bool Group = O && !Labels.count(O) &&
               (O->getKwargs() || !O->listItems().empty() ||
                !O->dictItems().empty() || !O->states().empty());
  if (Group)
    OS << '(';
  printValue(V, Indent);
  if (Group)
    OS << ')';
}

void IRPrinter::printTensor(const TensorValue *T, unsigned Indent) {
  switch (T->getForm()) {
  case TensorValue::Form::RebuildTensor:
    OS << "tensor_v1 ";
    break;
  case TensorValue::Form::RebuildTensorV2:
    OS << "tensor ";
    break;
  case TensorValue::Form::RebuildTensorV3:
    OS << "tensor_v3 ";
    break;
  case TensorValue::Form::RebuildQTensor:
    OS << "qtensor ";
    break;
  case TensorValue::Form::TensorClassState:
    OS << "tensor_class ";
    break;
  }
  OS << "%s" << StorageIds.lookup(T->getStorage()) << ' '
     << getDTypeIRName(T->getDType());
  printShape(OS, T->getSizes());
  OS << " stride ";
  printShape(OS, T->getStrides());
  if (T->getOffset())
    OS << " offset " << T->getOffset();
  if (T->getRequiresGrad())
    OS << " requires_grad";
  bool HooksExpected = T->getForm() != TensorValue::Form::RebuildTensor &&
                       T->getForm() != TensorValue::Form::TensorClassState;
  if (HooksExpected && T->getHooks() && !isEmptyOrderedDict(T->getHooks())) {
    OS << " hooks ";
    printOperand(T->getHooks(), Indent);
  }
  if (T->getQuantizer()) {
    OS << " quantizer ";
    printOperand(T->getQuantizer(), Indent);
  }
  if (T->getMetadata()) {
    OS << " metadata ";
    printOperand(T->getMetadata(), Indent);
  }
  if (T->getSubclass()) {
    OS << " subclass ";
    printOperand(T->getSubclass(), Indent);
    if (auto *W = dyn_cast<GlobalValue>(T->getSubclassWrapper());
        !W || !W->is("torch._tensor", "_rebuild_from_type_v2")) {
      OS << " wrapper ";
      printOperand(T->getSubclassWrapper(), Indent);
    }
    OS << " state ";
    printOperand(T->getSubclassState(), Indent);
  }
}

void IRPrinter::printBody(const Value *V, unsigned Indent) {
  switch (V->getKind()) {
  case Value::Kind::None:
    OS << "None";
    return;
  case Value::Kind::Bool:
    OS << (cast<BoolValue>(V)->getValue() ? "True" : "False");
    return;
  case Value::Kind::Int:
    OS << cast<IntValue>(V)->getValue();
    return;
  case Value::Kind::BigInt:
    printBigInt(OS, cast<BigIntValue>(V)->getValue());
    return;
  case Value::Kind::Float:
    printFloat(OS, cast<FloatValue>(V)->getValue());
    return;
  case Value::Kind::Complex:
    OS << "complex(";
    printFloat(OS, cast<ComplexValue>(V)->getReal());
    OS << ", ";
    printFloat(OS, cast<ComplexValue>(V)->getImag());
    OS << ')';
    return;
  case Value::Kind::Str:
    printQuoted(OS, cast<StrValue>(V)->getValue(), /*AllowUTF8=*/true);
    return;
  case Value::Kind::Bytes:
    OS << 'b';
    printQuoted(OS, cast<BytesValue>(V)->getValue(), false);
    return;
  case Value::Kind::Py2Str:
    OS << "py2";
    printQuoted(OS, cast<Py2StrValue>(V)->getValue(), false);
    return;
  case Value::Kind::ByteArray:
    OS << "bytearray";
    printQuoted(OS, cast<ByteArrayValue>(V)->getValue(), false);
    return;
  case Value::Kind::Tuple:
    printSequence("(", ")", cast<SequenceValue>(V)->elements(), Indent);
    return;
  case Value::Kind::List:
    printSequence("[", "]", cast<SequenceValue>(V)->elements(), Indent);
    return;
  case Value::Kind::Set:
    printSequence("set{", "}", cast<SequenceValue>(V)->elements(), Indent);
    return;
  case Value::Kind::FrozenSet:
    printSequence("frozenset{", "}", cast<SequenceValue>(V)->elements(),
                  Indent);
    return;
  case Value::Kind::Dict:
    printMapping(cast<MappingValue>(V)->items(), Indent);
    return;
  case Value::Kind::Global: {
    auto *G = cast<GlobalValue>(V);
    OS << '@';
    printName(OS, G->getModule());
    OS << ':';
    printName(OS, G->getName());
    return;
  }
  case Value::Kind::Object: {
    auto *O = cast<ObjectValue>(V);
    switch (O->getForm()) {
    case ObjectValue::Form::Reduce:
      OS << "reduce ";
      break;
    case ObjectValue::Form::NewObj:
      OS << "newobj ";
      break;
    case ObjectValue::Form::NewObjEx:
      OS << "newobj_ex ";
      break;
    case ObjectValue::Form::Inst:
      OS << "inst ";
      break;
    case ObjectValue::Form::Obj:
      OS << "obj ";
      break;
    }
    printOperand(O->getCallable(), Indent);
    OS << ' ';
    printValue(O->getArgs(), Indent);
    if (O->getKwargs()) {
      OS << " kwargs ";
      printOperand(O->getKwargs(), Indent);
    }
    if (!O->listItems().empty()) {
      OS << " append ";
      printSequence("[", "]", O->listItems(), Indent);
    }
    if (!O->dictItems().empty()) {
      OS << " setitems ";
      printMapping(O->dictItems(), Indent);
    }
    for (Value *S : O->states()) {
      OS << " build ";
      printOperand(S, Indent);
    }
    return;
  }
  case Value::Kind::PersistentRef:
    OS << "persistent_id ";
    printOperand(cast<PersistentRefValue>(V)->getId(), Indent);
    return;
  case Value::Kind::Extension:
    OS << "ext " << cast<ExtensionValue>(V)->getCode();
    return;
  case Value::Kind::Storage:
    OS << "%s" << StorageIds.lookup(cast<StorageValue>(V));
    return;
  case Value::Kind::Tensor:
    printTensor(cast<TensorValue>(V), Indent);
    return;
  case Value::Kind::Parameter: {
    auto *P = cast<ParameterValue>(V);
    switch (P->getForm()) {
    case ParameterValue::Form::RebuildParameter:
      OS << "parameter ";
      break;
    case ParameterValue::Form::RebuildParameterWithState:
      OS << "parameter_with_state ";
      break;
    case ParameterValue::Form::ParameterCall:
      OS << "parameter_call ";
      break;
    case ParameterValue::Form::ParameterLegacyState:
      OS << "parameter_legacy ";
      break;
    }
    OS << '(';
    printValue(P->getData(), Indent);
    OS << ')';
    if (P->getRequiresGrad())
      OS << " requires_grad";
    if ((P->getForm() == ParameterValue::Form::RebuildParameter ||
         P->getForm() == ParameterValue::Form::RebuildParameterWithState) &&
        P->getHooks() && !isEmptyOrderedDict(P->getHooks())) {
      OS << " hooks ";
      printOperand(P->getHooks(), Indent);
    }
    if (P->getState()) {
      OS << " state ";
      printOperand(P->getState(), Indent);
    }
    return;
  }
  case Value::Kind::StateDict: {
    auto *SD = cast<StateDictValue>(V);
    OS << "state_dict ";
    if (auto *G = dyn_cast<GlobalValue>(SD->getClass());
        !G || !G->is("collections", "OrderedDict")) {
      printValue(SD->getClass(), Indent);
      OS << ' ';
    }
    printMapping(SD->items(), Indent);
    if (SD->getState()) {
      OS << " build ";
      printOperand(SD->getState(), Indent);
    }
    return;
  }
  case Value::Kind::OptimizerState:
    OS << "optimizer_state ";
    printMapping(cast<MappingValue>(V)->items(), Indent);
    return;
  }
}

void IRPrinter::printStorageDecl(const StorageValue *S) {
  OS << "storage %s" << StorageIds.lookup(S) << ' '
     << getDTypeIRName(S->getDType()) << '[' << S->getNumElements() << ']'
     << " location ";
  printQuoted(OS, S->getLocation(), true);
  OS << " key ";
  printQuoted(OS, S->getKey(), true);
  if (S->getViewRoot()) {
    OS << " view %s" << StorageIds.lookup(S->getViewRoot()) << " offset "
       << S->getViewOffset();
  } else if (S->hasData()) {
    if (Opts.InlineData) {
      OS << " data x\"" << toHex(S->getData(), /*LowerCase=*/true) << '"';
    } else {
      OS << " xxh3 " << format_hex(checksumBytes(S->getData()), 18);
    }
  } else if (S->getKnownChecksum()) {
    OS << " xxh3 " << format_hex(*S->getKnownChecksum(), 18);
  }
  OS << '\n';
}

void IRPrinter::print() {
  const ContainerInfo &CI = C.getContainer();
  OS << "// ckpt-migrate IR\n";
  OS << "checkpoint " << getContainerKindName(CI.Kind) << " {\n";
  OS << "  pickle_protocol " << CI.PickleProtocol << '\n';
  if (!CI.ArchiveRoot.empty()) {
    OS << "  archive_root ";
    printQuoted(OS, CI.ArchiveRoot, true);
    OS << '\n';
  }
  for (Value *V : {CI.Magic, CI.ProtocolVersion, CI.SysInfo, C.getRoot()})
    if (V)
      countUses(V);
  auto PrintHeaderValue = [&](StringRef Name, Value *V) {
    if (!V)
      return;
    OS << "  " << Name << ' ';
    printValue(V, 1);
    OS << '\n';
  };
  PrintHeaderValue("magic", CI.Magic);
  PrintHeaderValue("protocol_version", CI.ProtocolVersion);
  PrintHeaderValue("sys_info", CI.SysInfo);
  for (const ExtraRecord &R : CI.Records) {
    OS << "  record ";
    printQuoted(OS, R.Name, true);
    OS << " b";
    printQuoted(OS, R.Data, false);
    OS << '\n';
  }
  OS << "}\n";

  const auto &Storages = C.getStorages();
  for (unsigned I = 0; I != Storages.size(); ++I)
    StorageIds[Storages[I]] = I;
  if (!Storages.empty())
    OS << '\n';
  for (const StorageValue *S : Storages)
    printStorageDecl(S);

  OS << '\n';
  if (Value *Root = C.getRoot()) {
    OS << "root ";
    printValue(Root, 0);
    OS << '\n';
  }
}

} // namespace

void printCheckpoint(raw_ostream &OS, const Checkpoint &C,
                     const PrintOptions &Opts) {
  IRPrinter(OS, C, Opts).print();
}

} // namespace ckpt
