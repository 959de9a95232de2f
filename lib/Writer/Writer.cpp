//===- Writer.cpp - Write the IR as a checkpoint --------------------------===//
//
// Part of ckpt-migrate. The containers mirror torch.save: the legacy stream
// of torch/serialization.py `_legacy_save` and the zip archive of `_save` +
// PyTorchStreamWriter, around the main pickle of PickleEmitter.h.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Writer/Writer.h"
#include "PickleEmitter.h"
#include "WriterInternals.h"
#include "ckpt/Container/Container.h"
#include "ckpt/Container/ZipWriter.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/PickleWriter.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/FileRange.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace llvm;
using namespace ckpt::pickle;

namespace ckpt {

Error writeBytes(const Checkpoint &C, StringRef Bytes, raw_ostream &OS,
                 FileCopyStream *Direct, const Encoding &Enc) {
  if (std::optional<FileRange> R = C.getFileRange(Bytes))
    return Direct ? Direct->copyFrom(*R, Enc.Progress)
                  : copyFileRange(*R, OS, Enc.Progress);
  OS << Bytes;
  if (Enc.Progress)
    Enc.Progress->copied(Bytes.size());
  return Error::success();
}

namespace {

/// Sorts \p Records by key as strings, as torch's
/// `sorted(serialized_storages.keys())`. The keys' first eight bytes are
/// compared as one big-endian integer first: millions of keys scattered
/// over the IR then cost no cache miss per comparison.
void sortByKey(std::vector<StorageRecord> &Records) {
  struct Entry {
    uint64_t Prefix;
    const StorageRecord *R;
  };
  std::vector<Entry> Order;
  Order.reserve(Records.size());
  for (const StorageRecord &R : Records) {
    uint64_t P = 0;
    for (size_t I = 0; I != 8; ++I)
      P = (P << 8) | (I < R.Key.size() ? uint8_t(R.Key[I]) : 0);
    Order.push_back({P, &R});
  }
  llvm::sort(Order, [](const Entry &A, const Entry &B) {
    if (A.Prefix != B.Prefix)
      return A.Prefix < B.Prefix;
    return A.R->Key < B.R->Key;
  });
  std::vector<StorageRecord> Sorted;
  Sorted.reserve(Records.size());
  for (const Entry &E : Order)
    Sorted.push_back(*E.R);
  Records = std::move(Sorted);
}

/// Pickles a standalone value with protocol 2 (magic, version, key list).
template <typename Fn> std::string pickleSmall(Fn Body) {
  std::string Out;
  PickleWriter W(Out);
  W.proto(2);
  Body(W);
  W.stop();
  return Out;
}

/// Appends the bytes of \p S.
Error writeStorageData(const Checkpoint &C, const StorageValue &S,
                       raw_ostream &OS, FileCopyStream *Direct,
                       const Encoding &Enc) {
  return writeBytes(C, S.getData(), OS, Direct, Enc);
}

/// The zip CRC-32 of \p S's bytes: the input's when it recorded one for
/// exactly these bytes, else computed without mapping them in.
Expected<uint32_t> getStorageCRC(const Checkpoint &C, const StorageValue &S) {
  if (std::optional<uint32_t> CRC = S.getZipCRC())
    return *CRC;
  if (std::optional<FileRange> R = C.getFileRange(S.getData()))
    return crc32FileRange(*R);
  return crc32(arrayRefFromStringRef(S.getData()));
}

/// The CRC-32s of a zip's storage records, computed by a background thread
/// in record order when the input did not record them (safetensors, legacy,
/// DCP inputs, converted storages) and there are enough bytes to overlap
/// with writing; else each when it is asked for (a DCP directory writes one
/// small zip per item).
class CRCPipeline {
public:
  /// Fewer bytes to checksum than this are not worth a thread.
  static constexpr uint64_t MinBytesForThread = 1 << 20;

  CRCPipeline(const Checkpoint &C, ArrayRef<StorageRecord> Records)
      : C(C), Records(Records), Results(Records.size()) {
    uint64_t Bytes = 0;
    for (const StorageRecord &R : Records)
      if (!R.S->getZipCRC())
        Bytes += R.S->getData().size();
    if (Bytes >= MinBytesForThread)
      Worker = std::thread([this] { run(); });
  }
  ~CRCPipeline() {
    if (Worker.joinable()) {
      Stop = true;
      Worker.join();
    }
  }

  /// The CRC of record \p I, waiting for the worker if need be.
  Expected<uint32_t> get(size_t I) {
    if (!Worker.joinable())
      return getStorageCRC(C, *Records[I].S);
    std::unique_lock<std::mutex> Lock(M);
    Ready.wait(Lock, [&] { return Done > I; });
    if (!Results[I].Error.empty())
      return makeError("{0}", Results[I].Error);
    return Results[I].CRC;
  }

private:
  struct Result {
    uint32_t CRC = 0;
    std::string Error;
  };
  void run() {
    for (size_t I = 0; I != Records.size() && !Stop; ++I) {
      Result R;
      Expected<uint32_t> CRC = getStorageCRC(C, *Records[I].S);
      if (CRC)
        R.CRC = *CRC;
      else
        R.Error = toString(CRC.takeError());
      std::lock_guard<std::mutex> Lock(M);
      Results[I] = std::move(R);
      Done = I + 1;
      Ready.notify_one();
    }
  }

  const Checkpoint &C;
  ArrayRef<StorageRecord> Records;
  std::vector<Result> Results;
  std::mutex M;
  std::condition_variable Ready;
  size_t Done = 0;
  std::atomic<bool> Stop{false};
  std::thread Worker;
};

Error writeLegacy(const Checkpoint &C, raw_ostream &OS, FileCopyStream *Direct,
                  const Encoding &Enc) {
  const ContainerInfo &CI = C.getContainer();
  bool SameKind = CI.Kind == ContainerKind::Legacy;

  OS << pickleSmall(
      [](PickleWriter &W) { W.bigInteger(getLegacyMagicNumber()); });
  OS << pickleSmall([](PickleWriter &W) { W.integer(1001); });
  if (SameKind && CI.SysInfo) {
    std::string SysInfo;
    PickleEmitter SE(SysInfo, ContainerKind::Legacy, true);
    if (Error E = SE.emitPickle(CI.SysInfo, 2))
      return E;
    OS << SysInfo;
  } else {
    // {'protocol_version': 1001, 'little_endian': True,
    //  'type_sizes': {'short': 2, 'int': 4, 'long': 4}}
    OS << pickleSmall([](PickleWriter &W) {
      W.emptyDict();
      W.put();
      W.mark();
      W.unicode("protocol_version");
      W.put();
      W.integer(1001);
      W.unicode("little_endian");
      W.put();
      W.boolean(true);
      W.unicode("type_sizes");
      W.put();
      W.emptyDict();
      W.put();
      W.mark();
      W.unicode("short");
      W.put();
      W.integer(2);
      W.unicode("int");
      W.put();
      W.integer(4);
      W.unicode("long");
      W.put();
      W.integer(4);
      W.op(Opcode::SetItems);
      W.op(Opcode::SetItems);
    });
  }
  // The main pickle streams out as it is made: it decides which storages
  // are written, under which keys, but nothing before it depends on that.
  std::string Main;
  PickleEmitter PE(Main, ContainerKind::Legacy, /*KeepKeys=*/true, Enc.Target);
  if (Error E = PE.emitPickle(getRootToWrite(C, Enc), Enc.PickleProtocol, &OS))
    return E;

  // Keys sorted as strings, as torch's `sorted(serialized_storages.keys())`.
  std::vector<StorageRecord> Records = PE.records();
  sortByKey(Records);
  OS << pickleSmall([&](PickleWriter &W) {
    W.emptyList();
    W.put();
    for (size_t I = 0; I < Records.size(); I += PickleWriter::BatchSize) {
      size_t N = std::min(PickleWriter::BatchSize, Records.size() - I);
      W.mark();
      for (size_t J = I; J != I + N; ++J) {
        W.unicode(Records[J].Key);
        W.put();
      }
      W.op(Opcode::Appends);
    }
  });
  for (const StorageRecord &R : Records) {
    char Count[8];
    uint64_t N = R.S->getNumElements();
    for (unsigned I = 0; I != 8; ++I)
      Count[I] = static_cast<char>((N >> (8 * I)) & 0xff);
    OS.write(Count, 8);
    if (Error E = writeStorageData(C, *R.S, OS, Direct, Enc))
      return E;
  }
  return Error::success();
}

/// A record of ZipRecords.def.
struct KnownZipRecord {
  StringRef Name;
  bool Trailing;
};

constexpr KnownZipRecord KnownZipRecords[] = {
#define CKPT_ZIP_RECORD(Name, Trailing) {Name, Trailing},
#include "ckpt/Container/ZipRecords.def"
};

/// The contents of a record of ZipRecords.def other than
/// `.data/serialization_id`, as this writer writes the archive.
std::string makeZipRecord(StringRef Name) {
  if (Name == "byteorder")
    return "little"; // storages are always written little-endian
  if (Name == ".format_version")
    return "1"; // storages in pickle order
  if (Name == ".storage_alignment")
    return std::to_string(ZipWriter::Alignment);
  llvm_unreachable("not a record of ZipRecords.def");
}

Error writeZip(const Checkpoint &C, raw_ostream &OS, FileCopyStream *Direct,
               const Encoding &Enc) {
  const ContainerInfo &CI = C.getContainer();
  bool SameKind = CI.Kind == ContainerKind::Zip;
  std::string Main;
  PickleEmitter PE(Main, ContainerKind::Zip, /*KeepKeys=*/SameKind, Enc.Target);
  if (Error E = PE.emitPickle(getRootToWrite(C, Enc), Enc.PickleProtocol))
    return E;

  std::string Root = Enc.ArchiveRoot.empty() ? "archive" : Enc.ArchiveRoot;
  ZipWriter Z(OS, Root);
  Z.addRecord("data.pkl", Main);

  // The records of ZipRecords.def are facts of how this writer lays the
  // archive out, so it makes them itself: those the target's torch.save
  // writes, or without a target those the input had.
  auto Wanted = [&](StringRef Name) {
    return Enc.Target ? is_contained(Enc.Target->ZipRecords, Name)
                      : SameKind && CI.findRecord(Name);
  };
  auto IsKnown = [](StringRef Name) {
    return any_of(KnownZipRecords,
                  [&](const KnownZipRecord &K) { return K.Name == Name; });
  };
  auto AddKnown = [&](bool Trailing) {
    for (const KnownZipRecord &K : KnownZipRecords)
      if (K.Trailing == Trailing && Wanted(K.Name))
        Z.addRecord(K.Name, K.Name == ".data/serialization_id"
                                ? Z.getSerializationId()
                                : makeZipRecord(K.Name));
  };
  // Other records of the input (a torch.package's, a user's) keep their
  // place: before the data, or after `version` for `.data/*`.
  auto IsTrailing = [](StringRef N) {
    return N == "version" || N.starts_with(".data/");
  };
  AddKnown(/*Trailing=*/false);
  if (SameKind)
    for (const ExtraRecord &R : CI.Records)
      if (!IsTrailing(R.Name) && !IsKnown(R.Name))
        Z.addRecord(R.Name, R.Data);
  // torch before 2.7 writes storages sorted by key as strings; 2.7
  // (`.format_version` 1) in pickle order, the order PE found them in.
  std::vector<StorageRecord> Records = PE.records();
  if (!Wanted(".format_version"))
    sortByKey(Records);
  // Each record's CRC-32 goes in its local header, before its bytes. Those
  // the input did not record are computed on a second thread, one record
  // ahead of the copy, so that reading for the CRC and copying overlap.
  CRCPipeline CRCs(C, Records);
  for (size_t I = 0; I != Records.size(); ++I) {
    const StorageRecord &R = Records[I];
    Expected<uint32_t> CRC = CRCs.get(I);
    if (!CRC)
      return CRC.takeError();
    if (Error E = Z.addRecord(("data/" + R.Key).str(), R.S->getData().size(),
                              *CRC, [&](raw_ostream &Out) {
                                return writeStorageData(C, *R.S, Out, Direct,
                                                        Enc);
                              }))
      return E;
  }
  const ExtraRecord *Version = SameKind ? CI.findRecord("version") : nullptr;
  std::string VersionText = Version ? Version->Data : "3\n";
  // 1.4 reads zip files up to version 2; torch.save's payload is the same.
  if (Enc.Target && Enc.Target->MaxZipVersion > 0 &&
      Enc.Target->MaxZipVersion < 3)
    VersionText = std::to_string(Enc.Target->MaxZipVersion) + "\n";
  Z.addRecord("version", VersionText);
  if (SameKind)
    for (const ExtraRecord &R : CI.Records)
      if (IsTrailing(R.Name) && R.Name != "version" && !IsKnown(R.Name))
        Z.addRecord(R.Name, R.Data);
  AddKnown(/*Trailing=*/true);
  Z.finish();
  return Error::success();
}

} // namespace

ContainerKind getOutputContainer(const Checkpoint &C, const Encoding &Enc) {
  if (Enc.Container)
    return *Enc.Container;
  if (Enc.Target)
    return Enc.Target->DefaultContainer == "zip" ? ContainerKind::Zip
                                                 : ContainerKind::Legacy;
  ContainerKind K = C.getContainer().Kind;
  if (K == ContainerKind::Zip || K == ContainerKind::Safetensors)
    return K;
  // What dcp_to_torch_save writes.
  if (K == ContainerKind::DCP)
    return ContainerKind::Zip;
  return ContainerKind::Legacy;
}

std::optional<ContainerKind> getContainerForOutputName(StringRef Path,
                                                       ContainerKind Input) {
  if (Path.ends_with(".safetensors"))
    return ContainerKind::Safetensors;
  // A torch.save file from a safetensors one or a DCP directory:
  // torch.save's default.
  if ((Input == ContainerKind::Safetensors || Input == ContainerKind::DCP) &&
      Path != "-")
    return ContainerKind::Zip;
  return std::nullopt;
}

/// Writes \p C to \p OS; \p Direct is \p OS when it is a file the kernel can
/// copy input ranges into.
static Error writeCheckpointTo(const Checkpoint &C, raw_ostream &OS,
                               FileCopyStream *Direct, const Encoding &EncIn) {
  if (!getRootToWrite(C, EncIn))
    return makeError("the checkpoint has no root object");
  Encoding Enc = EncIn;
  if (Enc.Target)
    Enc.PickleProtocol =
        std::min<unsigned>(Enc.PickleProtocol, Enc.Target->MaxPickleProtocol);
  // torch's weights_only unpickler (2.6's default load) implements protocol
  // 2's opcodes only: no SHORT_BINBYTES, FRAME, MEMOIZE or STACK_GLOBAL
  // ("Unsupported operand 67"). Protocol 2 is what torch.save writes anyway.
  if (Enc.Target && Enc.Target->WeightsOnlyDefault)
    Enc.PickleProtocol = std::min<unsigned>(Enc.PickleProtocol, 2);
  switch (getOutputContainer(C, Enc)) {
  case ContainerKind::Legacy:
    return writeLegacy(C, OS, Direct, Enc);
  case ContainerKind::Zip:
    return writeZip(C, OS, Direct, Enc);
  case ContainerKind::Safetensors:
    return writeSafetensors(C, OS, Direct, Enc);
  case ContainerKind::DCP:
    return makeError("a DCP checkpoint is a directory; name it with -o");
  case ContainerKind::Tar:
  case ContainerKind::Pickle:
    return makeError("writing {0} checkpoints is not supported; use "
                     "-format=legacy, -format=zip or -format=safetensors",
                     getContainerKindName(*Enc.Container));
  }
  llvm_unreachable("unknown container");
}

Error writeCheckpoint(const Checkpoint &C, raw_ostream &OS,
                      const Encoding &Enc) {
  return writeCheckpointTo(C, OS, /*Direct=*/nullptr, Enc);
}

Error writeCheckpointFile(const Checkpoint &C, StringRef Path,
                          const Encoding &EncIn) {
  if (getOutputContainer(C, EncIn) == ContainerKind::DCP) {
    if (Path == "-")
      return makeError("a DCP checkpoint is a directory; name it with -o");
    return writeDCPDirectory(C, Path, EncIn);
  }
  Encoding Enc = EncIn;
  if (Enc.ArchiveRoot.empty() && Path != "-")
    Enc.ArchiveRoot = sys::path::stem(Path).str();
  if (Enc.ArchiveRoot.empty())
    Enc.ArchiveRoot = "archive";
  if (Path == "-") {
    if (Error E = writeCheckpoint(C, outs(), Enc))
      return E;
    outs().flush();
    return Error::success();
  }

  // Never a partial output file, and never a write through the input.
  return writeFileAtomically(Path, [&](int FD) -> Error {
    FileCopyStream OS(FD, /*shouldClose=*/false);
    // Pickles and small tensors go through this buffer: large writes.
    OS.SetBufferSize(size_t(1) << 20);
    if (Error E = writeCheckpointTo(C, OS, &OS, Enc))
      return E;
    OS.flush();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error();
      return createFileError(Path, errorCodeToError(EC));
    }
    return Error::success();
  });
}

Error writeZipArchive(const Checkpoint &C, raw_ostream &OS,
                      FileCopyStream *Direct, const Encoding &Enc) {
  return writeZip(C, OS, Direct, Enc);
}

} // namespace ckpt
