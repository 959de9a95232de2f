//===- ckpt/Support/MemoryLimit.h - The tool's memory bound -----*- C++ -*-===//
//
// Part of ckpt-migrate. Every command is bounded in memory on every input: a
// checkpoint's pickles may build at most a limit's worth of heap, by default
// a small multiple of the input's size plus a fixed allowance (see
// docs/Reliability.md). Builders of IR check the heap against the limit as
// they go and stop with an error at the offset they reached.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_MEMORYLIMIT_H
#define CKPT_SUPPORT_MEMORYLIMIT_H

#include <cstdint>

namespace ckpt {

/// Heap bytes per input byte that the default limit allows. A pickle of real
/// checkpoints builds 8-12 bytes of IR per byte (a tensor is ~100 pickle
/// bytes and ~850 bytes of nodes); a pickle made of one-byte opcodes that
/// each make an object builds ~120.
constexpr uint64_t MemoryLimitBytesPerInputByte = 16;

/// The fixed allowance of the default limit: 1 GiB.
constexpr uint64_t MemoryLimitAllowance = uint64_t(1) << 30;

/// The default memory limit for an input of \p InputBytes bytes:
/// MemoryLimitBytesPerInputByte per byte plus MemoryLimitAllowance.
uint64_t getDefaultMemoryLimit(uint64_t InputBytes);

/// The heap the process uses now (allocated and not freed), as its
/// allocator counts it: glibc's mallinfo2, or the sanitizer allocator's
/// count in sanitizer builds. Costs microseconds: call it every few thousand
/// steps, not every step.
uint64_t getHeapBytesInUse();

} // namespace ckpt

#endif // CKPT_SUPPORT_MEMORYLIMIT_H
