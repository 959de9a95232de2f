//===- ckpt-migrate.cpp - The ckpt-migrate driver -------------------------===//
//
// Part of ckpt-migrate. Parses the command line into a MigrateOptions and
// calls the libraries: pass plugins and files (Migrate/PassLoading), -scan
// (Scan), one file or a batch (Migrate). Every error is printed by
// reportError (Support/Diagnostics).
//
//===----------------------------------------------------------------------===//

#include "ckpt/Config/Version.inc"
#include "ckpt/Container/Container.h"
#include "ckpt/Migrate/Migrate.h"
#include "ckpt/Migrate/PassLoading.h"
#include "ckpt/Passes/PassManager.h"
#include "ckpt/Passes/PassPlugin.h"
#include "ckpt/Scan/Scan.h"
#include "ckpt/Support/ByteSize.h"
#include "ckpt/Support/Diagnostics.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Compiler.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/thread.h"
#include <csignal>
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

/// The container -format names; none for the input's or the output name's.
static std::optional<ContainerKind> getOutputContainer(OutputFormat F) {
  switch (F) {
  case OutputFormat::Same:
    return std::nullopt;
  case OutputFormat::Legacy:
    return ContainerKind::Legacy;
  case OutputFormat::Zip:
    return ContainerKind::Zip;
  case OutputFormat::Safetensors:
    return ContainerKind::Safetensors;
  case OutputFormat::DCP:
    return ContainerKind::DCP;
  }
  return std::nullopt;
}

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

  auto Fail = [&](StringRef File, Error E) {
    reportError(errs(), ToolName, File, std::move(E));
    return 1;
  };
  PassRegistry Registry = PassRegistry::createWithBuiltins();
  for (const std::string &P : PassPlugins)
    if (Error E = loadPassPlugin(P, Registry))
      return Fail("", std::move(E));
  // Users' pass files: parsed at run time, registered like the built-ins.
  LoadedPassFiles UserPasses;
  if (!PassFiles.empty()) {
    std::string Exe = sys::fs::getMainExecutable(argv[0], (void *)&toolMain);
    auto Loaded = loadPassFiles(
        Registry, PassFiles,
        getPassIncludeDirs(Exe, CKPT_SOURCE_INCLUDE_DIR, PassIncludeDirs));
    if (!Loaded)
      return Fail("", Loaded.takeError());
    UserPasses = std::move(*Loaded);
  }
  // Sizes are checked before anything is read.
  std::optional<uint64_t> MemoryLimitBytes, ScanMaxInflatedBytes, MaxShardBytes;
  for (auto [Opt, Out] : {std::pair(&MemoryLimit, &MemoryLimitBytes),
                          std::pair(&ScanMaxInflated, &ScanMaxInflatedBytes),
                          std::pair(&MaxShardSize, &MaxShardBytes)}) {
    auto Size = getSizeOption(*Opt);
    if (!Size)
      return Fail("", Size.takeError());
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
  if (InputFilenames.empty())
    return Fail("", makeError("no input file"));
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
    if (!Conflict.empty())
      return Fail("", makeError("several inputs cannot be combined with {0}",
                                Conflict));
    if (OutputDir.empty())
      return Fail("", makeError("several inputs need -output-dir=DIR for "
                                "their results"));
  } else {
    InputFilename = InputFilenames.front();
  }

  // -scan: list and grade what the file's pickles would import and call.
  if (ScanFile) {
    const TargetSpec *T = TargetVersion.empty() ? &getTargetSpecs().back()
                                                : lookupTarget(TargetVersion);
    if (!T)
      return Fail("", makeError("unknown PyTorch release '{0}'; "
                                "-print-targets lists the described ones",
                                TargetVersion));
    auto SBuf = MemoryBuffer::getFileOrSTDIN(InputFilename, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
    if (!SBuf)
      return Fail(InputFilename, errorCodeToError(SBuf.getError()));
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
  MigrateOptions Opts;
  Opts.ToolName = ToolName.str();
  std::string PipelineTarget;
  if (!Passes.empty()) {
    auto P = parsePassPipeline(Passes, Registry, &PipelineTarget);
    if (!P)
      return Fail("", P.takeError());
    Opts.Pipeline = std::move(*P);
  }

  // The release to write for: -target, else the pipeline's own target.
  for (auto [Name, Out] : {std::pair<StringRef, const TargetSpec **>(
                               TargetVersion.empty() ? StringRef(PipelineTarget)
                                                     : StringRef(TargetVersion),
                               &Opts.Target),
                           {VerifyTarget, &Opts.VerifyFor}}) {
    if (Name.empty())
      continue;
    *Out = lookupTarget(Name);
    if (!*Out)
      return Fail("", makeError("unknown PyTorch release '{0}'; "
                                "-print-targets lists the described ones",
                                Name));
  }

  // Never write over the input: resolve both names to real paths first.
  if (!Batch && OutputFilename != "-" && InputFilename != "-") {
    sys::fs::UniqueID InID, OutID;
    if (!sys::fs::getUniqueID(InputFilename, InID) &&
        !sys::fs::getUniqueID(OutputFilename, OutID) && InID == OutID)
      return Fail(OutputFilename, makeError("output file is the input file"));
  }

  Opts.Instrumentation.PrintAfterAll = PrintAfterAll;
  Opts.Instrumentation.PrintBeforeAll = PrintBeforeAll;
  Opts.Instrumentation.PrintBefore = PrintBefore;
  Opts.Instrumentation.PrintAfter = PrintAfter;
  Opts.Instrumentation.PrintChanged = PrintChanged;
  Opts.Instrumentation.VerifyEach = VerifyEach;
  Opts.Instrumentation.TimePasses = TimePasses;
  // LLVM's own -stats switch.
  Opts.Instrumentation.Stats = AreStatisticsEnabled();
  Opts.DryRun = DryRun;
  Opts.Lower = !NoLower;
  Opts.MemoryLimit = MemoryLimitBytes;
  Opts.VerifyIR = !DisableVerify;
  Opts.Format = getOutputContainer(Format);
  if (MaxShardBytes && *MaxShardBytes)
    Opts.MaxShardSize = MaxShardBytes;
  Opts.ProgressMinBytes = ProgressMinBytes;
  Opts.ListRecords = ListRecords;
  Opts.DumpPickle = DumpPickle;
  Opts.Summary = Summary;
  Opts.ListTensors = ListTensors;
  Opts.PrintIR = PrintIR;
  Opts.InlineData = InlineData;

  // As opt with bitcode: binary output never pours into a terminal by
  // accident.
  if (!Batch && !Opts.wantsText() && OutputFilename == "-" && !ForceOutput &&
      sys::Process::StandardOutIsDisplayed())
    return Fail("", makeError("refusing to write a binary checkpoint to a "
                              "terminal; use -o FILE (or -S for text, or -f "
                              "to force)"));

  bool ErrIsTerminal = !Quiet && sys::Process::StandardErrIsDisplayed();
  if (!Batch) {
    Opts.ShowProgress = ErrIsTerminal;
    // One file: the process exits right after, so the IR is not freed
    // (except where LeakSanitizer watches).
    Opts.FreeIR = LLVM_ADDRESS_SANITIZER_BUILD;
    return migrateFile(InputFilename, OutputFilename, Opts, errs()) ? 0 : 1;
  }
  // Batch mode reports per file instead of a progress line.
  return migrateFiles(InputFilenames, OutputDir, Opts, Jobs,
                      /*Ticker=*/ErrIsTerminal, errs())
             ? 1
             : 0;
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
