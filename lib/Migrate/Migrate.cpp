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
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

bool migrateFile(StringRef Input, StringRef Output, const MigrateOptions &Opts,
                 raw_ostream &Diag) {
  StringRef ToolName = Opts.ToolName;
  auto Report = [&](StringRef File, Error E) {
    reportError(Diag, ToolName, File, std::move(E));
    return false;
  };
  const TargetSpec *Target = Opts.Target;
  // A target is always verified before writing; -verify-target alone checks.
  const TargetSpec *VerifyFor = Opts.VerifyFor ? Opts.VerifyFor : Target;
  bool WantsText = Opts.wantsText();
  int InputFD = -1;
  // A shard set (an `*.index.json`, or a directory holding one) is read
  // shard by shard; the listings read one file, so name a shard for them.
  std::optional<std::string> SetIndex = findShardSetIndex(Input);
  bool IsDCP = !SetIndex && isDCPDirectory(Input);
  if ((SetIndex || IsDCP) && (Opts.ListRecords || Opts.DumpPickle))
    return Report(Input,
                  makeError("-list-records and -dump-pickle read one file; "
                            "name one file of the set or directory"));
  auto Buf = SetIndex || IsDCP ? Expected<std::unique_ptr<MemoryBuffer>>(
                                     MemoryBuffer::getMemBuffer("", Input))
                               : openCheckpointFile(Input, InputFD);
  if (!Buf)
    return Report(Input, Buf.takeError());
  // Closed here unless the checkpoint takes it over.
  auto CloseInput = make_scope_exit([&] {
    if (InputFD >= 0)
      sys::fs::closeFile(InputFD);
  });

  // What the text prints: the raw input (listings) and the checkpoint read
  // from it (summaries, IR). The input stays mapped while either lives.
  MemoryBufferRef InputRef = (*Buf)->getMemBufferRef();
  std::unique_ptr<Checkpoint> Read;
  auto ReleaseRead = make_scope_exit([&] {
    // A single run exits right after: freeing millions of nodes one by one
    // would only cost time (as clang's -disable-free).
    if (Read && !Opts.FreeIR)
      (void)Read.release();
  });
  if (Opts.PrintIR || Opts.Summary || Opts.ListTensors || Opts.DryRun ||
      !WantsText) {
    ReaderOptions RO;
    RO.Lower = Opts.Lower;
    RO.SourceFD = InputFD;
    RO.MemoryLimit = Opts.MemoryLimit;
    // Textual IR (.ckir) or a binary checkpoint, told apart by content.
    MemoryBufferRef InputRef = (*Buf)->getMemBufferRef();
    bool IsText = !SetIndex && !IsDCP && isTextualIR(InputRef);
    auto C = SetIndex ? readShardSet(*SetIndex, RO)
             : IsDCP  ? readDCPDirectory(Input, RO)
             : IsText ? parseCheckpointText(std::move(*Buf))
                      : readCheckpoint(std::move(*Buf), RO);
    if (C && !IsText && InputFD >= 0) {
      // Unchanged tensor bytes are then copied file to file.
      (*C)->addSourceFile(InputRef, InputFD);
      InputFD = -1;
    }
    // A single run exits right after: freeing millions of nodes one by one
    // would only cost time (as clang's -disable-free).
    auto Release = make_scope_exit([&] {
      if (C && !Opts.FreeIR)
        (void)C->release();
    });
    // The parser's diagnostics already read `FILE:LINE:COL: error: ...`.
    if (!C)
      return Report(Input, C.takeError());
    bool RanPasses = !Opts.Pipeline.empty();
    if (RanPasses) {
      PassInstrumentation PI = Opts.Instrumentation;
      PI.Stats |= Opts.DryRun;
      PassManager PM(Opts.Pipeline, std::move(PI), Diag);
      if (Error E = PM.run(**C))
        return Report(Input, std::move(E));
      if (Opts.DryRun) {
        Diag << (PM.changedAnything() ? "// dry run: the pipeline would "
                                        "change the checkpoint; nothing "
                                        "written\n"
                                      : "// dry run: the pipeline changes "
                                        "nothing\n");
        return true;
      }
    }
    // The reader verified what it built; text and passes are checked here.
    if (Opts.VerifyIR && (IsText || RanPasses))
      if (Error E = verifyCheckpoint(**C))
        return Report(Input, std::move(E));
    Encoding Enc;
    Enc.Target = Target;
    if (Opts.Format)
      Enc.Container = *Opts.Format;
    else if (!Target)
      Enc.Container =
          getContainerForOutputName(Output, (*C)->getContainer().Kind);
    if (VerifyFor) {
      Encoding VEnc = Enc;
      VEnc.Target = VerifyFor;
      std::vector<std::string> Assumptions;
      if (Error E = verifyForTarget(**C, *VerifyFor, VEnc, &Assumptions))
        return Report(Input, std::move(E));
      // What the release's description cannot judge is said, not dropped.
      for (const std::string &A : Assumptions)
        WithColor::note(Diag, ToolName)
            << Input << ": not judged for PyTorch " << VerifyFor->Version
            << " (outside torch): " << A << '\n';
    }
    if (!WantsText) {
      std::optional<ProgressMeter> Progress;
      if (Opts.ShowProgress) {
        uint64_t Total = 0;
        for (const StorageValue *S : (*C)->getStorages())
          if (!S->getViewRoot())
            Total += S->getData().size();
        if (Total >= Opts.ProgressMinBytes) {
          Progress.emplace(Diag, Output, Total);
          Enc.Progress = &*Progress;
        }
      }
      if (Error E = Opts.MaxShardSize && Output != "-"
                        ? writeShardSet(**C, Output, Enc, *Opts.MaxShardSize)
                        : writeCheckpointFile(**C, Output, Enc))
        return Report(Output, std::move(E));
      return true;
    }
    Read = std::move(*C);
  }

  // Text is written as it is made (a hostile input's listing can be many
  // times its size): to a temporary renamed into place, so that a failure
  // leaves no partial file; to stdout as it comes, as LLVM's tools do.
  auto Emit = [&](raw_ostream &OS) -> Error {
    if (Opts.ListRecords)
      if (Error E = printContainerListing(OS, InputRef))
        return E;
    if (Opts.DumpPickle)
      if (Error E = dumpCheckpointPickles(OS, InputRef))
        return E;
    if (!Read)
      return Error::success();
    if (Opts.Summary)
      printSummary(OS, *Read);
    if (Opts.ListTensors)
      printTensorListing(OS, *Read);
    if (Opts.PrintIR) {
      PrintOptions PO;
      PO.InlineData = Opts.InlineData;
      printCheckpoint(OS, *Read, PO);
    }
    return Error::success();
  };
  // Errors of the input (listings) name it and their offset; errors of the
  // output (FileErrors) name the output.
  if (Output == "-") {
    Error E = Emit(outs());
    outs().flush();
    if (E)
      return Report(Input, std::move(E));
    if (std::error_code WEC = outs().error()) {
      outs().clear_error();
      return Report("-", errorCodeToError(WEC));
    }
    return true;
  }
  if (Error E = writeTextFileAtomically(Output, Emit))
    return Report(Input, std::move(E));
  return true;
}

} // namespace ckpt
