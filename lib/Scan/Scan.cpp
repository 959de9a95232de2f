//===- Scan.cpp - List what a checkpoint would import and call ------------===//
//
// Part of ckpt-migrate. Walks every pickle of a checkpoint the way torch.load
// would find them and runs the pickle machine on each with an observer that
// records globals, calls, BUILDs and persistent loads. Nothing is executed,
// nothing is lowered: the scan sees the pickle as written.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Scan/Scan.h"
#include "ScanInternals.h"
#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/DType.h"
#include "ckpt/Pickle/Opcodes.h"
#include "ckpt/Pickle/Unpickler.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/MemoryLimit.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Target/WeightsOnly.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include <optional>
#ifdef CKPT_HAVE_ZLIB
#include <zlib.h>
#endif

using namespace llvm;
using namespace ckpt::pickle;
using namespace ckpt::scan;

namespace ckpt {
namespace {

/// The opcodes torch's weights_only unpickler implements (2.6); any other
/// is "Unsupported operand".
bool isWeightsOnlyOpcode(Opcode Op) {
  switch (Op) {
  case Opcode::Append:
  case Opcode::Appends:
  case Opcode::BinFloat:
  case Opcode::BinGet:
  case Opcode::BinInt:
  case Opcode::BinInt1:
  case Opcode::BinInt2:
  case Opcode::BinPersId:
  case Opcode::BinPut:
  case Opcode::BinUnicode:
  case Opcode::Build:
  case Opcode::EmptyDict:
  case Opcode::EmptyList:
  case Opcode::EmptySet:
  case Opcode::EmptyTuple:
  case Opcode::Global:
  case Opcode::Long1:
  case Opcode::LongBinGet:
  case Opcode::LongBinPut:
  case Opcode::Mark:
  case Opcode::NewFalse:
  case Opcode::NewObj:
  case Opcode::NewTrue:
  case Opcode::None:
  case Opcode::Proto:
  case Opcode::Reduce:
  case Opcode::SetItem:
  case Opcode::SetItems:
  case Opcode::ShortBinString:
  case Opcode::Stop:
  case Opcode::Tuple:
  case Opcode::Tuple1:
  case Opcode::Tuple2:
  case Opcode::Tuple3:
    return true;
  default:
    return false;
  }
}


/// The text of \p E, with a DecodeError's offset in hex.
std::string errorText(Error E) {
  std::string Out;
  handleAllErrors(
      std::move(E),
      [&](const DecodeError &D) {
        Out = "offset " + hex(D.getOffset()) + ": " + D.getMessage();
      },
      [&](const ErrorInfoBase &EI) { Out = EI.message(); });
  return Out;
}

/// A global's name for a finding, at most MaxSubject characters: a hostile
/// pickle's names can be hundreds of megabytes, and one name kept in the
/// memo can be named by any number of findings; the rest is only counted.
constexpr size_t MaxSubject = 512;
std::string subjectName(const GlobalValue &G) {
  StringRef M = G.getModule(), N = G.getName();
  if (M.size() + 1 + N.size() <= MaxSubject)
    return (M + "." + N).str();
  std::string S = M.take_front(MaxSubject).str();
  if (S.size() < MaxSubject)
    S += ("." + N.take_front(MaxSubject - S.size() - 1)).str();
  return S + formatv("... ({0} bytes)", M.size() + 1 + N.size()).str();
}

/// The Python-ish spelling of a node, short, for callables that are not
/// globals and for persistent ids.
class Describer {
public:
  explicit Describer(const DenseMap<const Value *, uint64_t> &MadeAt)
      : MadeAt(MadeAt) {}

  std::string operator()(const Value *V, unsigned Depth = 0) const {
    if (!V)
      return "<null>";
    if (auto *G = dyn_cast<GlobalValue>(V))
      return subjectName(*G);
    if (auto S = getStringValue(V)) {
      std::string Out = "'";
      raw_string_ostream OS(Out);
      OS.write_escaped(S->take_front(60));
      OS << (S->size() > 60 ? "...'" : "'");
      return Out;
    }
    if (auto *I = dyn_cast<IntValue>(V))
      return std::to_string(I->getValue());
    if (isa<NoneValue>(V))
      return "None";
    if (auto *O = dyn_cast<ObjectValue>(V)) {
      std::string Callee =
          Depth > 2 ? "..." : (*this)(O->getCallable(), Depth + 1);
      auto It = MadeAt.find(O);
      if (It == MadeAt.end())
        return "<object made by " + Callee + ">";
      return "<object made at " + hex(It->second) + " by " + Callee + ">";
    }
    if (auto *T = dyn_cast<TupleValue>(V)) {
      if (Depth > 2)
        return "(...)";
      std::string Out = "(";
      for (size_t I = 0; I < T->size(); ++I) {
        if (I == 8) {
          Out += ", ...";
          break;
        }
        if (I)
          Out += ", ";
        Out += (*this)((*T)[I], Depth + 1);
      }
      return Out + (T->size() == 1 ? ",)" : ")");
    }
    switch (V->getKind()) {
    case Value::Kind::List:
      return "<a list>";
    case Value::Kind::Dict:
      return "<a dict>";
    case Value::Kind::Set:
    case Value::Kind::FrozenSet:
      return "<a set>";
    case Value::Kind::Bytes:
    case Value::Kind::ByteArray:
      return "<bytes>";
    case Value::Kind::PersistentRef: {
      // Legacy files name module classes as ('module', class, file, source).
      auto *Id = dyn_cast<TupleValue>(cast<PersistentRefValue>(V)->getId());
      auto Tag = Id && Id->size() > 1 ? getStringValue((*Id)[0]) : std::nullopt;
      if (Tag && *Tag == "module")
        return "<class " + (*this)((*Id)[1], 2) + " from persistent_load>";
      return "<object from persistent_load>";
    }
    case Value::Kind::Extension:
      return "<an extension-registry object>";
    default:
      return "<a scalar>";
    }
  }

private:
  const DenseMap<const Value *, uint64_t> &MadeAt;
};

/// Records what one pickle makes torch do.
class Recorder : public UnpickleObserver {
public:
  Recorder(ScanReport &R, const TargetSpec &T, unsigned PickleIdx)
      : R(R), T(T), PickleIdx(PickleIdx), Describe(MadeAt) {}

  void onOpcode(const OpcodeInfo &Op, uint64_t Offset) override {
    CurOp = Op.Name;
    if (!isWeightsOnlyOpcode(Op.Op) && SeenOps.insert(Op.Name))
      R.Pickles[PickleIdx].UnsupportedOpcodes.push_back(
          {Op.Name.str(), Offset});
  }

  void onGlobal(const GlobalValue &G, uint64_t Offset) override {
    ScanFinding F = make(ScanFinding::Kind::Global, Offset);
    F.Subject = subjectName(G);
    grade(F, G.getModule(), G.getName());
    R.Findings.push_back(std::move(F));
  }

  void onCall(const ObjectValue &O, uint64_t Offset) override {
    MadeAt[&O] = Offset;
    ScanFinding F = make(ScanFinding::Kind::Call, Offset);
    const Value *Callee = O.getCallable();
    F.Subject = Describe(Callee);
    if (F.Opcode == "INST" || F.Opcode == "OBJ" || F.Opcode == "NEWOBJ_EX") {
      // Not implemented by the weights_only unpickler, whatever they call.
      F.Allowed = false;
      F.Reason = F.Opcode + " is not implemented by torch's weights_only "
                            "unpickler";
      if (auto *G = dyn_cast_or_null<GlobalValue>(Callee))
        F.Dangerous = isKnownDangerousGlobal(G->getModule(), G->getName());
    } else if (auto *G = dyn_cast_or_null<GlobalValue>(Callee)) {
      grade(F, G->getModule(), G->getName());
    } else {
      F.Allowed = false;
      F.Reason = "the callable is not a global";
      F.Dangerous = Callee && isa<ObjectValue>(Callee);
    }
    R.Findings.push_back(std::move(F));
  }

  void onBuild(const Value &Target, const Value &, uint64_t Offset) override {
    ScanFinding F = make(ScanFinding::Kind::Build, Offset);
    auto *O = dyn_cast<ObjectValue>(&Target);
    const GlobalValue *Cls =
        O ? dyn_cast_or_null<GlobalValue>(O->getCallable()) : nullptr;
    if (Cls) {
      F.Subject = subjectName(*Cls);
      F.Allowed = isWeightsOnlyBuildable(T, Cls->getModule(), Cls->getName());
      F.Dangerous = isKnownDangerousGlobal(Cls->getModule(), Cls->getName());
      if (!F.Allowed)
        F.Reason = "weights_only builds only tensors, Parameters, "
                   "OrderedDicts and allowlisted classes";
    } else {
      F.Subject = Describe(&Target);
      F.Allowed = false;
      F.Dangerous = isa<GlobalValue>(Target);
      F.Reason = isa<GlobalValue>(Target)
                     ? "BUILD on a global sets attributes of a module or class"
                     : "BUILD on something that is no allowlisted object";
    }
    R.Findings.push_back(std::move(F));
  }

  void onPersistentLoad(const Value &Pid, uint64_t Offset) override {
    ScanFinding F = make(ScanFinding::Kind::PersistentLoad, Offset);
    F.Subject = Describe(&Pid);
    auto *T = dyn_cast<TupleValue>(&Pid);
    auto Tag = T && T->size() ? getStringValue((*T)[0]) : std::nullopt;
    F.Allowed = Tag && *Tag == "storage";
    if (!F.Allowed)
      F.Reason = "weights_only loads only ('storage', ...) persistent ids";
    R.Findings.push_back(std::move(F));
  }

private:
  ScanFinding make(ScanFinding::Kind K, uint64_t Offset) const {
    ScanFinding F;
    F.K = K;
    F.Offset = Offset;
    F.Pickle = PickleIdx;
    F.Opcode = CurOp.str();
    return F;
  }

  void grade(ScanFinding &F, StringRef Module, StringRef Name) const {
    WeightsOnlyStatus S = classifyWeightsOnlyGlobal(T, Module, Name);
    F.Allowed = S == WeightsOnlyStatus::Allowed;
    F.Dangerous = isKnownDangerousGlobal(Module, Name);
    if (S == WeightsOnlyStatus::BlockedModule)
      F.Reason = ("module " + Module + " is blocked").str();
  }

  ScanReport &R;
  const TargetSpec &T;
  unsigned PickleIdx;
  DenseMap<const Value *, uint64_t> MadeAt;
  Describer Describe;
  StringRef CurOp;
  SmallSetVector<StringRef, 4> SeenOps;
};

/// Walks the containers and runs the recorder over each pickle.
class Scanner {
public:
  Scanner(MemoryBufferRef Buf, const TargetSpec &T, const ScanOptions &Opts,
          ScanReport &R)
      : Buf(Buf), File(Buf.getBuffer()), T(T), Opts(Opts), R(R) {
    C.setMemoryLimit(
        Opts.MemoryLimit.value_or(getDefaultMemoryLimit(Buf.getBufferSize())));
  }

  void run();

private:
  /// Scans the pickle at the start of \p Bytes (first byte at \p Base).
  /// Returns its length and root, or nothing when it failed (the error is
  /// recorded in the pickle's entry).
  struct Ran {
    uint64_t End;
    const Value *Root;
  };
  std::optional<Ran> scanPickle(StringRef Name, StringRef Bytes, uint64_t Base,
                                bool Inflated = false);

  void scanLegacy(unsigned First, uint64_t Pos);
  void scanZip();
  void scanZipLeniently(std::string WhyNotStrict);
  void scanTar();
  void scanTarSequence(const TarArchive &Tar, const ArchiveMember &M,
                       bool Storages);
  void scanBarePickle();
  void scanDeflated(StringRef Name, StringRef Raw, uint64_t DataOffset);

  void error(const Twine &Msg) { R.Errors.push_back(Msg.str()); }

  MemoryBufferRef Buf;
  StringRef File;
  const TargetSpec &T;
  const ScanOptions &Opts;
  ScanReport &R;
  Checkpoint C;
};

std::optional<Scanner::Ran> Scanner::scanPickle(StringRef Name, StringRef Bytes,
                                                uint64_t Base, bool Inflated) {
  unsigned Idx = R.Pickles.size();
  ScannedPickle P;
  P.Name = Name.str();
  P.Offset = Base;
  P.Inflated = Inflated;
  R.Pickles.push_back(std::move(P));
  Recorder Rec(R, T, Idx);
  auto Res = unpickle(C, Bytes, Base, /*PersistentLoad=*/nullptr,
                      UnpicklerLimits(), &Rec);
  if (!Res) {
    R.Pickles[Idx].Error = errorText(Res.takeError());
    return std::nullopt;
  }
  R.Pickles[Idx].Protocol = Res->Protocol;
  return Ran{Res->End, Res->Root};
}

void Scanner::scanLegacy(unsigned First, uint64_t Pos) {
  for (StringRef Name : getLegacyPickleNames().drop_front(First)) {
    auto Ran = scanPickle(Name, File.substr(Pos), Pos);
    if (!Ran)
      return;
    Pos += Ran->End;
  }
}

void Scanner::scanBarePickle() {
  auto Ran = scanPickle("pickle", File, 0);
  if (!Ran)
    return;
  if (isLegacyMagic(Ran->Root)) {
    // A legacy stream whose magic number pickle is framed (protocol 4).
    R.Container = "legacy";
    R.Pickles.back().Name = getLegacyPickleNames().front().str();
    scanLegacy(1, Ran->End);
    return;
  }
  if (Ran->End < File.size())
    R.Notes.push_back(formatv("{0} bytes after the pickle's STOP are not read "
                              "by torch.load",
                              File.size() - Ran->End)
                          .str());
}

void Scanner::scanZip() {
  auto Zip = ZipArchive::create(Buf);
  if (!Zip)
    return scanZipLeniently(errorText(Zip.takeError()));
  if (Zip->isTorchScript()) {
    ScanFinding F;
    F.K = ScanFinding::Kind::Container;
    F.Subject = "TorchScript archive (torch.jit.save)";
    F.Reason = "torch.load hands it to torch.jit.load, which runs its code/ "
               "records; weights_only refuses TorchScript archives";
    R.Findings.push_back(std::move(F));
  }
  bool Any = false;
  for (const ArchiveMember &M : Zip->members()) {
    if (!StringRef(M.Name).ends_with_insensitive(".pkl"))
      continue;
    Any = true;
    scanPickle(M.Name, Zip->getData(M), M.DataOffset);
  }
  if (!Any)
    error("the zip archive has no *.pkl record; not a torch.save checkpoint");
}

/// Reads the central directory without ZipArchive's checks, as torch's miniz
/// reader would, and scans every *.pkl record: stored ones in place,
/// deflated ones after inflating them (when built with zlib).
void Scanner::scanZipLeniently(std::string WhyNotStrict) {
  R.Notes.push_back("the strict zip reader refused this archive (" +
                    WhyNotStrict +
                    "); its records were found through the central "
                    "directory, as torch's miniz reader finds them");
  using support::endian::read16le;
  using support::endian::read32le;
  using support::endian::read64le;
  const char *D = File.data();
  uint64_t Size = File.size();
  // End of central directory: the last signature within 64 KiB + 22 bytes.
  uint64_t EOCD = UINT64_MAX;
  for (uint64_t I = Size >= 22 ? Size - 22 + 1 : 0; I-- > 0;) {
    if (read32le(D + I) == 0x06054b50) {
      EOCD = I;
      break;
    }
    if (Size - I > 65535 + 22)
      break;
  }
  if (EOCD == UINT64_MAX)
    return error("no zip end-of-central-directory record");
  uint64_t Count = read16le(D + EOCD + 10);
  uint64_t CDOff = read32le(D + EOCD + 16);
  if ((CDOff == 0xffffffff || Count == 0xffff) && EOCD >= 20 &&
      read32le(D + EOCD - 20) == 0x07064b50) {
    uint64_t Z64 = read64le(D + EOCD - 20 + 8);
    if (Z64 <= Size - 56 && read32le(D + Z64) == 0x06064b50) {
      Count = read64le(D + Z64 + 32);
      CDOff = read64le(D + Z64 + 48);
    }
  }
  uint64_t Pos = CDOff;
  bool Any = false, TorchScript = false;
  for (uint64_t N = 0; N < Count; ++N) {
    if (Pos > Size || Size - Pos < 46 || read32le(D + Pos) != 0x02014b50)
      return error(formatv("offset {0}: central directory entry {1} is "
                           "missing or truncated",
                           hex(Pos), N));
    unsigned Method = read16le(D + Pos + 10);
    uint64_t CSize = read32le(D + Pos + 20), USize = read32le(D + Pos + 24);
    unsigned NameLen = read16le(D + Pos + 28),
             ExtraLen = read16le(D + Pos + 30),
             CommentLen = read16le(D + Pos + 32);
    uint64_t Local = read32le(D + Pos + 42);
    if (Size - Pos - 46 < uint64_t(NameLen) + ExtraLen + CommentLen)
      return error(formatv("offset {0}: central directory entry {1} is "
                           "truncated",
                           hex(Pos), N));
    StringRef Name(D + Pos + 46, NameLen);
    // zip64 extra field: the 0xffffffff fields, in order.
    StringRef Extra(D + Pos + 46 + NameLen, ExtraLen);
    while (Extra.size() >= 4) {
      unsigned Id = read16le(Extra.data()), Len = read16le(Extra.data() + 2);
      StringRef Body = Extra.substr(4, Len);
      if (Id == 1) {
        size_t At = 0;
        for (uint64_t *F : {&USize, &CSize, &Local})
          if (*F == 0xffffffff && At + 8 <= Body.size()) {
            *F = read64le(Body.data() + At);
            At += 8;
          }
      }
      Extra = Extra.drop_front(std::min<size_t>(Extra.size(), 4 + Len));
    }
    Pos += 46 + NameLen + ExtraLen + CommentLen;
    if (Name.contains("/code/") || Name.ends_with("/constants.pkl"))
      TorchScript = true;
    if (!Name.ends_with_insensitive(".pkl"))
      continue;
    Any = true;
    if (Local > Size || Size - Local < 30 ||
        read32le(D + Local) != 0x04034b50) {
      error(formatv("offset {0}: record '{1}' has no local header", hex(Local),
                    Name));
      continue;
    }
    uint64_t Data =
        Local + 30 + read16le(D + Local + 26) + read16le(D + Local + 28);
    if (Data > Size || Size - Data < CSize) {
      error(formatv("offset {0}: record '{1}' runs past the end of the file",
                    hex(Data), Name));
      continue;
    }
    StringRef Raw(D + Data, CSize);
    if (Method == 0) {
      scanPickle(Name, Raw, Data);
      continue;
    }
    if (Method != 8) {
      error(formatv("record '{0}' uses compression method {1}, which torch "
                    "cannot read either",
                    Name, Method));
      continue;
    }
    scanDeflated(Name, Raw, Data);
  }
  if (TorchScript) {
    ScanFinding F;
    F.K = ScanFinding::Kind::Container;
    F.Subject = "TorchScript archive (torch.jit.save)";
    F.Reason = "torch.load hands it to torch.jit.load, which runs its code/ "
               "records; weights_only refuses TorchScript archives";
    R.Findings.insert(R.Findings.begin(), std::move(F));
  }
  if (!Any)
    error("the zip archive has no *.pkl record; not a torch.save checkpoint");
}

/// Inflates the raw-deflate record \p Raw (data at \p DataOffset) as a stream
/// into a buffer that grows with what comes out, never beyond the scan's
/// bounds (its size field is not trusted), and scans the pickle in it. A
/// pickle stops at STOP: when it ends within the bytes inflated, what lies
/// beyond is not needed.
void Scanner::scanDeflated(StringRef Name, StringRef Raw, uint64_t DataOffset) {
#ifdef CKPT_HAVE_ZLIB
  constexpr uint64_t Chunk = uint64_t(1) << 20;
  uint64_t Limit = std::min(
      Opts.MaxInflatedBytes,
      std::max(Chunk,
               SaturatingMultiply<uint64_t>(Opts.MaxInflateRatio, Raw.size())));
  std::string Out;
  z_stream Z{};
  if (inflateInit2(&Z, -MAX_WBITS) != Z_OK)
    return error(formatv("record '{0}': zlib could not start", Name));
  Z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(Raw.data()));
  uint64_t InLeft = Raw.size();
  int Rc = Z_OK;
  // Every round gives inflate room to write (Out.size() < Limit), so it
  // returns Z_OK while it progresses and ends the loop otherwise.
  bool Capped = false;
  while (Rc == Z_OK) {
    if (Out.size() >= Limit) {
      Capped = true;
      break;
    }
    size_t Old = Out.size();
    size_t Room = size_t(std::min<uint64_t>(Chunk, Limit - Old));
    Out.resize(Old + Room);
    uInt In = uInt(std::min<uint64_t>(InLeft, UINT32_MAX));
    Z.avail_in = In;
    Z.next_out = reinterpret_cast<Bytef *>(Out.data() + Old);
    Z.avail_out = uInt(Room);
    Rc = inflate(&Z, Z_NO_FLUSH);
    InLeft -= In - Z.avail_in;
    Out.resize(Old + Room - Z.avail_out);
    // With room to write, no progress means no input left: the deflate
    // stream is cut short (Rc stays Z_BUF_ERROR).
  }
  inflateEnd(&Z);
  if (!Capped && Rc != Z_STREAM_END) {
    error(formatv("record '{0}' (deflated at offset {1}) does not inflate: "
                  "the deflate stream is {2}",
                  Name, hex(DataOffset),
                  Rc == Z_DATA_ERROR ? "corrupt" : "cut short"));
    return;
  }
  R.Notes.push_back(formatv("record '{0}' is deflated (data at offset {1}); "
                            "its findings give offsets inside the inflated "
                            "record",
                            Name, hex(DataOffset))
                        .str());
  auto Ran = scanPickle(Name, Out, 0, /*Inflated=*/true);
  if (!Capped)
    return;
  std::string Bound =
      formatv("{0} bytes ({1}x its {2} compressed bytes, at "
              "most {3}; -scan-max-inflate-ratio and "
              "-scan-max-inflated change this)",
              Limit, Opts.MaxInflateRatio, Raw.size(), Opts.MaxInflatedBytes)
          .str();
  if (Ran) {
    R.Notes.push_back(formatv("record '{0}' inflates to more than {1}; its "
                              "pickle ends within them at offset {2}, and "
                              "the rest was not inflated (torch would inflate "
                              "all of it into memory before loading)",
                              Name, Bound, hex(Ran->End))
                          .str());
    return;
  }
  // The pickle ran into the end of what was inflated: say why it ended.
  R.Pickles.back().Error =
      formatv("the record inflates past the scan's limit of {0}; the pickle "
              "does not end within them, so the rest of it was not scanned",
              Bound)
          .str();
#else
  error(formatv("record '{0}' is deflated and this build has no zlib to "
                "inflate it; it was not scanned",
                Name));
#endif
}

/// The `tensors` and `storages` members of a tar checkpoint: a count pickle,
/// then per entry a header pickle and raw bytes (tensor metadata, storage
/// data), and for storages an optional trailing list of views.
void Scanner::scanTarSequence(const TarArchive &Tar, const ArchiveMember &M,
                              bool Storages) {
  StringRef Bytes = Tar.getData(M);
  uint64_t Base = M.DataOffset, Pos = 0;
  std::string Member = ("tar member " + M.Name).str();
  auto Count = scanPickle(Member + ", count", Bytes, Base);
  if (!Count)
    return;
  Pos = Count->End;
  auto *N = dyn_cast_or_null<IntValue>(Count->Root);
  if (!N || N->getValue() < 0)
    return error(formatv("offset {0}: tar member {1} does not start with a "
                         "count; its other pickles were not found",
                         hex(Base), M.Name));
  for (int64_t I = 0; I < N->getValue(); ++I) {
    auto Hdr = scanPickle(formatv("{0}, header {1}", Member, I).str(),
                          Bytes.substr(Pos), Base + Pos);
    if (!Hdr)
      return;
    Pos += Hdr->End;
    auto Fail = [&](StringRef Why) {
      error(formatv("offset {0}: tar member {1}, entry {2}: {3}; the pickles "
                    "after it were not found",
                    hex(Base + Pos), M.Name, I, Why));
    };
    if (Storages) {
      // (key, location, class) or (key, class), then count + data.
      auto *Tup = dyn_cast_or_null<TupleValue>(Hdr->Root);
      auto *Cls = Tup && Tup->size()
                      ? dyn_cast<GlobalValue>((*Tup)[Tup->size() - 1])
                      : nullptr;
      std::optional<DType> DT =
          Cls ? parseStorageClassName(Cls->getQualifiedName()) : std::nullopt;
      if (!DT)
        return Fail("header names no known storage class");
      if (Bytes.size() - Pos < 8)
        return Fail("truncated element count");
      uint64_t Elems = support::endian::read64le(Bytes.data() + Pos);
      uint64_t Len;
      if (__builtin_mul_overflow(Elems, uint64_t(getDTypeSize(*DT)), &Len) ||
          Len > Bytes.size() - Pos - 8)
        return Fail("storage data runs past the member");
      Pos += 8 + Len;
    } else {
      // int32 ndim, 4 bytes padding, sizes, strides, int64 offset.
      if (Bytes.size() - Pos < 8)
        return Fail("truncated tensor metadata");
      int32_t NDim = int32_t(support::endian::read32le(Bytes.data() + Pos));
      if (NDim < 0 || uint64_t(NDim) * 16 + 16 > Bytes.size() - Pos)
        return Fail("bad tensor rank");
      Pos += 8 + uint64_t(NDim) * 16 + 8;
    }
  }
  if (Storages && Pos < Bytes.size())
    scanPickle(Member + ", views", Bytes.substr(Pos), Base + Pos);
}

void Scanner::scanTar() {
  auto Tar = TarArchive::create(Buf);
  if (!Tar)
    return error(errorText(Tar.takeError()));
  bool Any = false;
  for (const ArchiveMember &M : Tar->members()) {
    // The member torch reads under each name is the last one.
    if (Tar->find(M.Name) != &M)
      continue;
    if (M.Name == "sys_info" || M.Name == "pickle") {
      Any = true;
      scanPickle(("tar member " + M.Name).str(), Tar->getData(M), M.DataOffset);
    } else if (M.Name == "tensors" || M.Name == "storages") {
      Any = true;
      scanTarSequence(*Tar, M, M.Name == "storages");
    }
  }
  if (!Any)
    error("the tar archive has none of the members sys_info, pickle, "
          "tensors, storages");
}

void Scanner::run() {
  auto Kind = identifyContainer(Buf);
  if (!Kind) {
    // Odd files are still scanned: anything that runs as a pickle is one.
    std::string Why = errorText(Kind.takeError());
    R.Container = "unknown";
    Checkpoint Probe;
    Probe.setMemoryLimit(C.getMemoryLimit());
    auto Runs = unpickle(Probe, File, 0);
    if (!Runs) {
      consumeError(Runs.takeError());
      error(Why);
      return;
    }
    R.Notes.push_back("the container was not recognised (" + Why +
                      "); scanned as a bare pickle");
    R.Container = "pickle";
    return scanBarePickle();
  }
  R.Container = getContainerKindName(*Kind).str();
  switch (*Kind) {
  case ContainerKind::Legacy:
    return scanLegacy(0, 0);
  case ContainerKind::Zip:
    return scanZip();
  case ContainerKind::Tar:
    return scanTar();
  case ContainerKind::Pickle:
    return scanBarePickle();
  case ContainerKind::Safetensors:
    return error("a safetensors file holds no pickle: torch.load cannot "
                 "read it, and loading it with safetensors executes nothing");
  case ContainerKind::DCP:
    return error("a DCP directory is not a file");
  }
}

} // namespace

bool ScanReport::isComplete() const {
  return Errors.empty() && !Pickles.empty() &&
         all_of(Pickles,
                [](const ScannedPickle &P) { return P.Error.empty(); });
}

unsigned ScanReport::getNumRefused() const {
  return count_if(Findings, [](const ScanFinding &F) { return !F.Allowed; });
}

ScanReport scanCheckpoint(MemoryBufferRef Buf, const TargetSpec &Target,
                          const ScanOptions &Opts) {
  ScanReport R;
  R.Requested = &Target;
  R.Graded = &getWeightsOnlyRelease(Target);
  Scanner(Buf, *R.Graded, Opts, R).run();
  return R;
}

} // namespace ckpt
