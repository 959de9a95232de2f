#!/usr/bin/env python3
"""Benchmark of ckpt-migrate against `cp` and the equivalent torch 1.13 script (issue 7).

One run generates the inputs with real torch (cached in the work directory,
regenerated only when missing), then measures side by side, with several
repetitions and medians:

  (a) ``cp in.pth out.pth``,
  (b) ``ckpt-migrate -passes=downgrade-0.4.0 in.pth -o out.pth``,
  (c) ``python3 bench/baseline_migrate.py in.pth out.pth`` (torch.load, the same
      edits, torch.save with ``_use_new_zipfile_serialization=False``),

for the cases of the issue:

  1. a large state dict (zip -> legacy): wall time vs cp and vs Python;
  2. peak RSS for flat state dicts of growing size (must stay flat);
  3. pickle-heavy checkpoints (many small tensors): speed vs Python, linearity;
  4. start-up on a tiny checkpoint;
  5. batch mode (``-j N --output-dir=DIR``), when the binary supports it.

It writes docs/Performance.md (machine, method, tables with targets) and the
raw numbers as JSON in the work directory.  Only the standard library is
needed here; torch runs in the interpreter given by --python.

  /usr/bin/python3 bench/run.py --quick     # smoke run, small sizes, a minute or two
  /usr/bin/python3 bench/run.py --full      # the issue's sizes (about 20 GiB of free disk)

Measurement: wall time with time.perf_counter around spawning the command
under ``/usr/bin/time`` and waiting for it; peak RSS (ru_maxrss) and CPU time
(user + sys) as time reports them.  Outputs go to the work directory (the
inputs' filesystem) and are deleted after every run; ``sync`` runs before every
measured run so one run's write-back does not land in the next.  By default
the page cache is warm (inputs were read once before the case); --cold drops
it (``echo 3 > /proc/sys/vm/drop_caches``, root only) before every measured
run.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
MB = 1000 * 1000
PIPELINE = "downgrade-0.4.0"

# Sizes per mode.  `target_tensors` is the case-3 size where the speed-up target
# is checked (the 200k; the largest quick size in --quick).
CONFIGS = {
    "quick": {
        "case1_bytes": 50 * MB,
        "case2_bytes": [10 * MB, 50 * MB],
        "case3_tensors": [2_000, 20_000],
        "target_tensors": 20_000,
        "batch_files": 8,
        "batch_bytes": 4 * MB,
        "startup_runs": 20,
        "reps": 2,
        "py_reps": 1,
    },
    "full": {
        "case1_bytes": 2 * GiB,
        "case2_bytes": [100 * MB, 1 * GiB, 4 * GiB],
        "case3_tensors": [20_000, 200_000, 2_000_000],
        "target_tensors": 200_000,
        "batch_files": 16,
        "batch_bytes": 64 * MiB,
        "startup_runs": 50,
        "reps": 5,
        "py_reps": 3,
    },
}

# Targets of the issue.
CASE1_VS_CP = 1.5          # ckpt-migrate wall <= 1.5x cp
CASE1_VS_PY = 20.0         # >= 20x faster than Python
CASE2_BASE = 64 * MiB      # peak RSS <= 64 MiB + 3x pickle size
CASE2_PICKLE_FACTOR = 3
CASE2_FLAT_SLACK = 8 * MiB  # "flat": growth <= 8 MiB of noise + 3x the pickle's growth
CASE3_VS_PY = 10.0         # >= 10x faster than Python
CASE3_LINEAR = 1.5         # time/tensor at the largest size <= 1.5x at the smallest
CASE4_STARTUP = 0.010      # < 10 ms


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

def fmt_bytes(n):
    if n is None:
        return "—"
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            return f"{n / size:.3g} {unit}" if n < 100 * size else f"{n / size:.0f} {unit}"
    return f"{n} B"


def fmt_size_label(n):
    """Labels a requested size the way the issue names it (100 MB, 2 GiB)."""
    if n % GiB == 0:
        return f"{n // GiB} GiB"
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % MB == 0:
        return f"{n // MB} MB"
    return fmt_bytes(n)


def fmt_time(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    if s < 100:
        return f"{s:.3g} s"
    return f"{s:.0f} s"


def fmt_count(n):
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "**missed**")


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------
# Running and measuring one command
# ---------------------------------------------------------------------------

class RunResult:
    """Wall time (s), peak RSS (bytes), exit code, CPU time (s) and, when it failed, why."""

    def __init__(self, wall, rss, rc, error=None, cpu=None):
        self.wall, self.rss, self.rc, self.error, self.cpu = wall, rss, rc, error, cpu

    @property
    def ok(self):
        return self.rc == 0 and self.error is None


class Runner:
    def __init__(self, cold, scratch):
        self.cold = cold
        self.scratch = scratch

    def prepare(self, cold=None):
        """Before every measured run: flush write-back, drop caches if cold."""
        os.sync()
        if self.cold if cold is None else cold:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")

    def run(self, cmd, timeout=None, mem_limit=None, cold=None):
        """Runs cmd once; returns a RunResult.  Kills it past timeout (s) or mem_limit (bytes).

        The command runs under `/usr/bin/time` for its peak RSS and CPU time: ru_maxrss
        of a child that Python spawns directly starts at Python's own RSS
        (vfork + exec keeps the parent's high-water mark), time's child does not.
        """
        self.prepare(cold)
        err_path = os.path.join(self.scratch, "stderr.txt")
        rss_path = os.path.join(self.scratch, "rss.txt")
        killed = []
        done = threading.Event()
        with open(err_path, "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", rss_path] + cmd,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)
            watchdog = None
            if timeout or mem_limit:
                watchdog = threading.Thread(
                    target=self._watch, daemon=True,
                    args=(proc.pid, start, timeout, mem_limit, done, killed))
                watchdog.start()
            proc.wait()
            wall = time.perf_counter() - start
            done.set()
        rss = cpu = None
        m = re.search(r"(\d+) (\d+\.\d+) (\d+\.\d+)\s*$", read_text(rss_path))
        if m:
            rss, cpu = int(m.group(1)) * KiB, float(m.group(2)) + float(m.group(3))
        error = None
        if killed:
            error = killed[0]
        elif proc.returncode != 0:
            with open(err_path, "rb") as f:
                tail = f.read().decode(errors="replace").strip().splitlines()[-3:]
            error = f"exit {proc.returncode}: " + " / ".join(tail)
        elif rss is None:
            error = f"no peak RSS from /usr/bin/time ({rss_path})"
        return RunResult(wall, rss, proc.returncode, error, cpu)

    @staticmethod
    def _watch(pid, start, timeout, mem_limit, done, killed):
        """Kills the process group of `time` when its command runs too long or too big."""
        while not done.wait(0.25):
            reason = None
            if timeout and time.perf_counter() - start > timeout:
                reason = f"killed after the {fmt_time(timeout)} time limit"
            elif mem_limit:
                rss = 0
                for child in read_text(f"/proc/{pid}/task/{pid}/children").split():
                    m = re.search(r"VmRSS:\s+(\d+) kB", read_text(f"/proc/{child}/status"))
                    rss += int(m.group(1)) * KiB if m else 0
                if rss > mem_limit:
                    reason = f"killed above the {fmt_bytes(mem_limit)} memory limit"
            if reason and not done.is_set():
                killed.append(reason)
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                return


def remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def warm(paths):
    """Reads the files once so the measured runs see a warm page cache."""
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.read(8 * MiB):
                pass


def median(values):
    return statistics.median(values) if values else None


class Series:
    """Repeated runs of one command on one input."""

    def __init__(self, name):
        self.name = name
        self.runs = []
        self.error = None

    def add(self, r):
        if r.ok:
            self.runs.append(r)
        elif self.error is None:
            self.error = r.error

    @property
    def wall(self):
        return median([r.wall for r in self.runs])

    @property
    def cpu(self):
        """Median user + sys CPU time (10 ms resolution): less sensitive to a busy machine."""
        return median([r.cpu for r in self.runs if r.cpu is not None])

    @property
    def rss(self):
        return max([r.rss for r in self.runs], default=None)

    def spread(self):
        walls = [r.wall for r in self.runs]
        if not walls:
            return self.error or "not run"
        if len(walls) == 1:
            return fmt_time(walls[0])
        return f"{fmt_time(median(walls))} ({fmt_time(min(walls))}–{fmt_time(max(walls))})"

    def to_json(self):
        return {"walls": [r.wall for r in self.runs], "rss": [r.rss for r in self.runs],
                "cpu": [r.cpu for r in self.runs],
                "median_wall": self.wall, "peak_rss": self.rss, "error": self.error}


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = dict(CONFIGS[args.mode])
        if args.reps:
            self.cfg["reps"] = args.reps
            self.cfg["py_reps"] = min(args.reps, self.cfg["py_reps"]) or 1
        self.work = os.path.abspath(args.work_dir)
        self.inputs = os.path.join(self.work, "inputs")
        self.outputs = os.path.join(self.work, "outputs")
        os.makedirs(self.inputs, exist_ok=True)
        os.makedirs(self.outputs, exist_ok=True)
        self.runner = Runner(args.cold, self.work)
        self.results = {}
        self.notes = {}
        self.rows = []  # summary rows: case, measure, value, target, result

    # -- commands ----------------------------------------------------------

    def cmd_cp(self, inp, out):
        return ["cp", inp, out]

    def cmd_ckpt(self, inp, out):
        return [self.args.binary, f"-passes={PIPELINE}", inp, "-o", out]

    def cmd_py(self, inp, out):
        return [self.args.python, os.path.join(HERE, "baseline_migrate.py"), inp, out]

    # -- inputs ------------------------------------------------------------

    @staticmethod
    def estimate_size(kind, n):
        if kind == "flat":
            return int(n * 1.01) + MiB
        if kind == "many":
            return n * 400 + MiB
        return MiB

    def input_path(self, kind, n=None):
        # The generator's version is part of the key: bump it when gen_inputs.py changes.
        name = {"flat": f"flat-{n}B", "many": f"many-{n}t", "tiny": "tiny"}[kind]
        return os.path.join(self.inputs, f"{name}-v1.pth")

    def planned_inputs(self):
        c, cases = self.cfg, self.args.cases
        plan = []
        if 1 in cases:
            plan.append(("flat", c["case1_bytes"]))
        if 2 in cases:
            plan += [("flat", n) for n in c["case2_bytes"]]
        if 3 in cases:
            plan += [("many", n) for n in c["case3_tensors"]]
        if 4 in cases:
            plan.append(("tiny", None))
        if 5 in cases:
            plan.append(("flat", c["batch_bytes"]))
        return list(dict.fromkeys(plan))

    def check_disk(self):
        """Refuses politely when the work directory's filesystem is too small."""
        plan = self.planned_inputs()
        missing = sum(self.estimate_size(k, n) for k, n in plan
                      if not os.path.exists(self.input_path(k, n)))
        largest = max((self.estimate_size(k, n) for k, n in plan), default=0)
        batch = 0
        if 5 in self.args.cases:
            batch = 2 * self.cfg["batch_files"] * self.estimate_size("flat", self.cfg["batch_bytes"])
        # Outputs: at most two kept outputs of the largest input at a time (the
        # correctness check), plus the batch copies and their outputs.
        need = missing + 2 * largest + batch + 512 * MiB
        free = shutil.disk_usage(self.work).free
        log(f"disk: {fmt_bytes(free)} free in {self.work}, about {fmt_bytes(need)} needed "
            f"({fmt_bytes(missing)} of inputs to generate)")
        if free < need:
            sys.exit(f"run.py: not enough free disk in {self.work}: {fmt_bytes(free)} free, "
                     f"about {fmt_bytes(need)} needed. Free some space or pass --work-dir "
                     f"on a larger filesystem.")

    def ensure_input(self, kind, n=None):
        path = self.input_path(kind, n)
        if os.path.exists(path):
            return path
        if kind == "flat":
            avail = mem_available()
            if avail is not None and avail < n * 1.2 + GiB:
                sys.exit(f"run.py: generating a {fmt_bytes(n)} state dict needs about "
                         f"{fmt_bytes(int(n * 1.2 + GiB))} of free memory; {fmt_bytes(avail)} available")
        if kind == "flat":
            what = f"a {fmt_size_label(n)} state dict"
        elif kind == "many":
            what = f"a checkpoint of {fmt_count(n)} tensors"
        else:
            what = "a tiny checkpoint"
        log(f"generating {what} -> {os.path.relpath(path)}")
        cmd = [self.args.python, os.path.join(HERE, "gen_inputs.py"), kind, "-o", path]
        if kind == "flat":
            cmd += ["--bytes", str(n)]
        elif kind == "many":
            cmd += ["--tensors", str(n)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        log(f"  done in {fmt_time(time.perf_counter() - start)}, {fmt_bytes(os.path.getsize(path))}")
        return path

    # -- measuring ---------------------------------------------------------

    def measure(self, inp, tools, keep=()):
        """Runs each tool (name -> (cmd builder, reps, limits)) interleaved, rep by rep.

        Outputs are deleted after every run, except the last output of the tools
        in `keep`, which is returned (name -> path) for the correctness check.
        """
        series = {name: Series(name) for name in tools}
        kept = {}
        max_reps = max(reps for _, reps, _ in tools.values())
        base = os.path.splitext(os.path.basename(inp))[0]
        for rep in range(max_reps):
            for name, (build, reps, limits) in tools.items():
                if rep >= reps or series[name].error:
                    continue
                out = os.path.join(self.outputs, f"{base}.{name}.pth")
                remove(out)
                r = self.runner.run(build(inp, out), **limits)
                series[name].add(r)
                if rep == reps - 1 and name in keep and r.ok:
                    kept[name] = out
                else:
                    remove(out)
        return series, kept

    def check_same(self, kept, label):
        """Compares ckpt-migrate's and Python's outputs with torch (untimed)."""
        if self.args.no_check or "ckpt" not in kept or "py" not in kept:
            for p in kept.values():
                remove(p)
            return None
        r = subprocess.run([self.args.python, os.path.join(HERE, "compare_outputs.py"),
                            kept["ckpt"], kept["py"]], capture_output=True, text=True)
        for p in kept.values():
            remove(p)
        same = r.returncode == 0
        msg = "same" if same else (r.stdout + r.stderr).strip().splitlines()[:3]
        log(f"  check {label}: ckpt-migrate's output vs Python's: {msg}")
        self.results.setdefault("checks", {})[label] = same if same else msg
        return same

    def tools(self, cp=True, ckpt=True, py=True, reps=None, py_reps=None, py_limits=None):
        reps = reps or self.cfg["reps"]
        py_reps = py_reps or self.cfg["py_reps"]
        t = {}
        if cp:
            t["cp"] = (self.cmd_cp, reps, {})
        if ckpt:
            t["ckpt"] = (self.cmd_ckpt, reps, {})
        if py:
            t["py"] = (self.cmd_py, py_reps, py_limits or self.py_limits())
        return t

    def py_limits(self):
        return {"timeout": self.args.py_time_limit, "mem_limit": int(self.args.py_mem_limit_gib * GiB)}

    # -- cases -------------------------------------------------------------

    def case1(self):
        n = self.cfg["case1_bytes"]
        label = fmt_size_label(n)
        log(f"\n== case 1: {label} state dict, zip -> legacy ==")
        inp = self.ensure_input("flat", n)
        if not self.args.cold:
            warm([inp])
        s, kept = self.measure(inp, self.tools(), keep=("ckpt", "py"))
        same = self.check_same(kept, f"case 1 ({label})")
        cp, ck, py = s["cp"], s["ckpt"], s["py"]
        vs_cp = ck.wall / cp.wall if ck.wall and cp.wall else None
        vs_py = py.wall / ck.wall if ck.wall and py.wall else None
        self.results["case1"] = {"bytes": n, "file_size": os.path.getsize(inp),
                                 "pickle_size": pickle_size(inp),
                                 **{k: v.to_json() for k, v in s.items()}}
        self.rows.append((1, f"{label} state dict: ckpt-migrate wall / cp wall",
                          f"{fmt_ratio(vs_cp)} ({fmt_time(ck.wall)} / {fmt_time(cp.wall)})",
                          f"≤ {CASE1_VS_CP}x", verdict(None if vs_cp is None else vs_cp <= CASE1_VS_CP)))
        self.rows.append((1, f"{label} state dict: Python wall / ckpt-migrate wall",
                          f"{fmt_ratio(vs_py)} ({fmt_time(py.wall)} / {fmt_time(ck.wall)})" if vs_py
                          else f"Python: {py.error or 'not run'}",
                          f"≥ {CASE1_VS_PY:.0f}x", verdict(None if vs_py is None else vs_py >= CASE1_VS_PY)))
        rows = [(name, ser.spread(), fmt_time(ser.cpu), fmt_bytes(ser.rss),
                 fmt_ratio(ser.wall / cp.wall) if ser.wall and cp.wall else "—", len(ser.runs))
                for name, ser in (("`cp`", cp), ("`ckpt-migrate`", ck), ("Python (torch 1.13)", py))]
        self.notes[1] = (
            f"Input: `nn.Sequential` of `Linear(4096, ·)` + `BatchNorm1d` blocks, {fmt_bytes(os.path.getsize(inp))} "
            f"zip file, pickle (`data.pkl`) {fmt_bytes(pickle_size(inp))}; output: legacy container.\n\n"
            + md_table(["command", "wall, median (min–max)", "CPU (user+sys)", "peak RSS", "vs cp", "runs"], rows)
            + "\n\n" + check_note(same))
        if py.wall and cp.wall:
            # What bounds the Python ratio: a tool that copies the tensor
            # bytes cannot be much faster than cp of the same file.
            bound = py.wall / cp.wall
            self.notes[1] += (
                f"\n\nBound: on this machine the Python script takes {fmt_ratio(bound)} the time of `cp` of the "
                f"same file (warm cache: torch.load and torch.save run at memory speed), so a tool that writes "
                f"every tensor byte once can be at most about {fmt_ratio(bound)} faster than Python unless it "
                f"beats `cp` itself; ckpt-migrate's ratio to `cp` is {fmt_ratio(vs_cp)}. The ≥ {CASE1_VS_PY:.0f}x "
                f"target holds only where Python is at least {CASE1_VS_PY:.0f}x slower than `cp`, e.g. with a cold "
                f"cache on slow storage or with torch's import and allocation dominating.")

    def case2(self):
        log("\n== case 2: peak RSS vs tensor bytes ==")
        rows, points = [], []
        for n in self.cfg["case2_bytes"]:
            label = fmt_size_label(n)
            inp = self.ensure_input("flat", n)
            if not self.args.cold:
                warm([inp])
            pkl = pickle_size(inp)
            s, _ = self.measure(inp, self.tools(py=False, reps=min(3, self.cfg["reps"])))
            ck, cp = s["ckpt"], s["cp"]
            target = CASE2_BASE + CASE2_PICKLE_FACTOR * pkl
            ok = None if ck.rss is None else ck.rss <= target
            points.append((n, ck.rss))
            self.results.setdefault("case2", []).append(
                {"bytes": n, "file_size": os.path.getsize(inp), "pickle_size": pkl,
                 "cp": cp.to_json(), "ckpt": ck.to_json(), "target_rss": target})
            self.rows.append((2, f"peak RSS, {label} flat state dict (pickle {fmt_bytes(pkl)})",
                              fmt_bytes(ck.rss) if ck.runs else ck.error, f"≤ {fmt_bytes(target)}", verdict(ok)))
            rows.append((label, fmt_bytes(os.path.getsize(inp)), fmt_bytes(pkl), ck.spread(), cp.spread(),
                         fmt_bytes(ck.rss), fmt_bytes(target), verdict(ok),
                         f"{ck.rss / os.path.getsize(inp):.3f}" if ck.rss else "—"))
        note = md_table(["tensor bytes", "file", "pickle", "ckpt-migrate wall", "cp wall",
                         "ckpt-migrate peak RSS", "target", "result", "RSS / file size"], rows)
        valid = [(n, r) for n, r in points if r]
        if len(valid) >= 2:
            (n0, r0), (n1, r1) = valid[0], valid[-1]
            slope = (r1 - r0) / (n1 - n0)
            note += (f"\n\nFrom {fmt_size_label(n0)} to {fmt_size_label(n1)} of tensors the peak RSS changed by "
                     f"{fmt_bytes(abs(r1 - r0))} ({'+' if r1 >= r0 else '-'}), i.e. {slope * GiB / MiB:+.1f} MiB per GiB "
                     f"of tensor data; a flat curve is ~0 MiB/GiB, holding the tensors would be 1024 MiB/GiB.")
            self.results["case2_slope_mib_per_gib"] = slope * GiB / MiB
            pk = self.results["case2"]
            allowed = CASE2_FLAT_SLACK + CASE2_PICKLE_FACTOR * max(0, pk[-1]["pickle_size"] - pk[0]["pickle_size"])
            self.rows.append((2, f"peak RSS growth from {fmt_size_label(n0)} to {fmt_size_label(n1)} "
                                 f"({slope * GiB / MiB:+.0f} MiB per GiB of tensors)",
                              f"{'+' if r1 >= r0 else '-'}{fmt_bytes(abs(r1 - r0))}",
                              f"≤ {fmt_bytes(allowed)} (flat)", verdict(r1 - r0 <= allowed)))
        self.notes[2] = ("Inputs: the same kind of state dict as case 1 at each size. Peak RSS is `ru_maxrss` of the "
                         "process: it counts the pages of a memory-mapped input that were touched, not only the "
                         "heap, so mapping and reading the whole input shows as RSS.\n\n" + note)

    def case3(self):
        log("\n== case 3: many small tensors ==")
        rows, per_tensor = [], []
        py_points = []  # (n, wall, rss) of the Python runs so far, to predict the next
        target_n = self.cfg["target_tensors"]
        for n in self.cfg["case3_tensors"]:
            inp = self.ensure_input("many", n)
            if not self.args.cold:
                warm([inp])
            run_py, why_not = True, None
            if py_points:
                pred_wall, pred_rss, basis = predict(py_points, n)
                if pred_wall > self.args.py_time_limit or pred_rss > self.args.py_mem_limit_gib * GiB:
                    run_py = False
                    why_not = (f"not run (predicted {fmt_time(pred_wall)}, {fmt_bytes(int(pred_rss))} from "
                               f"{basis}; limits {fmt_time(self.args.py_time_limit)}, "
                               f"{self.args.py_mem_limit_gib:g} GiB)")
            py_reps = self.cfg["py_reps"] if n <= target_n else 1
            s, kept = self.measure(inp, self.tools(py=run_py, py_reps=py_reps), keep=("ckpt", "py"))
            same = self.check_same(kept, f"case 3 ({fmt_count(n)} tensors)")
            ck, cp = s["ckpt"], s["cp"]
            py = s.get("py")
            if py and py.runs:
                py_points.append((n, py.wall, py.rss))
            elif py and py.error:
                why_not = f"not run ({py.error})"
            py_wall = py.wall if py and py.runs else None
            ratio = py_wall / ck.wall if py_wall and ck.wall else None
            if ck.wall:
                per_tensor.append((n, ck.wall / n))
            self.results.setdefault("case3", []).append(
                {"tensors": n, "file_size": os.path.getsize(inp), "pickle_size": pickle_size(inp),
                 "cp": cp.to_json(), "ckpt": ck.to_json(), "py": py.to_json() if py else None,
                 "py_not_run": why_not, "check": same})
            if n == target_n:
                self.rows.append((3, f"{fmt_count(n)} small tensors: Python wall / ckpt-migrate wall",
                                  f"{fmt_ratio(ratio)} ({fmt_time(py_wall)} / {fmt_time(ck.wall)})"
                                  if ratio else (why_not or "—"),
                                  f"≥ {CASE3_VS_PY:.0f}x", verdict(None if ratio is None else ratio >= CASE3_VS_PY)))
            rows.append((fmt_count(n), fmt_bytes(os.path.getsize(inp)), fmt_bytes(pickle_size(inp)),
                         cp.spread(), ck.spread(), fmt_time(ck.cpu), f"{ck.wall / n * 1e6:.2f} µs" if ck.wall else "—",
                         fmt_bytes(ck.rss),
                         py.spread() if py and py.runs else (why_not or "—"),
                         f"{py_wall / n * 1e6:.1f} µs" if py_wall else "—",
                         fmt_bytes(py.rss) if py and py.runs else "—",
                         fmt_ratio(ratio), check_cell(same)))
        if len(per_tensor) >= 2:
            (n0, t0), (n1, t1) = per_tensor[0], per_tensor[-1]
            growth = t1 / t0
            self.rows.append((3, f"linear growth: time per tensor at {fmt_count(n1)} / at {fmt_count(n0)}",
                              f"{growth:.2f} ({t1 * 1e6:.2f} µs / {t0 * 1e6:.2f} µs)",
                              f"≤ {CASE3_LINEAR}", verdict(growth <= CASE3_LINEAR)))
        self.notes[3] = (
            "Inputs: `{'model': state_dict, 'optimizer': Adam state_dict, 'epoch': 90}` with N/4 parameters of "
            "4–64 float32 elements; each has `step` (0-dim tensor, as 1.12+ saves it), `exp_avg` and `exp_avg_sq`, "
            "so the pipeline turns N/4 steps back into numbers and drops the 1.12+ param_group keys.\n\n"
            + md_table(["tensors", "file", "pickle", "cp", "ckpt-migrate", "CPU", "per tensor", "peak RSS",
                        "Python", "per tensor", "Python peak RSS", "Python / ckpt-migrate", "same output"], rows)
            + f"\n\nLinearity is checked one-sided: the time per tensor at the largest size may not exceed "
              f"{CASE3_LINEAR}x the time per tensor at the smallest (start-up makes small sizes look slower per "
              f"tensor, which is fine; super-linear work makes large sizes slower, which is not). Python runs are "
              f"limited to {fmt_time(self.args.py_time_limit)} and {self.args.py_mem_limit_gib:g} GiB; a size is "
              f"skipped when a linear fit of the smaller sizes predicts that it would not fit.")

    def case4(self):
        log("\n== case 4: start-up on a tiny checkpoint ==")
        inp = self.ensure_input("tiny")
        warm([inp])
        runs = self.cfg["startup_runs"]
        tools = {"true": (lambda i, o: ["true"], runs, {}), **self.tools(reps=runs)}
        # Start-up is always measured warm: dropping the cache would time the disk.
        cold, self.runner.cold = self.runner.cold, False
        self.measure(inp, {"ckpt": tools["ckpt"]})  # one untimed warm-up of the binary
        try:
            s, kept = self.measure(inp, tools, keep=("ckpt", "py"))
        finally:
            self.runner.cold = cold
        same = self.check_same(kept, "case 4 (tiny)")
        ck = s["ckpt"]
        self.results["case4"] = {"file_size": os.path.getsize(inp), "runs": runs,
                                 **{k: v.to_json() for k, v in s.items()}}
        # The harness (Python spawning through /usr/bin/time) costs several
        # milliseconds by itself: the target is checked on the tool's own
        # share, the median minus that of `true` measured the same way.
        own = None
        if ck.wall and s["true"].wall:
            own = max(0.0, ck.wall - s["true"].wall)
        self.rows.append((4, f"start-up, tiny checkpoint ({fmt_bytes(os.path.getsize(inp))}), median of {runs}, "
                             f"minus the harness (`true`: {fmt_time(s['true'].wall) if s['true'].wall else '?'})",
                          (f"{fmt_time(own)} ({fmt_time(ck.wall)} raw)" if own is not None
                           else (fmt_time(ck.wall) if ck.runs else ck.error)),
                          f"< {fmt_time(CASE4_STARTUP)}",
                          verdict(None if own is None else own < CASE4_STARTUP)))
        net = ""
        if own is not None:
            net = (f" Without that overhead (`ckpt-migrate` median minus `true` median) start-up is about "
                   f"{fmt_time(own)}; the target is checked on that value.")
        names = {"true": "`true` (cost of the measurement: spawn through `/usr/bin/time`)", "cp": "`cp`",
                 "ckpt": "`ckpt-migrate`", "py": "Python (torch 1.13)"}
        rows = [(names[k], v.spread(), fmt_bytes(v.rss), len(v.runs)) for k, v in s.items()]
        self.notes[4] = ("Input: a small CNN with two BatchNorms (state dict, zip). Always warm cache. Wall time "
                         "includes spawning the command through `/usr/bin/time` from Python, shown by the `true` "
                         "row." + net + "\n\n"
                         + md_table(["command", "wall, median (min–max)", "peak RSS", "runs"], rows)
                         + "\n\n" + check_note(same))

    def case5(self):
        log("\n== case 5: batch mode ==")
        nfiles, size = self.cfg["batch_files"], self.cfg["batch_bytes"]
        help_text = subprocess.run([self.args.binary, "--help"], capture_output=True, text=True).stdout
        supported = bool(re.search(r"^\s*--?j\b", help_text, re.M)) and "--output-dir" in help_text
        src = self.ensure_input("flat", size)
        batch_dir = os.path.join(self.inputs, f"batch-{nfiles}x{size}B")
        files = [os.path.join(batch_dir, f"in{i:02d}.pth") for i in range(nfiles)]
        os.makedirs(batch_dir, exist_ok=True)
        for f in files:
            if not os.path.exists(f) or os.path.getsize(f) != os.path.getsize(src):
                shutil.copyfile(src, f)
        total = sum(os.path.getsize(f) for f in files)
        out_dir = os.path.join(self.outputs, "batch")
        if not self.args.cold:
            warm(files)

        def seq_cmd(_i, _o):
            # One process per file, as a shell loop would do.
            loop = 'b=$1; o=$2; shift 2; for f; do "$b" -passes=%s "$f" -o "$o/${f##*/}" || exit 1; done' % PIPELINE
            return ["sh", "-c", loop, "sh", self.args.binary, out_dir] + files

        modes = {"cp": lambda i, o: ["cp"] + files + [out_dir + "/"],
                 "seq": seq_cmd}
        if supported:
            for j in (1, 2):
                modes[f"j{j}"] = (lambda j: lambda i, o: [self.args.binary, f"-passes={PIPELINE}", "-j", str(j),
                                                          f"--output-dir={out_dir}"] + files)(j)
        reps = self.cfg["reps"]
        series = {k: Series(k) for k in modes}
        for _ in range(reps):
            for k, build in modes.items():
                remove(out_dir)
                os.makedirs(out_dir)
                r = self.runner.run(build(None, None))
                written = len(os.listdir(out_dir))
                if r.ok and written != nfiles:
                    r.error = f"wrote {written} of {nfiles} outputs"
                series[k].add(r)
        remove(out_dir)
        labels = {"cp": f"`cp` of the {nfiles} files", "seq": f"{nfiles} × `ckpt-migrate` (one process per file, `sh` loop)",
                  "j1": "`ckpt-migrate -j 1 --output-dir`", "j2": "`ckpt-migrate -j 2 --output-dir`"}
        rows = []
        for k, ser in series.items():
            w = ser.wall
            rows.append((labels[k], ser.spread() if ser.runs else ser.error,
                         f"{total / w / MB:.0f} MB/s" if w else "—", f"{nfiles / w:.1f}" if w else "—",
                         fmt_bytes(ser.rss)))
        if not supported:
            rows += [(labels["j1"], "not available", "—", "—", "—"), (labels["j2"], "not available", "—", "—", "—")]
        self.results["case5"] = {"supported": supported, "files": nfiles, "total_bytes": total,
                                 **{k: v.to_json() for k, v in series.items()}}
        for j in (1, 2):
            ser = series.get(f"j{j}")
            if ser and ser.wall:
                value = f"{total / ser.wall / MB:.0f} MB/s, {nfiles / ser.wall:.1f} files/s"
            else:
                value = "not available" if not supported else (ser.error if ser else "—")
            self.rows.append((5, f"batch `-j {j}`, {nfiles} × {fmt_size_label(size)} files", value,
                              "— (reported)", "not available" if not supported else "—"))
        self.notes[5] = (
            f"Inputs: {nfiles} copies of a {fmt_size_label(size)} state dict ({fmt_bytes(total)} in all). "
            + ("The binary supports `-j`/`--output-dir`." if supported else
               "The binary's `--help` shows no `-j`/`--output-dir` (the flag is being implemented), so the batch "
               "rows are marked not available; the reference rows still show the cost of one process per file.")
            + " MB/s is input bytes per second of wall time.\n\n"
            + md_table(["command", "wall, median (min–max)", "throughput", "files/s", "peak RSS"], rows))

    # -- report ------------------------------------------------------------

    def machine(self):
        info = {}
        info["cpus"] = os.cpu_count()
        info["nproc"] = len(os.sched_getaffinity(0))
        info["mem_total"] = meminfo().get("MemTotal")
        info["kernel"] = platform.release()
        info["cpu_model"] = next((ln.split(":", 1)[1].strip() for ln in read_text("/proc/cpuinfo").splitlines()
                                  if ln.startswith("model name")), platform.machine())
        info["fs"] = cmd_out(["stat", "-f", "-c", "%T", self.work])
        info["ckpt_version"] = " ".join(cmd_out([self.args.binary, "--version"]).split())
        commit = cmd_out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        dirty = cmd_out(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])
        info["commit"] = commit + (" + uncommitted changes" if dirty else "")
        info["torch"] = cmd_out([self.args.python, "-c", "import torch, sys; "
                                 "print(torch.__version__, 'on Python', sys.version.split()[0])"])
        info["cp"] = cmd_out(["cp", "--version"]).splitlines()[0] if cmd_out(["cp", "--version"]) else "?"
        return info

    def write_doc(self, info, started, load_before, load_after, elapsed):
        a, c = self.args, self.cfg
        mode_note = ("**Mode: `--quick`** (smoke sizes, few repetitions): the numbers below only show that the "
                     "benchmark runs; the targets are for the issue's sizes (`--full`)."
                     if a.mode == "quick" else "**Mode: `--full`** (the issue's sizes).")
        cache = ("**cold**: `sync; echo 3 > /proc/sys/vm/drop_caches` before every measured run (case 4 stays warm)"
                 if a.cold else "**warm**: each input is read once before its case, nothing is dropped "
                 "(pass `--cold` to drop the page cache before every measured run)")
        lines = [
            "# Performance",
            "",
            "<!-- Generated by bench/run.py; rerun it instead of editing. -->",
            "",
            "ckpt-migrate rewrites only the pickle and copies the tensor bytes, so migrating a checkpoint "
            "should cost about a `cp`, and far less than loading and saving it with PyTorch. This page "
            "measures that (issue 7) against `cp` and the Python script a user would write with torch 1.13 "
            "([bench/baseline_migrate.py](../bench/baseline_migrate.py): `torch.load`, the edits of "
            f"`{PIPELINE}`, `torch.save(..., _use_new_zipfile_serialization=False)`).",
            "",
            mode_note,
            "",
            f"- Date: {started.strftime('%Y-%m-%d %H:%M %Z')}, {fmt_time(elapsed)} for the whole run",
            f"- Machine: {info['cpu_model']}, {info['nproc']} CPUs usable (nproc; {info['cpus']} online), "
            f"{fmt_bytes(info['mem_total'])} RAM, Linux {info['kernel']}, work directory on {info['fs']}",
            f"- Load average (1 min) at start / end: {load_before:.2f} / {load_after:.2f}"
            + (" — the machine was busy; treat the numbers as indicative" if max(load_before, load_after) >= 1 else ""),
            f"- ckpt-migrate: commit {info['commit']}, `{os.path.relpath(a.binary, ROOT)}` ({info['ckpt_version']})",
            f"- PyTorch: {info['torch']} (`{a.python}`); {info['cp']}",
            f"- Page cache: {cache}",
            f"- Repetitions: {c['reps']} for `cp` / `ckpt-migrate`, {c['py_reps']} for Python (1 above "
            f"{fmt_count(c['target_tensors'])} tensors); values are medians, peak RSS is the maximum over runs",
            "",
            "## How to run",
            "",
            "```sh",
            "ninja -C build && /usr/bin/python3 bench/run.py --full    # the issue's sizes, ~20 GiB of free disk",
            "/usr/bin/python3 bench/run.py --quick                     # smoke run, a minute or two",
            "```",
            "",
            "Inputs are generated with torch ([bench/gen_inputs.py](../bench/gen_inputs.py)) into `bench/out/inputs` "
            "(git-ignored; `--work-dir` to change) and reused by later runs. Outputs are written to the same "
            "filesystem and deleted after every run; `sync` runs before every measured run. Wall time is measured "
            "around spawning the command under `/usr/bin/time` and waiting for it; peak RSS (`ru_maxrss`) and CPU "
            "time (user + sys, shown where it helps to read a busy machine) are the command's as `time` reports them. Options: `--cases 1,3`, "
            "`--cold`, `--reps N`, `--binary`, `--python`, `--no-check`, `--doc`. Raw numbers: "
            f"`{os.path.relpath(self.json_path(), ROOT)}`.",
            "",
            "## Results",
            "",
            md_table(["case", "measure", "value", "target", "result"], self.rows),
            "",
        ]
        titles = {1: "Case 1: large state dict, zip -> legacy", 2: "Case 2: peak RSS independent of tensor bytes",
                  3: "Case 3: pickle-heavy checkpoints", 4: "Case 4: start-up", 5: "Case 5: batch mode"}
        for k in sorted(self.notes):
            lines += [f"### {titles[k]}", "", self.notes[k], ""]
        lines += ["The Python baseline and ckpt-migrate write the same checkpoint: where both ran, the last outputs "
                  "are loaded with torch and compared ([bench/compare_outputs.py](../bench/compare_outputs.py): "
                  "keys, `_metadata`, dtypes, shapes, strides, values, legacy container).", ""]
        # The analysis of missed targets is written by people, versioned
        # beside this script, and carried into every generated page.
        analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
        if os.path.exists(analysis):
            with open(analysis) as f:
                lines += [f.read().rstrip("\n"), ""]
        os.makedirs(os.path.dirname(os.path.abspath(a.doc)), exist_ok=True)
        with open(a.doc, "w") as f:
            f.write("\n".join(lines))
        log(f"\nwrote {os.path.relpath(a.doc)}")

    def json_path(self):
        return os.path.join(self.work, f"results-{self.args.mode}.json")

    def run(self):
        started = datetime.datetime.now().astimezone()
        t0 = time.perf_counter()
        load_before = os.getloadavg()[0]
        self.check_disk()
        info = self.machine()
        log(f"machine: {info['nproc']} CPUs, {fmt_bytes(info['mem_total'])}, load {load_before:.2f}; "
            f"{info['torch']}; mode {self.args.mode}, {'cold' if self.args.cold else 'warm'} cache")
        # Warm up the interpreter and torch's libraries once, untimed.
        subprocess.run([self.args.python, "-c", "import torch"], check=True)
        for k in sorted(self.args.cases):
            getattr(self, f"case{k}")()
        for scratch in ("stderr.txt", "rss.txt"):
            remove(os.path.join(self.work, scratch))
        elapsed = time.perf_counter() - t0
        load_after = os.getloadavg()[0]
        log("\n" + md_table(["case", "measure", "value", "target", "result"], self.rows))
        with open(self.json_path(), "w") as f:
            json.dump({"mode": self.args.mode, "cold": self.args.cold, "date": started.isoformat(),
                       "machine": info, "load": [load_before, load_after], "config": self.cfg,
                       "results": self.results}, f, indent=1)
        log(f"raw numbers: {os.path.relpath(self.json_path())}")
        if not self.args.no_doc:
            self.write_doc(info, started, load_before, load_after, elapsed)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def pickle_size(path):
    """Size of the zip's data.pkl record (the checkpoint's pickle)."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.filename.endswith("/data.pkl") or info.filename == "data.pkl":
                return info.file_size
    return None


def predict(points, n):
    """Predicts (wall, rss, basis) at n from the (n, wall, rss) points measured so far.

    Two or more points: a straight line through the last two (a fixed cost plus
    a cost per tensor).  One point: proportional, which overestimates.
    """
    if len(points) >= 2:
        (n0, w0, r0), (n1, w1, r1) = points[-2], points[-1]

        def at(y0, y1):
            return y1 + (y1 - y0) / (n1 - n0) * (n - n1)
        return at(w0, w1), at(r0, r1), f"{fmt_count(n0)} and {fmt_count(n1)}"
    n0, w0, r0 = points[-1]
    return w0 * n / n0, r0 * n / n0, fmt_count(n0)


def check_note(same):
    if same is None:
        return "Output check: not run."
    return ("Output check: ckpt-migrate's and Python's outputs load as the same checkpoint."
            if same else "Output check: **the outputs differ** (see the run's log).")


def check_cell(same):
    return "—" if same is None else ("yes" if same else "**no**")


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def meminfo():
    out = {}
    for ln in read_text("/proc/meminfo").splitlines():
        m = re.match(r"(\w+):\s+(\d+) kB", ln)
        if m:
            out[m.group(1)] = int(m.group(2)) * KiB
    return out


def mem_available():
    return meminfo().get("MemAvailable")


def cmd_out(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def parse_cases(text):
    try:
        cases = {int(x) for x in text.split(",") if x.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a list like 1,3,4, got {text!r}")
    if not cases or not cases <= {1, 2, 3, 4, 5}:
        raise argparse.ArgumentTypeError("cases are 1 to 5")
    return cases


def main():
    parser = argparse.ArgumentParser(
        description="Benchmark ckpt-migrate against cp and the torch 1.13 script (issue 7); "
                    "writes docs/Performance.md.",
        epilog="Example: /usr/bin/python3 bench/run.py --quick")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="small sizes, 1-2 repetitions: a smoke run in a minute or two")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the issue's sizes (2 GiB, 100 MB/1 GiB/4 GiB, 20k/200k/2M tensors, ...)")
    parser.add_argument("--cases", type=parse_cases, default={1, 2, 3, 4, 5},
                        help="comma-separated cases to run (default: 1,2,3,4,5)")
    parser.add_argument("--work-dir", default=os.path.join(HERE, "out"),
                        help="inputs (cached) and outputs; default bench/out (git-ignored)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "bin", "ckpt-migrate"),
                        help="ckpt-migrate to measure (default build/bin/ckpt-migrate)")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="interpreter with torch 1.13 (default /usr/bin/python3)")
    parser.add_argument("--reps", type=int, help="repetitions for cp / ckpt-migrate (overrides the mode's)")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before every measured run (root only)")
    parser.add_argument("--py-time-limit", type=float, default=600,
                        help="seconds before a Python run is killed and reported as not run (default 600)")
    parser.add_argument("--py-mem-limit-gib", type=float, default=16,
                        help="RSS above which a Python run is killed and reported as not run (default 16)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip comparing ckpt-migrate's and Python's outputs with torch")
    parser.add_argument("--doc", default=os.path.join(ROOT, "docs", "Performance.md"),
                        help="where to write the report (default docs/Performance.md)")
    parser.add_argument("--no-doc", action="store_true", help="print the tables, do not write the report")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    if not os.access(args.binary, os.X_OK):
        parser.error(f"no ckpt-migrate at {args.binary}: build it (ninja -C build) or pass --binary")
    if args.cold and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        parser.error("--cold needs to write /proc/sys/vm/drop_caches (run as root)")
    if subprocess.run([args.python, "-c", "import torch"], capture_output=True).returncode != 0:
        parser.error(f"{args.python} cannot import torch; pass --python")
    Bench(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
