//===- ckpt-migrate.cpp - The ckpt-migrate driver -------------------------===//
//
// Part of ckpt-migrate. Reads a PyTorch checkpoint without executing it,
// prints it as textual IR or summaries, and (with later components) runs
// migration pipelines and writes it back for a target PyTorch release.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Config/Version.inc"
#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Parser.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Reports.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Passes/PassManager.h"
#include "ckpt/Passes/PassPlugin.h"
#include "ckpt/Pickle/Disassembler.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Scan/Scan.h"
#include "ckpt/Support/AtomicFile.h"
#include "ckpt/Support/ByteSize.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/FileRange.h"
#include "ckpt/TableGen/PassModel.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Writer/TargetVerifier.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Compiler.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/thread.h"
#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <optional>

using namespace llvm;
using namespace ckpt;

static cl::OptionCategory Category("ckpt-migrate options");

static cl::OptionCategory PassCategory("Pass options");

static cl::list<std::string>
    InputFilenames(cl::Positional,
                   cl::desc("<input checkpoint>... (@file reads names from "
                            "file)"),
                   cl::cat(Category));

/// The input of a single-file run.
static std::string InputFilename;

static cl::OptionCategory BatchCategory("Batch mode (several inputs)");

static cl::opt<std::string>
    OutputDir("output-dir",
              cl::desc("Write each input's result here under its own name; "
                       "required with several inputs"),
              cl::value_desc("dir"), cl::cat(BatchCategory));

static cl::opt<unsigned>
    Jobs("j", cl::desc("Migrate up to N files at once (default: 1)"),
         cl::value_desc("N"), cl::init(1), cl::cat(BatchCategory));

static cl::opt<uint64_t> ProgressMinBytes(
    "progress-min-bytes",
    cl::desc("Show the progress indicator for outputs with at least this "
             "many tensor bytes"),
    cl::init(256 << 20), cl::Hidden, cl::cat(Category));

static cl::opt<bool> Quiet("quiet",
                           cl::desc("No progress indicator on a terminal"),
                           cl::cat(Category));

static cl::opt<std::string>
    Passes("passes",
           cl::desc("Pipeline to run, e.g. "
                    "-passes=strip-prefix{prefix=module.},downgrade-0.4.0"),
           cl::value_desc("pipeline"), cl::cat(PassCategory));

static cl::list<std::string>
    PassFiles("pass-file",
              cl::desc("Load passes and pipelines from a TableGen file "
                       "(repeatable)"),
              cl::value_desc("file.td"), cl::cat(PassCategory));

static cl::list<std::string>
    PassPlugins("load-pass-plugin",
                cl::desc("Load passes from a plugin shared object "
                         "(repeatable)"),
                cl::value_desc("lib.so"), cl::cat(PassCategory));

static cl::list<std::string>
    PassIncludeDirs("pass-include-dir",
                    cl::desc("Directory searched by `include` in pass files "
                             "(after the project's own include directory)"),
                    cl::value_desc("dir"), cl::cat(PassCategory));

static cl::opt<bool> PrintPasses("print-passes",
                                 cl::desc("List every pass and pipeline"),
                                 cl::cat(PassCategory));

static cl::opt<bool> PrintAfterAll("print-after-all",
                                   cl::desc("Print the IR after every pass"),
                                   cl::cat(PassCategory));

static cl::opt<bool> PrintBeforeAll("print-before-all",
                                    cl::desc("Print the IR before every pass"),
                                    cl::cat(PassCategory));

static cl::list<std::string> PrintBefore(
    "print-before", cl::desc("Print the IR before the named passes"),
    cl::CommaSeparated, cl::value_desc("pass"), cl::cat(PassCategory));

static cl::list<std::string>
    PrintAfter("print-after", cl::desc("Print the IR after the named passes"),
               cl::CommaSeparated, cl::value_desc("pass"),
               cl::cat(PassCategory));

static cl::opt<bool>
    PrintChanged("print-changed",
                 cl::desc("Print a diff of the IR after every pass that "
                          "changed it"),
                 cl::cat(PassCategory));

static cl::opt<bool> VerifyEach("verify-each",
                                cl::desc("Verify the IR after every pass"),
                                cl::cat(PassCategory));

static cl::opt<bool>
    DisableVerify("disable-verify",
                  cl::desc("Do not verify the IR after the pipeline"),
                  cl::cat(PassCategory));

static cl::opt<bool> TimePasses("time-passes",
                                cl::desc("Time each pass and print a report"),
                                cl::cat(PassCategory));

static cl::opt<bool>
    DryRun("dry-run",
           cl::desc("Run the pipeline and report what it would change (as "
                    "-stats), writing nothing"),
           cl::cat(PassCategory));

static cl::opt<std::string> OutputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"),
                                           cl::init("-"), cl::cat(Category));

static cl::opt<bool>
    ForceOutput("f", cl::desc("Write a binary checkpoint even to a terminal"),
                cl::cat(Category));

static cl::opt<bool> PrintIR("S",
                             cl::desc("Print the checkpoint as textual IR"),
                             cl::cat(Category));

static cl::opt<bool>
    InlineData("inline-data",
               cl::desc("With -S, print storage bytes inline as hex instead "
                        "of a checksum"),
               cl::cat(Category));

static cl::opt<bool> Summary("summary",
                             cl::desc("Print a summary of the checkpoint"),
                             cl::cat(Category));

static cl::opt<bool>
    ListTensors("tensors",
                cl::desc("List every tensor reachable from the root, one per "
                         "line"),
                cl::cat(Category));

static cl::opt<bool>
    ListRecords("list-records",
                cl::desc("List the container's records or members"),
                cl::cat(Category));

static cl::opt<bool>
    DumpPickle("dump-pickle",
               cl::desc("Disassemble the checkpoint's pickles (like "
                        "pickletools)"),
               cl::cat(Category));

static cl::opt<bool>
    ScanFile("scan",
             cl::desc("List every global and call of every pickle of the "
                      "file, graded against torch's weights_only allowlist "
                      "(-target=VERSION, default the newest release); exit "
                      "1 if anything is refused or the scan is incomplete"),
             cl::cat(Category));

enum class ScanFormatKind { Text, JSON };
static cl::opt<ScanFormatKind> ScanFormat(
    "scan-format", cl::desc("Output of -scan"),
    cl::values(clEnumValN(ScanFormatKind::Text, "text", "one line a finding"),
               clEnumValN(ScanFormatKind::JSON, "json", "one JSON object")),
    cl::init(ScanFormatKind::Text), cl::cat(Category));

static cl::opt<std::string> ScanMaxInflated(
    "scan-max-inflated",
    cl::desc("-scan inflates a deflated record to at most this size "
             "(K, M, G suffixes; default 1G)"),
    cl::value_desc("size"), cl::init("1G"), cl::cat(Category));

static cl::opt<uint64_t> ScanMaxInflateRatio(
    "scan-max-inflate-ratio",
    cl::desc("-scan inflates a deflated record to at most N times its "
             "compressed size, 1 MiB at least (default 16)"),
    cl::value_desc("N"), cl::init(ScanOptions().MaxInflateRatio),
    cl::cat(Category));

static cl::opt<std::string> MaxShardSize(
    "max-shard-size",
    cl::desc("Write a Hugging Face shard set: shards of at most this much "
             "tensor data (K, M, G suffixes), named STEM-00001-of-0000N.EXT "
             "beside -o, and STEM.EXT.index.json"),
    cl::value_desc("size"), cl::cat(Category));

static cl::opt<std::string> MemoryLimit(
    "memory-limit",
    cl::desc("Stop with an error when reading the input's pickles needs "
             "more heap than this (K, M, G suffixes; 0: no limit; default: "
             "16 bytes per input byte plus 1G)"),
    cl::value_desc("size"), cl::cat(Category));

/// The value of a size option, or an error naming it.
static Expected<std::optional<uint64_t>>
getSizeOption(const cl::opt<std::string> &O) {
  if (!O.getNumOccurrences() && O.empty())
    return std::nullopt;
  if (std::optional<uint64_t> N = parseByteSize(O))
    return N;
  return createStringError(inconvertibleErrorCode(),
                           "-%s: '%s' is not a size (a count of bytes, "
                           "optionally with K, M, G or T)",
                           O.ArgStr.str().c_str(), O.c_str());
}

enum class OutputFormat { Same, Legacy, Zip, Safetensors, DCP };
static cl::opt<OutputFormat> Format(
    "format", cl::desc("Container of the written checkpoint"),
    cl::values(clEnumValN(OutputFormat::Same, "same",
                          "the input's (tar and bare pickles become legacy)"),
               clEnumValN(OutputFormat::Legacy, "legacy",
                          "legacy magic-number stream (read by 0.1.10+)"),
               clEnumValN(OutputFormat::Zip, "zip",
                          "zip archive (read by 1.6+; 1.4+ for version 2)"),
               clEnumValN(OutputFormat::Safetensors, "safetensors",
                          "safetensors file (tensors only; the default "
                          "for *.safetensors outputs)"),
               clEnumValN(OutputFormat::DCP, "dcp",
                          "torch.distributed.checkpoint directory (-o "
                          "names the directory)")),
    cl::init(OutputFormat::Same), cl::cat(Category));

static cl::opt<std::string>
    TargetVersion("target",
                  cl::desc("Write for this PyTorch release (its container, "
                           "tensor and Parameter encodings) and verify that "
                           "it can load the result"),
                  cl::value_desc("version"), cl::cat(Category));

static cl::opt<std::string> VerifyTarget(
    "verify-target",
    cl::desc("Check that this PyTorch release could load the checkpoint as "
             "written; list every problem with the pass that fixes it"),
    cl::value_desc("version"), cl::cat(Category));

static cl::opt<bool>
    PrintTargets("print-targets",
                 cl::desc("List the described PyTorch releases"),
                 cl::cat(Category));

static cl::opt<bool> NoLower("no-lower",
                             cl::desc("Keep torch objects as generic pickle "
                                      "nodes (do not lower to typed IR)"),
                             cl::cat(Category));

static StringRef ToolName;

/// Reports \p E as `ckpt-migrate: error: FILE: offset N: message`.
static void reportError(raw_ostream &OS, StringRef File, Error E) {
  handleAllErrors(
      std::move(E),
      // An error of another file (a shard of a set, a temporary) names it.
      [&](const FileError &FE) {
        WithColor::error(OS, ToolName)
            << FE.getFileName() << ": " << FE.messageWithoutFileInfo() << '\n';
      },
      [&](const ErrorInfoBase &EI) {
        WithColor::error(OS, ToolName) << File << ": ";
        EI.log(OS);
        OS << '\n';
      });
}

/// What every file of a run shares: the pipeline and the release to write.
struct RunConfig {
  const std::vector<PipelineEntry> *Pipeline = nullptr;
  const TargetSpec *Target = nullptr;
  const TargetSpec *VerifyFor = nullptr;
  /// Print text (-S, -summary, ...) instead of writing a checkpoint.
  bool WantsText = false;
  /// Show a progress indicator for long copies.
  bool ShowProgress = false;
  /// Free the IR after each file (batch mode), rather than at exit.
  bool FreeIR = true;
  /// -memory-limit, when given.
  std::optional<uint64_t> MemoryLimit;
  /// -max-shard-size, when given.
  std::optional<uint64_t> MaxShardSize;
};

/// "copied 1.2 GiB of 4.0 GiB (30%)" on one terminal line, redrawn at most
/// ten times a second, erased when done.
class ProgressMeter : public CopyObserver {
public:
  ProgressMeter(raw_ostream &OS, StringRef Name, uint64_t Total)
      : OS(OS), Name(Name.str()), Total(Total) {}
  ~ProgressMeter() override {
    if (Drawn)
      OS << "\r\x1b[K";
    OS.flush();
  }

  void copied(uint64_t Bytes) override {
    Done += Bytes;
    auto Now = std::chrono::steady_clock::now();
    if (Drawn && Done < Total && Now - Last < std::chrono::milliseconds(100))
      return;
    Last = Now;
    Drawn = true;
    OS << formatv("\r{0}: copied {1:F1} GiB of {2:F1} GiB ({3}%)", Name,
                  Done / double(1 << 30), Total / double(1 << 30),
                  Total ? Done * 100 / Total : 100);
    OS.flush();
  }

private:
  raw_ostream &OS;
  std::string Name;
  uint64_t Total, Done = 0;
  bool Drawn = false;
  std::chrono::steady_clock::time_point Last;
};

/// Disassembles every pickle of the file: all five of a legacy stream, the
/// data.pkl of a zip, the members of a tar.
static Error dumpPickles(raw_ostream &OS, MemoryBufferRef Buf) {
  auto Kind = identifyContainer(Buf);
  if (!Kind)
    return Kind.takeError();
  StringRef Bytes = Buf.getBuffer();
  switch (*Kind) {
  case ContainerKind::Legacy: {
    uint64_t Pos = 0;
    for (StringRef Name : getLegacyPickleNames()) {
      OS << "; pickle: " << Name << '\n';
      uint64_t End;
      if (Error E = pickle::disassemble(OS, Bytes.substr(Pos), Pos, &End))
        return E;
      Pos += End;
    }
    OS << "; storage records start at offset " << Pos << '\n';
    return Error::success();
  }
  case ContainerKind::Zip: {
    auto Zip = ZipArchive::create(Buf);
    if (!Zip)
      return Zip.takeError();
    for (const ArchiveMember &M : Zip->members()) {
      if (!StringRef(M.Name).ends_with(".pkl"))
        continue;
      OS << "; pickle: " << M.Name << '\n';
      if (Error E = pickle::disassemble(OS, Zip->getData(M), M.DataOffset))
        return E;
    }
    return Error::success();
  }
  case ContainerKind::Tar: {
    auto Tar = TarArchive::create(Buf);
    if (!Tar)
      return Tar.takeError();
    for (StringRef Name : {"sys_info", "pickle"}) {
      const ArchiveMember *M = Tar->find(Name);
      if (!M)
        continue;
      OS << "; pickle: " << Name << '\n';
      if (Error E = pickle::disassemble(OS, Tar->getData(*M), M->DataOffset))
        return E;
    }
    return Error::success();
  }
  case ContainerKind::Pickle:
    return pickle::disassemble(OS, Bytes, 0);
  case ContainerKind::Safetensors:
    return makeError("a safetensors file holds no pickle (-list-records "
                     "shows its header)");
  case ContainerKind::DCP:
    break;
  }
  return Error::success();
}

/// Reads \p Input, runs the pipeline and writes \p Output (or prints what
/// the text options ask for). Diagnostics go to \p Diag. Returns whether the
/// file was handled without error.
static bool processFile(StringRef Input, StringRef Output, const RunConfig &Cfg,
                        raw_ostream &Diag) {
  std::vector<PipelineEntry> Pipeline = *Cfg.Pipeline;
  const TargetSpec *Target = Cfg.Target;
  const TargetSpec *VerifyFor = Cfg.VerifyFor;
  bool WantsText = Cfg.WantsText;
  int InputFD = -1;
  // A shard set (an `*.index.json`, or a directory holding one) is read
  // shard by shard; the listings read one file, so name a shard for them.
  std::optional<std::string> SetIndex = findShardSetIndex(Input);
  bool IsDCP = !SetIndex && isDCPDirectory(Input);
  if ((SetIndex || IsDCP) && (ListRecords || DumpPickle)) {
    reportError(Diag, Input,
                makeError("-list-records and -dump-pickle read one file; "
                          "name one file of the set or directory"));
    return false;
  }
  auto Buf = SetIndex || IsDCP ? Expected<std::unique_ptr<MemoryBuffer>>(
                                     MemoryBuffer::getMemBuffer("", Input))
                               : openCheckpointFile(Input, InputFD);
  if (!Buf) {
    reportError(Diag, Input, Buf.takeError());
    return false;
  }
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
    if (Read && !Cfg.FreeIR)
      (void)Read.release();
  });
  if (PrintIR || Summary || ListTensors || DryRun || !WantsText) {
    ReaderOptions RO;
    RO.Lower = !NoLower;
    RO.SourceFD = InputFD;
    RO.MemoryLimit = Cfg.MemoryLimit;
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
      if (C && !Cfg.FreeIR)
        (void)C->release();
    });
    if (!C && IsText) {
      // The parser's diagnostic already reads `FILE:LINE:COL: error: ...`.
      Diag << ToolName << ": " << toString(C.takeError()) << '\n';
      return false;
    }
    if (!C) {
      reportError(Diag, Input, C.takeError());
      return false;
    }
    bool RanPasses = !Pipeline.empty();
    if (RanPasses) {
      PassInstrumentation PI;
      PI.PrintAfterAll = PrintAfterAll;
      PI.PrintBeforeAll = PrintBeforeAll;
      PI.PrintBefore = PrintBefore;
      PI.PrintAfter = PrintAfter;
      PI.PrintChanged = PrintChanged;
      PI.VerifyEach = VerifyEach;
      PI.TimePasses = TimePasses;
      PI.Stats = AreStatisticsEnabled() || DryRun;
      PassManager PM(std::move(Pipeline), std::move(PI), Diag);
      if (Error E = PM.run(**C)) {
        reportError(Diag, Input, std::move(E));
        return false;
      }
      if (DryRun) {
        Diag << (PM.changedAnything() ? "// dry run: the pipeline would "
                                        "change the checkpoint; nothing "
                                        "written\n"
                                      : "// dry run: the pipeline changes "
                                        "nothing\n");
        return true;
      }
    }
    // The reader verified what it built; text and passes are checked here.
    if (!DisableVerify && (IsText || RanPasses))
      if (Error E = verifyCheckpoint(**C)) {
        reportError(Diag, Input, std::move(E));
        return false;
      }
    Encoding Enc;
    Enc.Target = Target;
    if (Format == OutputFormat::Legacy)
      Enc.Container = ContainerKind::Legacy;
    else if (Format == OutputFormat::Zip)
      Enc.Container = ContainerKind::Zip;
    else if (Format == OutputFormat::Safetensors)
      Enc.Container = ContainerKind::Safetensors;
    else if (Format == OutputFormat::DCP)
      Enc.Container = ContainerKind::DCP;
    else if (!Target)
      Enc.Container =
          getContainerForOutputName(Output, (*C)->getContainer().Kind);
    if (VerifyFor) {
      Encoding VEnc = Enc;
      VEnc.Target = VerifyFor;
      std::vector<std::string> Assumptions;
      if (Error E = verifyForTarget(**C, *VerifyFor, VEnc, &Assumptions)) {
        reportError(Diag, Input, std::move(E));
        return false;
      }
      // What the release's description cannot judge is said, not dropped.
      for (const std::string &A : Assumptions)
        WithColor::note(Diag, ToolName)
            << Input << ": not judged for PyTorch " << VerifyFor->Version
            << " (outside torch): " << A << '\n';
    }
    if (!WantsText) {
      std::optional<ProgressMeter> Progress;
      if (Cfg.ShowProgress) {
        uint64_t Total = 0;
        for (const StorageValue *S : (*C)->getStorages())
          if (!S->getViewRoot())
            Total += S->getData().size();
        if (Total >= ProgressMinBytes) {
          Progress.emplace(Diag, Output, Total);
          Enc.Progress = &*Progress;
        }
      }
      if (Error E = Cfg.MaxShardSize && Output != "-"
                        ? writeShardSet(**C, Output, Enc, *Cfg.MaxShardSize)
                        : writeCheckpointFile(**C, Output, Enc)) {
        reportError(Diag, Output, std::move(E));
        return false;
      }
      return true;
    }
    Read = std::move(*C);
  }

  // Text is written as it is made (a hostile input's listing can be many
  // times its size): to a temporary renamed into place, so that a failure
  // leaves no partial file; to stdout as it comes, as LLVM's tools do.
  auto Emit = [&](raw_ostream &OS) -> Error {
    if (ListRecords)
      if (Error E = printContainerListing(OS, InputRef))
        return E;
    if (DumpPickle)
      if (Error E = dumpPickles(OS, InputRef))
        return E;
    if (!Read)
      return Error::success();
    if (Summary)
      printSummary(OS, *Read);
    if (ListTensors)
      printTensorListing(OS, *Read);
    if (PrintIR) {
      PrintOptions PO;
      PO.InlineData = InlineData;
      printCheckpoint(OS, *Read, PO);
    }
    return Error::success();
  };
  // Errors of the input (listings) name it and their offset; errors of the
  // output name the output.
  auto Report = [&](Error E) {
    handleAllErrors(
        std::move(E),
        [&](const DecodeError &DE) {
          WithColor::error(Diag, ToolName) << Input << ": ";
          DE.log(Diag);
          Diag << '\n';
        },
        [&](const FileError &FE) {
          WithColor::error(Diag, ToolName)
              << FE.getFileName() << ": " << FE.messageWithoutFileInfo()
              << '\n';
        },
        [&](const ErrorInfoBase &EI) {
          WithColor::error(Diag, ToolName) << EI.message() << '\n';
        });
    return false;
  };
  if (Output == "-") {
    Error E = Emit(outs());
    outs().flush();
    if (E)
      return Report(std::move(E));
    if (std::error_code WEC = outs().error()) {
      WithColor::error(Diag, ToolName) << "-: " << WEC.message() << '\n';
      outs().clear_error();
      return false;
    }
    return true;
  }
  if (Error E = writeTextFileAtomically(Output, Emit))
    return Report(std::move(E));
  return true;
}

/// Migrates every file of \p Inputs into \p Dir, up to -j at once. Each file
/// is independent and written atomically; one failure does not stop the
/// others. Ends with a summary; returns 1 if any file failed.
static int runBatch(ArrayRef<std::string> Inputs, StringRef Dir,
                    const RunConfig &Cfg) {
  if (std::error_code EC = sys::fs::create_directories(Dir)) {
    WithColor::error(errs(), ToolName) << Dir << ": " << EC.message() << '\n';
    return 1;
  }
  // Two inputs of one name would overwrite each other's result.
  std::vector<std::string> Outputs;
  StringMap<StringRef> ByName;
  for (const std::string &In : Inputs) {
    StringRef Name = sys::path::filename(In);
    auto [It, New] = ByName.try_emplace(Name, In);
    if (!New) {
      WithColor::error(errs(), ToolName)
          << "'" << It->second << "' and '" << In
          << "' would both be written to " << Dir << "/" << Name << '\n';
      return 1;
    }
    SmallString<256> Out(Dir);
    sys::path::append(Out, Name);
    Outputs.push_back(std::string(Out));
  }

  bool Ticker = !Quiet && sys::Process::StandardErrIsDisplayed();
  std::mutex Lock;
  unsigned Done = 0, Failed = 0;
  DefaultThreadPool Pool(hardware_concurrency(std::max(1u, unsigned(Jobs))));
  for (size_t I = 0; I != Inputs.size(); ++I)
    Pool.async([&, I] {
      StringRef In = Inputs[I], Out = Outputs[I];
      // Each file's diagnostics are printed together, not interleaved.
      std::string Log;
      raw_string_ostream Diag(Log);
      bool OK;
      sys::fs::UniqueID InID, OutID;
      if (!sys::fs::getUniqueID(In, InID) &&
          !sys::fs::getUniqueID(Out, OutID) && InID == OutID) {
        WithColor::error(Diag, ToolName)
            << Out << ": output file is the input file\n";
        OK = false;
      } else {
        OK = processFile(In, Out, Cfg, Diag);
      }
      std::lock_guard<std::mutex> G(Lock);
      errs() << Log;
      ++Done;
      Failed += !OK;
      if (Ticker)
        errs() << formatv("[{0}/{1}] {2} {3}\n", Done, Inputs.size(),
                          OK ? "migrated" : "FAILED", In);
    });
  Pool.wait();
  errs() << formatv("{0} of {1} files migrated, {2} failed\n",
                    Inputs.size() - Failed, Inputs.size(), Failed);
  return Failed ? 1 : 0;
}

static int toolMain(int argc, char **argv) {
  // main() registered the signal handlers; crash reports from this thread
  // name the command line too.
  PrettyStackTraceProgram StackPrinter(argc, argv);
  ToolName = sys::path::filename(argv[0]);
  // A file-size limit must surface as a write error, not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  cl::SetVersionPrinter([](raw_ostream &OS) {
    OS << "ckpt-migrate version " << CKPT_VERSION;
    if (*CKPT_COMMIT)
      OS << " (commit " << CKPT_COMMIT << ")";
    OS << "\n  built with LLVM " << CKPT_LLVM_VERSION << "\n";
  });
  cl::HideUnrelatedOptions({&Category, &PassCategory, &BatchCategory});
  // LLVM's own -stats switch turns on our per-pass statistics.
  if (cl::Option *O = cl::getRegisteredOptions().lookup("stats")) {
    O->addCategory(PassCategory);
    O->setHiddenFlag(cl::NotHidden);
    O->setDescription("Print what each pass changed");
  }
  cl::ParseCommandLineOptions(
      argc, argv,
      "ckpt-migrate: read, migrate and write PyTorch checkpoints without "
      "Python\n");

  PassRegistry Registry = PassRegistry::createWithBuiltins();
  for (const std::string &P : PassPlugins)
    if (Error E = loadPassPlugin(P, Registry)) {
      WithColor::error(errs(), ToolName) << toString(std::move(E)) << '\n';
      return 1;
    }
  // Users' pass files: parsed at run time, registered like the built-ins.
  std::vector<std::unique_ptr<PassSpecSet>> UserPasses;
  if (!PassFiles.empty()) {
    std::vector<std::string> Includes;
    // The project's include/ (for ckpt/Passes/PassBase.td): an installed
    // tool's P/include beside P/bin; else a build tree's, whose sources
    // are two folders up or where they were configured.
    std::string Exe = sys::fs::getMainExecutable(argv[0], (void *)&toolMain);
    StringRef ExeDir = sys::path::parent_path(Exe);
    SmallString<256> Installed(ExeDir);
    sys::path::append(Installed, "..", "include");
    SmallString<256> Marker(Installed);
    sys::path::append(Marker, "ckpt", "Passes", "PassBase.td");
    if (sys::fs::exists(Marker)) {
      Includes.push_back(std::string(Installed));
    } else {
      SmallString<256> Tree(ExeDir);
      sys::path::append(Tree, "..", "..", "include");
      Includes.push_back(std::string(Tree));
      Includes.push_back(CKPT_SOURCE_INCLUDE_DIR);
    }
    for (const std::string &D : PassIncludeDirs)
      Includes.push_back(D);
    for (const std::string &F : PassFiles) {
      auto Model = parsePassFile(F, Includes);
      if (!Model) {
        errs() << ToolName << ": " << toString(Model.takeError()) << '\n';
        return 1;
      }
      auto Set = PassSpecSet::create(
          std::move(*Model), [](StringRef) -> PassFactory { return nullptr; });
      if (!Set) {
        errs() << ToolName << ": " << toString(Set.takeError()) << '\n';
        return 1;
      }
      // A name clash is reported at the user's definition.
      auto Clash = [&](StringRef Loc, Error E) {
        errs() << ToolName << ": " << (Loc.empty() ? StringRef(F) : Loc)
               << ": error: " << toString(std::move(E)) << '\n';
        return 1;
      };
      for (const PassSpec &P : (*Set)->getPasses())
        if (Error E = Registry.addPass(P))
          return Clash(P.Loc, std::move(E));
      for (const PipelineSpec &P : (*Set)->getPipelines())
        if (Error E = Registry.addPipeline(P))
          return Clash(P.Loc, std::move(E));
      UserPasses.push_back(std::move(*Set));
    }
  }
  // Sizes are checked before anything is read.
  std::optional<uint64_t> MemoryLimitBytes, ScanMaxInflatedBytes, MaxShardBytes;
  for (auto [Opt, Out] : {std::pair(&MemoryLimit, &MemoryLimitBytes),
                          std::pair(&ScanMaxInflated, &ScanMaxInflatedBytes),
                          std::pair(&MaxShardSize, &MaxShardBytes)}) {
    auto Size = getSizeOption(*Opt);
    if (!Size) {
      WithColor::error(errs(), ToolName) << toString(Size.takeError()) << '\n';
      return 1;
    }
    *Out = *Size;
  }
  if (PrintPasses) {
    Registry.print(outs());
    return 0;
  }
  if (PrintTargets) {
    for (const TargetSpec &T : getTargetSpecs())
      outs() << T.Version << "  default container " << T.DefaultContainer
             << ", tensors " << T.TensorForm << ", parameters "
             << T.ParameterForm
             << (T.WeightsOnlyDefault ? ", weights_only" : "") << '\n';
    return 0;
  }
  if (InputFilenames.empty()) {
    WithColor::error(errs(), ToolName) << "no input file\n";
    return 1;
  }
  // Several inputs (or -output-dir) is batch mode: every file is migrated
  // on its own, written under its own name into the output directory.
  bool Batch = InputFilenames.size() > 1 || !OutputDir.empty();
  if (Batch) {
    StringRef Conflict;
    if (OutputFilename.getNumOccurrences())
      Conflict = "-o (use -output-dir)";
    else if (PrintIR || Summary || ListTensors || ListRecords || DumpPickle ||
             ScanFile || DryRun)
      Conflict = "printing options (-S, -summary, -tensors, -list-records, "
                 "-dump-pickle, -scan, -dry-run)";
    else if (PrintAfterAll || PrintBeforeAll || !PrintBefore.empty() ||
             !PrintAfter.empty() || PrintChanged || TimePasses)
      Conflict = "-print-* and -time-passes";
    if (!Conflict.empty()) {
      WithColor::error(errs(), ToolName)
          << "several inputs cannot be combined with " << Conflict << '\n';
      return 1;
    }
    if (OutputDir.empty()) {
      WithColor::error(errs(), ToolName)
          << "several inputs need -output-dir=DIR for their results\n";
      return 1;
    }
  } else {
    InputFilename = InputFilenames.front();
  }

  // -scan: list and grade what the file's pickles would import and call.
  if (ScanFile) {
    const TargetSpec *T = TargetVersion.empty() ? &getTargetSpecs().back()
                                                : lookupTarget(TargetVersion);
    if (!T) {
      WithColor::error(errs(), ToolName)
          << "unknown PyTorch release '" << TargetVersion
          << "'; -print-targets lists the described ones\n";
      return 1;
    }
    auto SBuf = MemoryBuffer::getFileOrSTDIN(InputFilename, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
    if (!SBuf) {
      WithColor::error(errs(), ToolName)
          << InputFilename << ": " << SBuf.getError().message() << '\n';
      return 1;
    }
    ScanOptions SO;
    SO.MaxInflatedBytes = *ScanMaxInflatedBytes;
    SO.MaxInflateRatio = ScanMaxInflateRatio;
    SO.MemoryLimit = MemoryLimitBytes;
    ScanReport R = scanCheckpoint((*SBuf)->getMemBufferRef(), *T, SO);
    if (ScanFormat == ScanFormatKind::JSON)
      printScanReportJSON(outs(), R, InputFilename);
    else
      printScanReport(outs(), R, InputFilename);
    return R.isClean() ? 0 : 1;
  }

  // Parse the pipeline before reading anything: a typo fails fast.
  std::vector<PipelineEntry> Pipeline;
  std::string PipelineTarget;
  if (!Passes.empty()) {
    auto P = parsePassPipeline(Passes, Registry, &PipelineTarget);
    if (!P) {
      WithColor::error(errs(), ToolName) << toString(P.takeError()) << '\n';
      return 1;
    }
    Pipeline = std::move(*P);
  }

  // The release to write for: -target, else the pipeline's own target.
  const TargetSpec *Target = nullptr;
  const TargetSpec *VerifyFor = nullptr;
  for (auto [Name, Out] : {std::pair<StringRef, const TargetSpec **>(
                               TargetVersion.empty() ? StringRef(PipelineTarget)
                                                     : StringRef(TargetVersion),
                               &Target),
                           {VerifyTarget, &VerifyFor}}) {
    if (Name.empty())
      continue;
    *Out = lookupTarget(Name);
    if (!*Out) {
      WithColor::error(errs(), ToolName)
          << "unknown PyTorch release '" << Name
          << "'; -print-targets lists the described ones\n";
      return 1;
    }
  }
  // A target is always verified before writing; -verify-target alone checks.
  if (!VerifyFor)
    VerifyFor = Target;

  // Never write over the input: resolve both names to real paths first.
  if (!Batch && OutputFilename != "-" && InputFilename != "-") {
    sys::fs::UniqueID InID, OutID;
    if (!sys::fs::getUniqueID(InputFilename, InID) &&
        !sys::fs::getUniqueID(OutputFilename, OutID) && InID == OutID) {
      WithColor::error(errs(), ToolName)
          << OutputFilename << ": output file is the input file\n";
      return 1;
    }
  }

  bool WantsText =
      PrintIR || Summary || ListTensors || ListRecords || DumpPickle || DryRun;
  // As opt with bitcode: binary output never pours into a terminal by
  // accident.
  if (!Batch && !WantsText && OutputFilename == "-" && !ForceOutput &&
      sys::Process::StandardOutIsDisplayed()) {
    WithColor::error(errs(), ToolName)
        << "refusing to write a binary checkpoint to a terminal; use -o FILE "
           "(or -S for text, or -f to force)\n";
    return 1;
  }

  RunConfig Cfg;
  Cfg.MemoryLimit = MemoryLimitBytes;
  if (MaxShardBytes && *MaxShardBytes)
    Cfg.MaxShardSize = MaxShardBytes;
  Cfg.Pipeline = &Pipeline;
  Cfg.Target = Target;
  Cfg.VerifyFor = VerifyFor;
  Cfg.WantsText = WantsText;
  Cfg.ShowProgress = !Quiet && sys::Process::StandardErrIsDisplayed();
  if (!Batch) {
    // One file: the process exits right after, so the IR is not freed
    // (except where LeakSanitizer watches).
    Cfg.FreeIR = LLVM_ADDRESS_SANITIZER_BUILD;
    return processFile(InputFilename, OutputFilename, Cfg, errs()) ? 0 : 1;
  }
  Cfg.ShowProgress = false; // runBatch reports per file instead.
  return runBatch(InputFilenames, OutputDir, Cfg);
}

int main(int argc, char **argv) {
  // LLVM's signal handlers are registered here, on the main thread, before
  // the worker exists. Registering them gives the registering thread an
  // alternate signal stack: malloc'd by LLVM when the one present is smaller
  // than its minimum (SIGSTKSZ + 64 KiB). In a sanitizer build every thread
  // already has ASan's mmap'd stack, sized from the CPU's signal frame, and
  // ASan munmaps "its" stack when the thread exits: had the worker
  // registered the handlers, a CPU with a small frame (any without AMX) would
  // make ASan unmap LLVM's heap block and abort. The main thread never
  // unwinds through ASan's thread teardown, and later registrations (temp
  // files, batch threads) find the handlers in place and keep the stack
  // they have. test/Driver/signal-stack.test reproduces such a CPU.
  InitLLVM X(argc, argv);
  // The printer, the verifier and the writer walk object graphs
  // recursively, up to the reader's nesting limit (4096 levels); a large
  // stack keeps that safe in every build, sanitizer builds included, whose
  // frames are several times larger.
  int RC = 1;
  llvm::thread T(std::optional<unsigned>(512u << 20),
                 [&] { RC = toolMain(argc, argv); });
  T.join();
  return RC;
}
