//===- ckpt/Scan/Scan.h - What a checkpoint would import, call -*- C++ -*-===//
//
// Part of ckpt-migrate. `ckpt-migrate -scan`: runs the never-executing pickle
// machine over every pickle of a checkpoint (all five of a legacy stream,
// every pickle of a tar member, every *.pkl record of a zip, a bare pickle)
// and lists each global torch would import and each call it would make,
// with its file offset, graded against torch's weights_only allowlist for a
// release. See docs/Scan.md.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SCAN_SCAN_H
#define CKPT_SCAN_SCAN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

struct TargetSpec;

/// One global or call a pickle would make torch perform.
struct ScanFinding {
  enum class Kind {
    /// GLOBAL, STACK_GLOBAL or INST names a global: torch imports it.
    Global,
    /// REDUCE, NEWOBJ, NEWOBJ_EX, INST or OBJ calls something.
    Call,
    /// BUILD hands state to an object (__setstate__ or __dict__ update).
    Build,
    /// PERSID/BINPERSID calls the loader's persistent_load.
    PersistentLoad,
    /// The container itself (a TorchScript archive).
    Container,
  };
  Kind K;
  /// Absolute file offset of the opcode; for records stored compressed, the
  /// offset inside the inflated record (see ScannedPickle::Inflated).
  uint64_t Offset = 0;
  /// Index into ScanReport::Pickles (0-based); unused for Container.
  unsigned Pickle = 0;
  /// The opcode ("GLOBAL", "STACK_GLOBAL", "REDUCE", ...).
  std::string Opcode;
  /// What is imported or called: "os.system", or a description of a
  /// callable that is not a global ("<object made at 0x1f by
  /// builtins.getattr>").
  std::string Subject;
  /// Whether torch.load(weights_only=True) of the graded release accepts it.
  bool Allowed = false;
  /// Why it is refused, when it is ("module os is blocked", ...).
  std::string Reason;
  /// A well-known way to run code or touch files (picklescan's "dangerous").
  bool Dangerous = false;
};

/// One pickle of the file.
struct ScannedPickle {
  /// Where it lives: "magic number", "object", "archive/data.pkl",
  /// "tar member tensors, tensor 2 header", ...
  std::string Name;
  /// Absolute offset of its first byte (0 for an inflated record).
  uint64_t Offset = 0;
  /// The record was stored compressed: offsets are inside the inflated bytes.
  bool Inflated = false;
  /// Pickle protocol (PROTO), 0 when absent.
  unsigned Protocol = 0;
  /// Opcodes torch's weights_only unpickler does not implement, each with
  /// the offset of its first use.
  std::vector<std::pair<std::string, uint64_t>> UnsupportedOpcodes;
  /// Empty when the pickle ran to STOP; else the error that stopped it.
  std::string Error;
};

/// Everything -scan found in one file.
struct ScanReport {
  /// "legacy", "zip", "tar", "pickle", or "unknown".
  std::string Container;
  /// The release asked for, and the one whose allowlist grades (they differ
  /// for releases without weights_only).
  const TargetSpec *Requested = nullptr;
  const TargetSpec *Graded = nullptr;
  std::vector<ScannedPickle> Pickles;
  std::vector<ScanFinding> Findings;
  /// Remarks that do not change the verdict.
  std::vector<std::string> Notes;
  /// Errors outside any pickle (the container could not be walked).
  std::vector<std::string> Errors;

  /// Whether every pickle was found and parsed to its STOP.
  bool isComplete() const;
  /// Number of findings off the allowlist.
  unsigned getNumRefused() const;
  /// Complete, and nothing refused: the exit status 0 case.
  bool isClean() const { return isComplete() && getNumRefused() == 0; }
};

/// Bounds of a scan: `-scan` looks at files nobody trusts, and finishes on
/// any of them in bounded memory.
struct ScanOptions {
  /// A deflated record is inflated as a stream, to at most this many times
  /// its compressed size (1 MiB is always allowed) ...
  uint64_t MaxInflateRatio = 16;
  /// ... and to at most this many bytes. What lies beyond is not inflated:
  /// a pickle that ends before it is scanned whole; one that does not makes
  /// the scan incomplete, saying why.
  uint64_t MaxInflatedBytes = uint64_t(1) << 30;
  /// The most heap the process may use while pickles are run (0: no limit);
  /// unset, the default for the file's size (ckpt/Support/MemoryLimit.h).
  std::optional<uint64_t> MemoryLimit;
};

/// Scans the file in \p Buf, grading against \p Target (its weights_only
/// allowlist, or the newest described release's when it has none). Never
/// fails: what could not be scanned is recorded in the report, which is then
/// incomplete.
ScanReport scanCheckpoint(llvm::MemoryBufferRef Buf, const TargetSpec &Target,
                          const ScanOptions &Opts = {});

/// Prints \p R one finding a line, then notes, errors and a verdict line:
///   offset 0x1a2 pickle 4/5 GLOBAL numpy.core.multiarray.scalar  REFUSED by
///   weights_only (2.6)
void printScanReport(llvm::raw_ostream &OS, const ScanReport &R,
                     llvm::StringRef FileName);

/// Prints \p R as one JSON object (`-scan-format=json`).
void printScanReportJSON(llvm::raw_ostream &OS, const ScanReport &R,
                         llvm::StringRef FileName);

} // namespace ckpt

#endif // CKPT_SCAN_SCAN_H
