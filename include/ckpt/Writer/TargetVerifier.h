//===- ckpt/Writer/TargetVerifier.h - Can a release load this? --*- C++ -*-===//
//
// Part of ckpt-migrate. Checks a checkpoint, as the writer would encode it
// for a release, against that release's description: it fails closed, naming
// every value the release could not load and the pass that would fix it.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_WRITER_TARGETVERIFIER_H
#define CKPT_WRITER_TARGETVERIFIER_H

#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace ckpt {
class Checkpoint;
struct Encoding;
struct TargetSpec;

/// Returns an error listing every problem (container, dtypes, storage
/// classes, rebuild functions, torch globals, locations, state-dict keys the
/// release's modules reject, optimizer fields its code misreads), each with
/// the value's path and the pass that fixes it; success only when the
/// release can load the checkpoint written under \p Enc. Every torch global
/// must be in the release's description. Globals outside torch (user
/// classes, numpy, ...) cannot be judged from a description: they are stored
/// in \p Assumptions, when given, as "needs X importable (at PATH)".
llvm::Error verifyForTarget(const Checkpoint &C, const TargetSpec &T,
                            const Encoding &Enc,
                            std::vector<std::string> *Assumptions = nullptr);

} // namespace ckpt

#endif // CKPT_WRITER_TARGETVERIFIER_H
