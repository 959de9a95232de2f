/*===- small-signal-frame.c - Pretend the CPU has a small signal frame ----===*
 *
 * Part of ckpt-migrate's tests. Preloaded into the sanitizer build of the
 * tool, it answers sysconf(_SC_SIGSTKSZ) and sysconf(_SC_MINSIGSTKSZ) as
 * glibc does on an x86-64 CPU with AVX2 only (a 2 KiB frame), whatever CPU
 * the test runs on. ASan sizes each thread's alternate signal stack from the
 * first, LLVM wants the second plus 64 KiB: on such CPUs the two disagree,
 * which is the clash test/Driver/signal-stack.test guards against.
 * Every other query goes to the real sysconf. With SMALL_SIGNAL_FRAME_TRACE
 * set it reports each answer on stderr, so the test can see it was used.
 *
 *===----------------------------------------------------------------------===*/

#ifndef _GNU_SOURCE /* LLVM's definitions may already give it */
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

long sysconf(int Name) {
  long Answer;
  if (Name == _SC_MINSIGSTKSZ)
    Answer = 2048;
  else if (Name == _SC_SIGSTKSZ)
    Answer = 8192; /* glibc: max(SIGSTKSZ, 4 * MINSIGSTKSZ) */
  else {
    long (*Real)(int) = (long (*)(int))dlsym(RTLD_NEXT, "sysconf");
    return Real ? Real(Name) : -1;
  }
  if (getenv("SMALL_SIGNAL_FRAME_TRACE"))
    fprintf(stderr, "small-signal-frame: sysconf(%s) -> %ld\n",
            Name == _SC_SIGSTKSZ ? "_SC_SIGSTKSZ" : "_SC_MINSIGSTKSZ", Answer);
  return Answer;
}
