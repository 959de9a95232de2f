//===- ckpt/Support/Error.h - Errors that carry a byte offset ---*- C++ -*-===//
//
// Part of ckpt-migrate. Errors raised while decoding bytes name the offset at
// which decoding failed, so that every tool can report
// `FILE: offset N: message` without threading the offset through by hand.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_ERROR_H
#define CKPT_SUPPORT_ERROR_H

#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include <cstdint>
#include <string>

namespace ckpt {

/// A decoding error at a byte offset of the input being read. The offset is
/// absolute within the file (not within an archive member) whenever the
/// producer knows it.
class DecodeError : public llvm::ErrorInfo<DecodeError> {
public:
  static char ID;

  DecodeError(uint64_t Offset, std::string Message)
      : Offset(Offset), Message(std::move(Message)) {}

  uint64_t getOffset() const { return Offset; }
  const std::string &getMessage() const { return Message; }

  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  uint64_t Offset;
  std::string Message;
};

/// Creates a DecodeError at \p Offset with a formatv-style message.
template <typename... Ts>
llvm::Error decodeError(uint64_t Offset, const char *Fmt, Ts &&...Vals) {
  return llvm::make_error<DecodeError>(
      Offset, llvm::formatv(Fmt, std::forward<Ts>(Vals)...).str());
}

/// Adds \p Base to the offset of every DecodeError in \p E (used when a
/// member of an archive was decoded on its own), leaving other errors as
/// they are.
llvm::Error rebaseOffsets(llvm::Error E, uint64_t Base);

/// Creates a plain error that carries no offset.
template <typename... Ts>
llvm::Error makeError(const char *Fmt, Ts &&...Vals) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv(Fmt, std::forward<Ts>(Vals)...).str());
}

} // namespace ckpt

#endif // CKPT_SUPPORT_ERROR_H
