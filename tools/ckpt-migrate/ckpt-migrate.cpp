//===- ckpt-migrate.cpp - The ckpt-migrate driver -------------------------===//
//
// Part of ckpt-migrate. Reads a PyTorch checkpoint without executing it,
// prints it as textual IR or summaries, and (with later components) runs
// migration pipelines and writes it back for a target PyTorch release.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Parser.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Passes/PassManager.h"
#include "ckpt/Passes/PassPlugin.h"
#include "ckpt/TableGen/PassModel.h"
#include "ckpt/Pickle/Unpickler.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Writer/TargetVerifier.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/Support/Process.h"
#include "llvm/ADT/Statistic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include <csignal>

using namespace llvm;
using namespace ckpt;

static cl::OptionCategory Category("ckpt-migrate options");

static cl::OptionCategory PassCategory("Pass options");

static cl::opt<std::string> InputFilename(cl::Positional,
                                          cl::desc("<input checkpoint>"),
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

static cl::list<std::string>
    PrintBefore("print-before", cl::desc("Print the IR before the named passes"),
                cl::CommaSeparated, cl::value_desc("pass"),
                cl::cat(PassCategory));

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

static cl::opt<bool> PrintIR("S", cl::desc("Print the checkpoint as textual IR"),
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

enum class OutputFormat { Same, Legacy, Zip };
static cl::opt<OutputFormat> Format(
    "format", cl::desc("Container of the written checkpoint"),
    cl::values(clEnumValN(OutputFormat::Same, "same",
                          "the input's (tar and bare pickles become legacy)"),
               clEnumValN(OutputFormat::Legacy, "legacy",
                          "legacy magic-number stream (read by 0.1.10+)"),
               clEnumValN(OutputFormat::Zip, "zip",
                          "zip archive (read by 1.6+; 1.4+ for version 2)")),
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

static cl::opt<bool> PrintTargets("print-targets",
                                  cl::desc("List the described PyTorch releases"),
                                  cl::cat(Category));

static cl::opt<bool> NoLower("no-lower",
                             cl::desc("Keep torch objects as generic pickle "
                                      "nodes (do not lower to typed IR)"),
                             cl::cat(Category));

static StringRef ToolName;

/// Reports \p E as `ckpt-migrate: error: FILE: offset N: message`.
static void reportError(StringRef File, Error E) {
  handleAllErrors(std::move(E), [&](const ErrorInfoBase &EI) {
    WithColor::error(errs(), ToolName) << File << ": ";
    EI.log(errs());
    errs() << '\n';
  });
}

/// Disassembles every pickle of the file: all five of a legacy stream, the
/// data.pkl of a zip, the members of a tar.
static Error dumpPickles(raw_ostream &OS, MemoryBufferRef Buf) {
  auto Kind = identifyContainer(Buf);
  if (!Kind)
    return Kind.takeError();
  StringRef Bytes = Buf.getBuffer();
  switch (*Kind) {
  case ContainerKind::Legacy: {
    static const char *Names[] = {"magic number", "protocol version",
                                  "sys_info", "object", "storage keys"};
    uint64_t Pos = 0;
    for (const char *Name : Names) {
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
  }
  return Error::success();
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  ToolName = sys::path::filename(argv[0]);
  // A file-size limit must surface as a write error, not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  cl::HideUnrelatedOptions({&Category, &PassCategory});
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
    // The project's include/ (for ckpt/Passes/PassBase.td): next to the
    // build tree's bin/, or where the sources were configured.
    SmallString<256> FromExe(sys::path::parent_path(
        sys::fs::getMainExecutable(argv[0], (void *)&main)));
    sys::path::append(FromExe, "..", "..", "include");
    Includes.push_back(std::string(FromExe));
    Includes.push_back(CKPT_SOURCE_INCLUDE_DIR);
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
  if (PrintPasses) {
    Registry.print(outs());
    return 0;
  }
  if (PrintTargets) {
    for (const TargetSpec &T : getTargetSpecs())
      outs() << T.Version << "  default container " << T.DefaultContainer
             << ", tensors " << T.TensorForm << ", parameters "
             << T.ParameterForm << (T.WeightsOnlyDefault ? ", weights_only" : "")
             << '\n';
    return 0;
  }
  if (InputFilename.empty()) {
    WithColor::error(errs(), ToolName) << "no input file\n";
    return 1;
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
  if (OutputFilename != "-" && InputFilename != "-") {
    sys::fs::UniqueID InID, OutID;
    if (!sys::fs::getUniqueID(InputFilename, InID) &&
        !sys::fs::getUniqueID(OutputFilename, OutID) && InID == OutID) {
      WithColor::error(errs(), ToolName)
          << OutputFilename << ": output file is the input file\n";
      return 1;
    }
  }

  bool WantsText = PrintIR || Summary || ListTensors || ListRecords ||
                   DumpPickle || DryRun;
  if (!WantsText && OutputFilename == "-" &&
      sys::Process::StandardOutIsDisplayed()) {
    WithColor::error(errs(), ToolName)
        << "refusing to write a binary checkpoint to a terminal; use -o FILE "
           "(or -S for text)\n";
    return 1;
  }

  auto Buf = MemoryBuffer::getFileOrSTDIN(InputFilename, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!Buf) {
    WithColor::error(errs(), ToolName)
        << InputFilename << ": " << Buf.getError().message() << '\n';
    return 1;
  }

  // Text goes to a buffer first so that a failure leaves no partial output.
  std::string Text;
  raw_string_ostream OS(Text);
  if (ListRecords || DumpPickle) {
    MemoryBufferRef Ref = (*Buf)->getMemBufferRef();
    if (ListRecords)
      if (Error E = printContainerListing(OS, Ref)) {
        reportError(InputFilename, std::move(E));
        return 1;
      }
    if (DumpPickle)
      if (Error E = dumpPickles(OS, Ref)) {
        reportError(InputFilename, std::move(E));
        return 1;
      }
  }
  if (PrintIR || Summary || ListTensors || DryRun || !WantsText) {
    ReaderOptions RO;
    RO.Lower = !NoLower;
    // Textual IR (.ckir) or a binary checkpoint, told apart by content.
    bool IsText = isTextualIR((*Buf)->getMemBufferRef());
    auto C = IsText ? parseCheckpointText(std::move(*Buf))
                    : readCheckpoint(std::move(*Buf), RO);
    if (!C && IsText) {
      // The parser's diagnostic already reads `FILE:LINE:COL: error: ...`.
      errs() << ToolName << ": " << toString(C.takeError()) << '\n';
      return 1;
    }
    if (!C) {
      reportError(InputFilename, C.takeError());
      return 1;
    }
    if (!Pipeline.empty()) {
      PassInstrumentation PI;
      PI.PrintAfterAll = PrintAfterAll;
      PI.PrintBeforeAll = PrintBeforeAll;
      PI.PrintBefore = PrintBefore;
      PI.PrintAfter = PrintAfter;
      PI.PrintChanged = PrintChanged;
      PI.VerifyEach = VerifyEach;
      PI.TimePasses = TimePasses;
      PI.Stats = AreStatisticsEnabled() || DryRun;
      PassManager PM(std::move(Pipeline), std::move(PI), errs());
      if (Error E = PM.run(**C)) {
        reportError(InputFilename, std::move(E));
        return 1;
      }
      if (DryRun) {
        errs() << (PM.changedAnything() ? "// dry run: the pipeline would "
                                          "change the checkpoint; nothing "
                                          "written\n"
                                        : "// dry run: the pipeline changes "
                                          "nothing\n");
        return 0;
      }
    }
    if (!DisableVerify)
      if (Error E = verifyCheckpoint(**C)) {
        reportError(InputFilename, std::move(E));
        return 1;
      }
    Encoding Enc;
    Enc.Target = Target;
    if (Format == OutputFormat::Legacy)
      Enc.Container = ContainerKind::Legacy;
    else if (Format == OutputFormat::Zip)
      Enc.Container = ContainerKind::Zip;
    if (VerifyFor) {
      Encoding VEnc = Enc;
      VEnc.Target = VerifyFor;
      if (Error E = verifyForTarget(**C, *VerifyFor, VEnc)) {
        reportError(InputFilename, std::move(E));
        return 1;
      }
    }
    if (!WantsText) {
      if (Error E = writeCheckpointFile(**C, OutputFilename, Enc)) {
        reportError(OutputFilename, std::move(E));
        return 1;
      }
      return 0;
    }
    if (Summary)
      printSummary(OS, **C);
    if (ListTensors)
      printTensorListing(OS, **C);
    if (PrintIR) {
      PrintOptions PO;
      PO.InlineData = InlineData;
      printCheckpoint(OS, **C, PO);
    }
  }

  std::error_code EC;
  ToolOutputFile Out(OutputFilename, EC, sys::fs::OF_None);
  if (EC) {
    WithColor::error(errs(), ToolName)
        << OutputFilename << ": " << EC.message() << '\n';
    return 1;
  }
  Out.os() << OS.str();
  Out.keep();
  return 0;
}
