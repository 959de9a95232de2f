//===- ckpt/Reader/PickleDump.h - -dump-pickle ------------------*- C++ -*-===//
//
// Part of ckpt-migrate. The disassembly of every pickle a checkpoint file
// holds, for `-dump-pickle`.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_READER_PICKLEDUMP_H
#define CKPT_READER_PICKLEDUMP_H

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBufferRef.h"

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ckpt {

/// Disassembles every pickle of \p Buf, each after a `; pickle: NAME` line:
/// all five of a legacy stream (then where its storage records start), the
/// *.pkl records of a zip, the sys_info and pickle members of a tar, or the
/// bare pickle. A safetensors file holds none (an error says so).
llvm::Error dumpCheckpointPickles(llvm::raw_ostream &OS,
                                  llvm::MemoryBufferRef Buf);

} // namespace ckpt

#endif // CKPT_READER_PICKLEDUMP_H
