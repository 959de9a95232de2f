"""migrate_corpus.py CORPUS PIPELINE RELEASE tNN...: run ckpt-migrate
-passes=PIPELINE on each named corpus file, then the reference loader of
RELEASE on the result. Prints the loader's line per file and a count."""
import glob
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
inputs = os.path.join(here, "..", "..", "Inputs")


def main(corpus, pipeline, release, names):
    migrated = loaded = 0
    for n in names:
        src = glob.glob(os.path.join(corpus, n + "_*"))[0]
        out = os.path.basename(src) + "." + release + ".pt"
        r = subprocess.run(["ckpt-migrate", "-passes=" + pipeline, src, "-o", out],
                           capture_output=True, text=True)
        if r.returncode:
            print("MIGRATE FAILED %s: %s" % (n, r.stderr.strip()))
            continue
        migrated += 1
        env = dict(os.environ, PYTHONPATH=inputs)
        r = subprocess.run([sys.executable, os.path.join(inputs, "refloader", "main.py"),
                            "--release", release, out],
                           capture_output=True, text=True, env=env)
        line = (r.stdout + r.stderr).strip().splitlines()
        print("%s: %s" % (n, line[-1] if line else "(no output)"))
        loaded += r.returncode == 0
    print("%d migrated, %d loaded" % (migrated, loaded))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
