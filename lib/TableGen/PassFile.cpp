//===- PassFile.cpp - Reading a user's pass file at run time --------------===//
//
// Part of ckpt-migrate. Parses a .td file with LLVM 19's TableGenParseFile,
// catching TableGen's diagnostics through a SourceMgr handler so that a
// syntax error in a user's file becomes an llvm::Error, not an exit.
//
//===----------------------------------------------------------------------===//

#include "ckpt/TableGen/PassModel.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Parser.h"
#include "llvm/TableGen/Record.h"

using namespace llvm;

namespace ckpt {

namespace {
/// Collects what TableGen reports while parsing. Notes and remarks are
/// appended to the diagnostic they belong to.
struct CollectedDiagnostics {
  std::vector<std::string> Errors;
  std::vector<std::string> Warnings;
  std::vector<std::string> *Last = nullptr;

  static void handle(const SMDiagnostic &D, void *Context) {
    auto *Self = static_cast<CollectedDiagnostics *>(Context);
    std::string Text;
    raw_string_ostream OS(Text);
    D.print(nullptr, OS, /*ShowColors=*/false);
    OS.flush();
    Text = StringRef(Text).rtrim('\n').str();
    switch (D.getKind()) {
    case SourceMgr::DK_Error:
      Self->Last = &Self->Errors;
      break;
    case SourceMgr::DK_Warning:
      Self->Last = &Self->Warnings;
      break;
    case SourceMgr::DK_Remark:
    case SourceMgr::DK_Note:
      if (Self->Last && !Self->Last->empty()) {
        Self->Last->back() += "\n" + Text;
        return;
      }
      Self->Last = &Self->Warnings;
      break;
    }
    Self->Last->push_back(std::move(Text));
  }
};
} // namespace

static Expected<PassFileModel>
parseBuffer(std::unique_ptr<MemoryBuffer> Buffer,
            ArrayRef<std::string> IncludeDirs, const BuildOptions &Opts) {
  SourceMgr SM;
  SM.setIncludeDirs(std::vector<std::string>(IncludeDirs.begin(),
                                             IncludeDirs.end()));
  SM.AddNewSourceBuffer(std::move(Buffer), SMLoc());
  CollectedDiagnostics Diags;
  SM.setDiagHandler(&CollectedDiagnostics::handle, &Diags);

  // TableGenParseFile lends SM's buffers to the global llvm::SrcMgr while it
  // parses and gives them back afterwards, so the records' SMLocs stay valid
  // in SM for buildPassModel's diagnostics.
  RecordKeeper Records;
  bool Failed = TableGenParseFile(SM, Records);
  if (Failed || !Diags.Errors.empty()) {
    if (Diags.Errors.empty())
      Diags.Errors.push_back(
          SM.getMemoryBuffer(SM.getMainFileID())->getBufferIdentifier().str() +
          ": error: could not parse the TableGen file");
    return make_error<DiagnosticError>(std::move(Diags.Errors));
  }
  Expected<PassFileModel> Model = buildPassModel(Records, SM, Opts);
  if (Model)
    Model->Warnings = std::move(Diags.Warnings);
  return Model;
}

Expected<PassFileModel> parsePassFile(StringRef Path,
                                      ArrayRef<std::string> IncludeDirs,
                                      const BuildOptions &Opts) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buffer =
      MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/true);
  if (std::error_code EC = Buffer.getError())
    return make_error<DiagnosticError>(std::vector<std::string>{
        (Path + ": error: could not open pass file: " + EC.message()).str()});
  return parseBuffer(std::move(*Buffer), IncludeDirs, Opts);
}

Expected<PassFileModel> parsePassBuffer(StringRef Contents,
                                        StringRef BufferName,
                                        ArrayRef<std::string> IncludeDirs,
                                        const BuildOptions &Opts) {
  return parseBuffer(MemoryBuffer::getMemBufferCopy(Contents, BufferName),
                     IncludeDirs, Opts);
}

} // namespace ckpt
