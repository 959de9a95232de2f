#!/usr/bin/python3
"""Runs the examples of a Markdown document (docs/WritingPasses.md).

usage: doc_snippets.py DOC WORKDIR [--provide DEST=SRC]... [--final NAME=PATH]...
                        [--excerpts LANG=PATH]...

Walks DOC's fenced code blocks in order, in WORKDIR, with `python3` on PATH
being this interpreter (the one with torch). An HTML comment right before a
block says what to do with it:

  <!-- file: NAME -->    write the block to NAME (a later one replaces it)
  <!-- append: NAME -->  append the block to NAME
  <!-- norun -->         show only: do not run this sh block
  <!-- fails -->         this sh block must fail (exit non-zero)
  <!-- output -->        this text block is exactly what the previous sh
                         block printed (stdout and stderr, as a terminal
                         shows them)
  <!-- excerpt: PATH -->  this block is an excerpt of PATH (relative to the
                         document's repository) rather than of the
                         --excerpts source of its language

Without a comment, an `sh` block is run with bash (`set -e`, so every
command must succeed) and a `tablegen` block is checked: written to a file
(with `include "ckpt/Passes/PassBase.td"` in front when it has none, and
wrapped into `def : Pass<"snippet-N"> { let rules = [...]; }` when it holds
no `def`, for rule snippets) and loaded with `ckpt-migrate -pass-file=...
-print-passes`, which must succeed. Other blocks are not run.

--provide DEST=SRC symlinks SRC at WORKDIR/DEST first (what a norun block
would have built); --final NAME=PATH checks at the end that WORKDIR/NAME,
as the document left it, equals PATH; --excerpts LANG=PATH checks that each
LANG block is an excerpt of PATH (its parts between `...` lines occur in
PATH verbatim). Prints one line per block; exits 1
after the first failure, showing what differed.
"""
import difflib
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^```(\w*)\s*$")
COMMENT = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")


def blocks(path):
    """Yields (line, language, directives, text) for each fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    directives = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = COMMENT.match(line)
        if m:
            directives.append(m.group(1))
            i += 1
            continue
        m = FENCE.match(line)
        if m and m.group(1):
            start = i + 1
            j = start
            while not lines[j].startswith("```"):
                j += 1
            yield start, m.group(1), directives, "\n".join(lines[start:j]) + "\n"
            directives = []
            i = j + 1
            continue
        if line.strip():
            directives = []
        i += 1


def normalize(text):
    return "\n".join(l.rstrip() for l in text.strip("\n").split("\n"))


def fail(where, msg, detail=""):
    print("FAIL %s: %s" % (where, msg))
    if detail:
        print(detail)
    sys.exit(1)


def main():
    doc, work = sys.argv[1], sys.argv[2]
    opts = {"--provide": [], "--final": [], "--excerpts": []}
    args = sys.argv[3:]
    while args:
        opts[args[0]].append(args[1].split("=", 1))
        args = args[2:]
    provide, final = opts["--provide"], opts["--final"]
    excerpts = {lang: open(path).read() for lang, path in opts["--excerpts"]}
    os.makedirs(work, exist_ok=True)
    bindir = os.path.join(work, ".bin")
    os.makedirs(bindir, exist_ok=True)
    py = os.path.join(bindir, "python3")
    if not os.path.exists(py):
        os.symlink(sys.executable, py)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
    for dest, src in provide:
        dest = os.path.join(work, dest)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if not os.path.lexists(dest):
            os.symlink(os.path.abspath(src), dest)

    name = os.path.basename(doc)
    last_output = None
    snippet = 0
    for line, lang, directives, text in blocks(doc):
        where = "%s:%d" % (name, line)
        excerpt_of = [d.split(":", 1)[1].strip() for d in directives
                      if d.startswith("excerpt:")]
        directives = [d for d in directives if not d.startswith("excerpt:")]
        files = [d.split(":", 1) for d in directives if ":" in d]
        flags = {d for d in directives if ":" not in d}
        if files:
            for kind, fname in files:
                mode = "a" if kind.strip() == "append" else "w"
                with open(os.path.join(work, fname.strip()), mode) as f:
                    f.write(text)
                print("%s: %s %s" % (where, "appended to" if mode == "a" else "wrote", fname.strip()))
            continue
        if lang == "sh" and "norun" not in flags:
            p = subprocess.run(["bash", "-c", "set -e\n" + text], cwd=work, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
            last_output = p.stdout
            failed = p.returncode != 0
            if failed != ("fails" in flags):
                fail(where, "sh block exited %d" % p.returncode,
                     text + "--- printed:\n" + last_output)
            print("%s: ran sh block (exit %d)" % (where, p.returncode))
        elif lang == "text" and "output" in flags:
            if last_output is None:
                fail(where, "output block without an sh block before it")
            want, got = normalize(text), normalize(last_output)
            if want != got:
                diff = "\n".join(difflib.unified_diff(
                    want.split("\n"), got.split("\n"), "document", "printed", lineterm=""))
                fail(where, "output differs", diff)
            print("%s: output matches" % where)
        elif lang in excerpts:
            source = excerpts[lang]
            if excerpt_of:
                root = os.path.dirname(os.path.dirname(os.path.abspath(doc)))
                source = open(os.path.join(root, excerpt_of[0])).read()
            parts = re.split(r"(?m)^\s*\.\.\.\s*\n", text)
            for part in parts:
                if part.strip() and part not in source:
                    fail(where, "%s block is not an excerpt of the source" % lang, part)
            print("%s: %s excerpt matches the source" % (where, lang))
        elif lang == "tablegen":
            snippet += 1
            body = text
            if "def " not in body:
                body = 'def : Pass<"snippet-%d"> {\n  let rules = [\n%s  ];\n}\n' % (snippet, body)
            if "include" not in body:
                body = 'include "ckpt/Passes/PassBase.td"\n\n' + body
            fname = os.path.join(work, "snippet-%d.td" % snippet)
            with open(fname, "w") as f:
                f.write(body)
            p = subprocess.run(["ckpt-migrate", "-pass-file=" + fname, "-print-passes"],
                               cwd=work, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
            if p.returncode != 0:
                fail(where, "tablegen snippet does not load", body + "---\n" + p.stderr)
            print("%s: tablegen snippet loads" % where)
    for fname, path in final:
        got = open(os.path.join(work, fname)).read()
        want = open(path).read()
        if got != want:
            diff = "\n".join(difflib.unified_diff(
                want.split("\n"), got.split("\n"), path, "document's " + fname, lineterm=""))
            fail(name, "%s differs from %s" % (fname, path), diff)
        print("%s: final %s equals %s" % (name, fname, os.path.basename(path)))
    print("all examples of %s work" % name)


if __name__ == "__main__":
    main()
