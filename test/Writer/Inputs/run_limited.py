#!/usr/bin/python3
"""Run a command under restrictions, for the writer's failure tests.

usage: run_limited.py [--unprivileged] [--fsize BYTES] -- COMMAND [ARG...]

--unprivileged  when running as root, run COMMAND without the capabilities
                that let root ignore file permissions (CAP_DAC_OVERRIDE,
                CAP_DAC_READ_SEARCH, CAP_FOWNER: dropped from the bounding
                set, as `setpriv --bounding-set=-dac_override,...` does), so
                that permissions apply while every path stays reachable
                (uid 65534 could not reach a clone under /root); otherwise
                run it as is.
--fsize BYTES   RLIMIT_FSIZE: writes beyond BYTES fail with EFBIG (SIGXFSZ is
                ignored, so the command sees the error instead of dying).

Exits with COMMAND's exit status (128+N when killed by signal N).
"""
import ctypes
import os
import resource
import signal
import subprocess
import sys


def main(argv):
    unpriv = False
    fsize = None
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--unprivileged":
            unpriv = True
            i += 1
        elif argv[i] == "--fsize" and i + 1 < len(argv):
            fsize = int(argv[i + 1])
            i += 2
        else:
            sys.stderr.write("run_limited.py: bad argument %s\n" % argv[i])
            return 2
    cmd = argv[i + 1:]
    if not cmd:
        sys.stderr.write("usage: run_limited.py [--unprivileged] [--fsize BYTES] -- COMMAND...\n")
        return 2

    drop_caps = unpriv and os.geteuid() == 0

    def setup():
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if drop_caps:
            # prctl(PR_CAPBSET_DROP, cap): root's capabilities after exec are
            # its bounding set.
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (1, 2, 3):  # DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
                if libc.prctl(24, cap, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")

    rc = subprocess.run(cmd, preexec_fn=setup).returncode
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
