#!/usr/bin/python3
"""Run a command under restrictions, for the writer's failure tests.

usage: run_limited.py [--unprivileged] [--fsize BYTES] -- COMMAND [ARG...]

--unprivileged  when running as root, run COMMAND as uid/gid 65534 (nobody)
                with no supplementary groups, so that directory permissions
                apply (root ignores them); otherwise run it as is.
--fsize BYTES   RLIMIT_FSIZE: writes beyond BYTES fail with EFBIG (SIGXFSZ is
                ignored, so the command sees the error instead of dying).

Exits with COMMAND's exit status (128+N when killed by signal N).
"""
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

    def setup():
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    kw = {}
    if unpriv and os.geteuid() == 0:
        kw = {"user": 65534, "group": 65534, "extra_groups": []}
    rc = subprocess.run(cmd, preexec_fn=setup, **kw).returncode
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
