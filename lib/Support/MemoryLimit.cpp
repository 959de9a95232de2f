//===- MemoryLimit.cpp - The tool's memory bound --------------------------===//
//
// Part of ckpt-migrate. The default limit and the heap-in-use probe.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/MemoryLimit.h"
#include "llvm/Support/Compiler.h"
#include "llvm/Support/MathExtras.h"
#include <cstddef>
#include <malloc.h>

#if LLVM_ADDRESS_SANITIZER_BUILD
// From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC
// does not install): ASan's allocator replaces malloc, so mallinfo2 would
// see only glibc's untouched arena.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

using namespace ckpt;

uint64_t ckpt::getDefaultMemoryLimit(uint64_t InputBytes) {
  return llvm::SaturatingMultiplyAdd(InputBytes, MemoryLimitBytesPerInputByte,
                                     MemoryLimitAllowance);
}

uint64_t ckpt::getHeapBytesInUse() {
#if LLVM_ADDRESS_SANITIZER_BUILD
  return __sanitizer_get_current_allocated_bytes();
#else
  // uordblks: bytes in use in the arenas; hblkhd: bytes in blocks mmap'd on
  // their own (large allocations).
  struct mallinfo2 MI = mallinfo2();
  return uint64_t(MI.uordblks) + uint64_t(MI.hblkhd);
#endif
}
