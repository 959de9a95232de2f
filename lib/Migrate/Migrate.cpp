//===- Migrate.cpp - One input: read, run the pipeline, write -------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Migrate/Migrate.h"
#include "ProgressMeter.h"
#include "ckpt/Container/Archive.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Parser.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Reports.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Reader/PickleDump.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/Diagnostics.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Writer/TargetVerifier.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

namespace {

/// One input through the steps of a run. Each step returns an Error; run()
/// reports it naming the input, or the output for errors of writing.
class FileMigration {
public:
  FileMigration(StringRef Input, StringRef Output, const MigrateOptions &Opts,
                raw_ostream &Diag)
      : Input(Input), Output(Output), Opts(Opts), Diag(Diag) {}

  ~FileMigration() {
    // A single run exits right after: freeing millions of nodes one by one
    // would only cost time (as clang's -disable-free).
    if (C && !Opts.FreeIR)
      (void)C.release();
    if (InputFD >= 0)
      sys::fs::closeFile(InputFD);
  }

  bool run();

private:
  bool report(StringRef File, Error E) {
    reportError(Diag, Opts.ToolName, File, std::move(E));
    return false;
  }

  /// Maps the input file (a shard set or DCP directory is read later, piece
  /// by piece).
  Error open();
  /// Reads the checkpoint: textual IR (told apart by content), a binary
  /// file, a shard set or a DCP directory.
  Error read();
  /// Runs the pipeline (a dry run stops after it), and verifies what passes
  /// or a text file produced.
  Error transform();
  /// The encoding to write: -format, else the target's, else the output
  /// name's or the input's container.
  Encoding getEncoding() const;
  /// Checks that the release to verify for can load the result; notes what
  /// its description cannot judge.
  Error verifyForRelease(const Encoding &Enc);
  /// Writes the checkpoint (a file or a shard set), atomically.
  Error write(Encoding Enc);
  /// Prints the listings, summaries and IR asked for.
  Error printText(raw_ostream &OS);

  bool readsCheckpoint() const {
    return Opts.PrintIR || Opts.Summary || Opts.ListTensors || Opts.DryRun ||
           !Opts.wantsText();
  }

  StringRef Input, Output;
  const MigrateOptions &Opts;
  raw_ostream &Diag;
  /// The input's descriptor until the checkpoint takes it over.
  int InputFD = -1;
  std::optional<std::string> SetIndex;
  bool IsDCP = false;
  /// The input's bytes (empty for a shard set or DCP directory), mapped
  /// while the listings or the checkpoint need them.
  std::unique_ptr<MemoryBuffer> Buf;
  MemoryBufferRef InputRef;
  std::unique_ptr<Checkpoint> C;
  bool IsText = false;
  bool RanPasses = false;
  /// A dry run's pipeline ran and was reported: nothing more to do.
  bool DryRunDone = false;
};

Error FileMigration::open() {
  // A shard set (an `*.index.json`, or a directory holding one) is read
  // shard by shard; the listings read one file, so name a shard for them.
  SetIndex = findShardSetIndex(Input);
  IsDCP = !SetIndex && isDCPDirectory(Input);
  if ((SetIndex || IsDCP) && (Opts.ListRecords || Opts.DumpPickle))
    return makeError("-list-records and -dump-pickle read one file; name "
                     "one file of the set or directory");
  if (SetIndex || IsDCP) {
    Buf = MemoryBuffer::getMemBuffer("", Input);
  } else {
    auto File = openCheckpointFile(Input, InputFD);
    if (!File)
      return File.takeError();
    Buf = std::move(*File);
  }
  InputRef = Buf->getMemBufferRef();
  return Error::success();
}

Error FileMigration::read() {
  ReaderOptions RO;
  RO.Lower = Opts.Lower;
  RO.SourceFD = InputFD;
  RO.MemoryLimit = Opts.MemoryLimit;
  IsText = !SetIndex && !IsDCP && isTextualIR(InputRef);
  auto Read = SetIndex ? readShardSet(*SetIndex, RO)
              : IsDCP  ? readDCPDirectory(Input, RO)
              : IsText ? parseCheckpointText(std::move(Buf))
                       : readCheckpoint(std::move(Buf), RO);
  if (!Read)
    return Read.takeError();
  C = std::move(*Read);
  if (!IsText && InputFD >= 0) {
    // Unchanged tensor bytes are then copied file to file.
    C->addSourceFile(InputRef, InputFD);
    InputFD = -1;
  }
  return Error::success();
}

Error FileMigration::transform() {
  RanPasses = !Opts.Pipeline.empty();
  if (RanPasses) {
    PassInstrumentation PI = Opts.Instrumentation;
    PI.Stats |= Opts.DryRun;
    PassManager PM(Opts.Pipeline, std::move(PI), Diag);
    if (Error E = PM.run(*C))
      return E;
    if (Opts.DryRun) {
      DryRunDone = true;
      Diag << (PM.changedAnything()
                   ? "// dry run: the pipeline would change the checkpoint; "
                     "nothing written\n"
                   : "// dry run: the pipeline changes nothing\n");
      return Error::success();
    }
  }
  // The reader verified what it built; text and passes are checked here.
  if (Opts.VerifyIR && (IsText || RanPasses))
    return verifyCheckpoint(*C);
  return Error::success();
}

Encoding FileMigration::getEncoding() const {
  Encoding Enc;
  Enc.Target = Opts.Target;
  if (Opts.Format)
    Enc.Container = *Opts.Format;
  else if (!Opts.Target)
    Enc.Container = getContainerForOutputName(Output, C->getContainer().Kind);
  return Enc;
}

Error FileMigration::verifyForRelease(const Encoding &Enc) {
  // A target is always verified before writing; -verify-target alone checks.
  const TargetSpec *VerifyFor = Opts.VerifyFor ? Opts.VerifyFor : Opts.Target;
  if (!VerifyFor)
    return Error::success();
  Encoding VEnc = Enc;
  VEnc.Target = VerifyFor;
  std::vector<std::string> Assumptions;
  if (Error E = verifyForTarget(*C, *VerifyFor, VEnc, &Assumptions))
    return E;
  // What the release's description cannot judge is said, not dropped.
  for (const std::string &A : Assumptions)
    WithColor::note(Diag, Opts.ToolName)
        << Input << ": not judged for PyTorch " << VerifyFor->Version
        << " (outside torch): " << A << '\n';
  return Error::success();
}

Error FileMigration::write(Encoding Enc) {
  std::optional<ProgressMeter> Progress;
  if (Opts.ShowProgress) {
    uint64_t Total = 0;
    for (const StorageValue *S : C->getStorages())
      if (!S->getViewRoot())
        Total += S->getData().size();
    if (Total >= Opts.ProgressMinBytes) {
      Progress.emplace(Diag, Output, Total);
      Enc.Progress = &*Progress;
    }
  }
  if (Opts.MaxShardSize && Output != "-")
    return writeShardSet(*C, Output, Enc, *Opts.MaxShardSize);
  return writeCheckpointFile(*C, Output, Enc);
}

Error FileMigration::printText(raw_ostream &OS) {
  if (Opts.ListRecords)
    if (Error E = printContainerListing(OS, InputRef))
      return E;
  if (Opts.DumpPickle)
    if (Error E = dumpCheckpointPickles(OS, InputRef))
      return E;
  if (!C)
    return Error::success();
  if (Opts.Summary)
    printSummary(OS, *C);
  if (Opts.ListTensors)
    printTensorListing(OS, *C);
  if (Opts.PrintIR) {
    PrintOptions PO;
    PO.InlineData = Opts.InlineData;
    printCheckpoint(OS, *C, PO);
  }
  return Error::success();
}

bool FileMigration::run() {
  if (Error E = open())
    return report(Input, std::move(E));
  if (readsCheckpoint()) {
    // The parser's diagnostics already read `FILE:LINE:COL: error: ...`.
    if (Error E = read())
      return report(Input, std::move(E));
    if (Error E = transform())
      return report(Input, std::move(E));
    if (DryRunDone)
      return true;
    Encoding Enc = getEncoding();
    if (Error E = verifyForRelease(Enc))
      return report(Input, std::move(E));
    if (!Opts.wantsText()) {
      if (Error E = write(std::move(Enc)))
        return report(Output, std::move(E));
      return true;
    }
  }

  // Text is written as it is made (a hostile input's listing can be many
  // times its size): to a temporary renamed into place, so that a failure
  // leaves no partial file; to stdout as it comes, as LLVM's tools do.
  // Errors of the input (listings) name it and their offset; errors of the
  // output (FileErrors) name the output.
  auto Print = [&](raw_ostream &OS) { return printText(OS); };
  if (Output == "-") {
    Error E = Print(outs());
    outs().flush();
    if (E)
      return report(Input, std::move(E));
    if (std::error_code WEC = outs().error()) {
      outs().clear_error();
      return report("-", errorCodeToError(WEC));
    }
    return true;
  }
  if (Error E = writeTextFileAtomically(Output, Print))
    return report(Input, std::move(E));
  return true;
}

} // namespace

bool migrateFile(StringRef Input, StringRef Output, const MigrateOptions &Opts,
                 raw_ostream &Diag) {
  return FileMigration(Input, Output, Opts, Diag).run();
}

} // namespace ckpt
