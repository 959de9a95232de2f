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

namespace ckpt {
class Checkpoint;
struct Encoding;
struct TargetSpec;

/// Returns an error listing every problem (container, dtypes, storage
/// classes, rebuild functions, torch globals, locations, state-dict keys the
/// release's modules reject, optimizer fields its code misreads), each with
/// the value's path and the pass that fixes it; success only when the
/// release can load the checkpoint written under \p Enc.
llvm::Error verifyForTarget(const Checkpoint &C, const TargetSpec &T,
                            const Encoding &Enc);

} // namespace ckpt

#endif // CKPT_WRITER_TARGETVERIFIER_H
