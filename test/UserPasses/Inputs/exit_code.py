"""usage: exit_code.py CMD ARGS...

Runs CMD (its stdout and stderr go where this script's go), then prints
`exit code: N` on stderr and exits 0, so that a lit test can FileCheck the
exact exit status (`not` accepts any failure).
"""
import subprocess
import sys

rc = subprocess.call(sys.argv[1:])
sys.stdout.flush()
print("exit code: %d" % rc, file=sys.stderr)
