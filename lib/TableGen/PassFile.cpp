//===- PassFile.cpp - Reading a user's pass file at run time --------------===//
//
// Part of ckpt-migrate. Parses a .td file with LLVM 19's TableGenParseFile,
// catching TableGen's diagnostics through a SourceMgr handler so that an
// error in a user's file becomes an llvm::Error, not an exit.
//
// TableGen's evaluator still ends the process (PrintFatalError ->
// std::exit) on a few errors, e.g. `!cast<Rule>("Undefined")`. On Unix the
// file is therefore first parsed in a forked child that streams its
// diagnostics back through a pipe; only when the child parsed it cleanly is
// it parsed again in this process, where it can then no longer exit.
//
//===----------------------------------------------------------------------===//

#include "ckpt/TableGen/PassModel.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Parser.h"
#include "llvm/TableGen/Record.h"
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#ifdef LLVM_ON_UNIX
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace llvm;

namespace ckpt {

namespace {
/// Collects what TableGen reports while parsing. Notes and remarks are
/// appended to the diagnostic they belong to.
struct CollectedDiagnostics {
  std::vector<std::string> Errors;
  std::vector<std::string> Warnings;
  std::vector<std::string> *Last = nullptr;

  static std::string render(const SMDiagnostic &D) {
    std::string Text;
    raw_string_ostream OS(Text);
    D.print(nullptr, OS, /*ShowColors=*/false);
    OS.flush();
    // Some TableGen messages end in '\n', which would leave a blank line.
    SmallVector<StringRef, 4> Lines;
    StringRef(Text).split(Lines, '\n', -1, /*KeepEmpty=*/false);
    return join(Lines, "\n");
  }

  void add(SourceMgr::DiagKind Kind, std::string Text) {
    switch (Kind) {
    case SourceMgr::DK_Error:
      Last = &Errors;
      break;
    case SourceMgr::DK_Warning:
      Last = &Warnings;
      break;
    case SourceMgr::DK_Remark:
    case SourceMgr::DK_Note:
      if (Last && !Last->empty()) {
        Last->back() += "\n" + Text;
        return;
      }
      Last = &Warnings;
      break;
    }
    Last->push_back(std::move(Text));
  }

  static void handle(const SMDiagnostic &D, void *Context) {
    static_cast<CollectedDiagnostics *>(Context)->add(D.getKind(), render(D));
  }
};

/// Sets \p SM up to parse a copy-free view of \p Buffer.
void initSourceMgr(SourceMgr &SM, const MemoryBuffer &Buffer,
                   ArrayRef<std::string> IncludeDirs) {
  SM.setIncludeDirs(
      std::vector<std::string>(IncludeDirs.begin(), IncludeDirs.end()));
  SM.AddNewSourceBuffer(MemoryBuffer::getMemBuffer(
                            Buffer.getBuffer(), Buffer.getBufferIdentifier(),
                            /*RequiresNullTerminator=*/true),
                        SMLoc());
}
} // namespace

#ifdef LLVM_ON_UNIX
/// Exit status of a probe child that TableGen ended through std::exit.
static constexpr int FatalExitStatus = 70;

static bool writeAll(int FD, const void *Data, size_t Size) {
  const char *P = static_cast<const char *>(Data);
  while (Size) {
    ssize_t N = ::write(FD, P, Size);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    P += N;
    Size -= N;
  }
  return true;
}

/// The probe child's diagnostic handler: frames each diagnostic as
/// <kind:1><length:4><text> on the pipe whose write end \p Context holds.
static void streamDiagnostic(const SMDiagnostic &D, void *Context) {
  int FD = *static_cast<int *>(Context);
  std::string Text = CollectedDiagnostics::render(D);
  unsigned char Kind = D.getKind();
  uint32_t Size = Text.size();
  writeAll(FD, &Kind, 1);
  writeAll(FD, &Size, sizeof(Size));
  writeAll(FD, Text.data(), Size);
}

/// Reads \p FDs until each reaches end of file, appending to \p Out.
static void readUntilEOF(int FDs[2], std::string Out[2]) {
  bool Open[2] = {true, true};
  char Chunk[4096];
  while (Open[0] || Open[1]) {
    struct pollfd P[2];
    nfds_t N = 0;
    int Which[2];
    for (int I = 0; I < 2; ++I)
      if (Open[I]) {
        P[N] = {FDs[I], POLLIN, 0};
        Which[N++] = I;
      }
    if (::poll(P, N, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    for (nfds_t K = 0; K < N; ++K) {
      if (!(P[K].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t Got = ::read(P[K].fd, Chunk, sizeof(Chunk));
      if (Got < 0 && errno == EINTR)
        continue;
      if (Got <= 0)
        Open[Which[K]] = false;
      else
        Out[Which[K]].append(Chunk, Got);
    }
  }
}

/// Parses \p Buffer in a forked child, which streams its diagnostics and
/// its stderr (where TableGen prints messages that have no location) back.
/// Returns std::nullopt when the child parsed the file without an error, so
/// that the caller can parse it in-process without risk; otherwise the
/// child's errors, whether its parse returned or TableGen ended it. Also
/// std::nullopt when no child could be started.
static std::optional<std::vector<std::string>>
probeInChild(const MemoryBuffer &Buffer, ArrayRef<std::string> IncludeDirs) {
  int DiagPipe[2], ErrPipe[2];
  if (::pipe(DiagPipe) != 0)
    return std::nullopt;
  if (::pipe(ErrPipe) != 0) {
    ::close(DiagPipe[0]);
    ::close(DiagPipe[1]);
    return std::nullopt;
  }
  pid_t Pid = ::fork();
  if (Pid < 0) {
    for (int FD : {DiagPipe[0], DiagPipe[1], ErrPipe[0], ErrPipe[1]})
      ::close(FD);
    return std::nullopt;
  }
  if (Pid == 0) {
    // Child. If TableGen calls std::exit, leave at once: this handler,
    // registered last, runs first, before the parent's exit handlers and
    // static destructors (which would flush its copied buffers).
    ::close(DiagPipe[0]);
    ::close(ErrPipe[0]);
    ::dup2(ErrPipe[1], STDERR_FILENO);
    ::close(ErrPipe[1]);
    std::atexit(+[] { ::_exit(FatalExitStatus); });
    int FD = DiagPipe[1];
    SourceMgr SM;
    initSourceMgr(SM, Buffer, IncludeDirs);
    SM.setDiagHandler(&streamDiagnostic, &FD);
    RecordKeeper Records;
    ::_exit(TableGenParseFile(SM, Records) ? 1 : 0);
  }

  ::close(DiagPipe[1]);
  ::close(ErrPipe[1]);
  int FDs[2] = {DiagPipe[0], ErrPipe[0]};
  std::string Out[2];
  readUntilEOF(FDs, Out);
  ::close(DiagPipe[0]);
  ::close(ErrPipe[0]);
  int Status = 0;
  while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
    ;

  CollectedDiagnostics Diags;
  StringRef Rest = Out[0];
  while (Rest.size() >= 5) {
    auto Kind = static_cast<SourceMgr::DiagKind>(Rest[0]);
    uint32_t Size;
    std::memcpy(&Size, Rest.data() + 1, sizeof(Size));
    Rest = Rest.drop_front(5);
    if (Rest.size() < Size)
      break;
    Diags.add(Kind, Rest.take_front(Size).str());
    Rest = Rest.drop_front(Size);
  }
  bool Clean = WIFEXITED(Status) && WEXITSTATUS(Status) == 0;
  if (Clean && Diags.Errors.empty())
    return std::nullopt;

  std::string What = Buffer.getBufferIdentifier().str();
  if (WIFSIGNALED(Status))
    Diags.Errors.push_back(What + ": error: TableGen crashed (signal " +
                           std::to_string(WTERMSIG(Status)) +
                           ") while reading this file");
  else if (Diags.Errors.empty())
    Diags.Errors.push_back(What +
                           ": error: TableGen stopped while reading this file");
  // What TableGen printed without a location (an assert's message, a fatal
  // error's text) belongs to the last error.
  StringRef Unlocated = StringRef(Out[1]).trim();
  if (!Unlocated.empty())
    Diags.Errors.back() += "\n" + Unlocated.str();
  return std::move(Diags.Errors);
}
#endif

static Expected<PassFileModel> parseBuffer(std::unique_ptr<MemoryBuffer> Buffer,
                                           ArrayRef<std::string> IncludeDirs,
                                           const BuildOptions &Opts) {
#ifdef LLVM_ON_UNIX
  if (std::optional<std::vector<std::string>> Fatal =
          probeInChild(*Buffer, IncludeDirs))
    return make_error<DiagnosticError>(std::move(*Fatal));
#endif

  SourceMgr SM;
  initSourceMgr(SM, *Buffer, IncludeDirs);
  CollectedDiagnostics Diags;
  SM.setDiagHandler(&CollectedDiagnostics::handle, &Diags);

  // TableGenParseFile lends SM's buffers to the global llvm::SrcMgr while it
  // parses and gives them back afterwards, so the records' SMLocs stay valid
  // in SM for buildPassModel's diagnostics.
  RecordKeeper Records;
  bool Failed = TableGenParseFile(SM, Records);
  if (Failed || !Diags.Errors.empty()) {
    if (Diags.Errors.empty())
      Diags.Errors.push_back(Buffer->getBufferIdentifier().str() +
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
