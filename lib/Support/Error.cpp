//===- Error.cpp - Errors that carry a byte offset ------------------------===//

#include "ckpt/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

char DecodeError::ID = 0;

void DecodeError::log(raw_ostream &OS) const {
  OS << "offset " << Offset << ": " << Message;
}

std::error_code DecodeError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

Error rebaseOffsets(Error E, uint64_t Base) {
  return handleErrors(std::move(E), [&](const DecodeError &D) -> Error {
    return make_error<DecodeError>(D.getOffset() + Base, D.getMessage());
  });
}

} // namespace ckpt
