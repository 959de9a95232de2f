//===- ckpt-tblgen.cpp - TableGen backends of ckpt-migrate ----------------===//
//
// Part of ckpt-migrate. Generates the built-in pass registry, the C++ pass
// declarations and the pass documentation from passes.td, and the PyTorch
// release tables and their documentation from Versions.td:
//
//   ckpt-tblgen -gen-pass-registry -I include passes.td -o PassRegistry.inc
//   ckpt-tblgen -gen-target-tables -I include
//       include/ckpt/Target/Versions.td -o TargetTables.inc
//
// TableGenMain provides -o, -d (depfile), -I, -D and --write-if-changed.
// Every output lists passes and pipelines in the order the .td file defines
// them.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "ckpt/TableGen/PassModel.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Main.h"
#include "llvm/TableGen/Record.h"

using namespace llvm;
using namespace ckpt;

namespace {
enum ActionType {
  GenPassRegistry,
  GenPassDecls,
  GenPassDocs,
  GenTargetTables,
  GenTargetDocs
};
} // namespace

static cl::opt<ActionType> Action(
    cl::desc("Output to generate:"), cl::Required,
    cl::values(clEnumValN(GenPassRegistry, "gen-pass-registry",
                          "Built-in PassSpec/PipelineSpec tables (.inc)"),
               clEnumValN(GenPassDecls, "gen-pass-decls",
                          "Options structs and constructors of C++ passes "
                          "(.inc)"),
               clEnumValN(GenPassDocs, "gen-pass-docs",
                          "Markdown reference of passes and pipelines"),
               clEnumValN(GenTargetTables, "gen-target-tables",
                          "TargetSpec tables of the PyTorch releases (.inc)"),
               clEnumValN(GenTargetDocs, "gen-target-docs",
                          "Markdown reference of the PyTorch releases")));

static cl::opt<std::string>
    LocBase("loc-base",
            cl::desc("Directory stripped from file names in the locations "
                     "recorded in generated files"),
            cl::value_desc("dir"));

static cl::opt<std::string> RegistryName(
    "registry-name",
    cl::desc("Whose passes these are: Builtin (the default) for the "
             "tool's passes.td, whose pipelines may name only its own "
             "passes; a plugin's name for a plugin's file, whose pipelines "
             "may also name the tool's. -gen-pass-registry names its "
             "functions get<NAME>PassSpecs and get<NAME>PipelineSpecs"),
    cl::value_desc("NAME"), cl::init("Builtin"));

/// Builds the model and runs the selected backend; returns true on error,
/// as TableGenMain expects. This is the one place where a pass-file error
/// ends the process.
static bool ckptTableGenMain(raw_ostream &OS, RecordKeeper &Records) {
  if (Action == GenTargetTables || Action == GenTargetDocs) {
    std::string Source = sys::path::filename(Records.getInputFilename()).str();
    return Action == GenTargetTables ? emitTargetTables(Records, Source, OS)
                                     : emitTargetDocs(Records, Source, OS);
  }
  if (RegistryName.empty() ||
      !all_of(RegistryName, [](char C) { return isAlnum(C) || C == '_'; }) ||
      isDigit(RegistryName.front())) {
    errs() << "error: -registry-name='" << RegistryName
           << "' is not a C++ identifier\n";
    return true;
  }
  BuildOptions Opts;
  Opts.LocBase = LocBase;
  Opts.RequireKnownPassNames = RegistryName == "Builtin";
  Expected<PassFileModel> Model = buildPassModel(Records, SrcMgr, Opts);
  if (!Model) {
    handleAllErrors(
        Model.takeError(),
        [](const DiagnosticError &E) {
          for (const std::string &D : E.getDiagnostics())
            errs() << D << "\n";
        },
        [](const ErrorInfoBase &E) {
          errs() << "error: " << E.message() << "\n";
        });
    return true;
  }
  std::string Source = sys::path::filename(Records.getInputFilename()).str();
  switch (Action) {
  case GenPassRegistry:
    emitPassRegistry(*Model, Source, OS, RegistryName);
    break;
  case GenPassDecls:
    emitPassDecls(*Model, Source, OS);
    break;
  case GenPassDocs:
    emitPassDocs(*Model, Source, OS);
    break;
  case GenTargetTables:
  case GenTargetDocs:
    break;
  }
  return false;
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "ckpt-migrate TableGen backends\n");
  return TableGenMain(argv[0], &ckptTableGenMain);
}
