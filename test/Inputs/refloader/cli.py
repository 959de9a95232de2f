"""refload: load a checkpoint as an old PyTorch release would.

usage: python3 -m refloader --release R FILE [options]
       (PYTHONPATH=test/Inputs, or run test/Inputs/refloader/main.py)

  --release R            0.3 | 0.4.0 | 1.0 | 1.3 | 1.4 | 1.5 | 2.6-weights-only
  --dump                 print one line per tensor, exactly like
                         test/Inputs/torch_describe.py, on stdout (the OK
                         summary goes to stderr then)
  --state-dict-of SPEC   then emulate that release's Module.load_state_dict:
                         SPEC = JSON list of keys | JSON object {"class","keys",
                         "shapes","batchnorm"} | a .json file | module:Class
                         (built with the host torch, release-adjusted)
  --state-dict-key PATH  where the state dict is in the loaded object
                         ('/'-separated keys/indices; default: the object)
  --strict               load_state_dict(strict=True) (default strict=False)
  --optimizer adam|sgd   emulate Optimizer.load_state_dict + one step()
  --optimizer-key PATH   where the optimizer state dict is
  --scheduler lambda|step, --scheduler-key PATH   LR scheduler state check
  --explain              print the release's name table (with confidence
                         marks) and exit

Output: `OK <release>: ...` lines and exit 0; or the exception the release
raises, as Python prints it (`ExceptionType: message`), and exit 1; exit 2 if
the emulator cannot tell what the release would do (reason on stderr) or for
usage errors.
"""
import argparse
import sys
import traceback

from . import fakes
from . import load as load_mod
from . import optim
from . import releases as R
from . import statedict
from .context import EmulatorLimit, ReleaseRejection
from .walk import Describer, WalkError


def format_exc(e):
    if isinstance(e, ReleaseRejection):
        return "%s: %s" % (e.kind, e.message)
    return "".join(traceback.format_exception_only(type(e), e)).rstrip("\n")


def select(obj, path):
    if not path:
        return obj
    cur = obj
    for part in path.split("/"):
        if isinstance(cur, (list, tuple)):
            cur = cur[int(part)]
        elif isinstance(cur, dict):
            if part in cur:
                cur = cur[part]
            else:
                try:
                    cur = cur[int(part)]
                except (ValueError, KeyError):
                    raise KeyError(part)
        else:
            cur = getattr(cur, part)
    return cur


def parse_args(argv):
    p = argparse.ArgumentParser(prog="refload", add_help=True)
    p.add_argument("--release", required=True, choices=R.RELEASE_NAMES)
    p.add_argument("file", nargs="?")
    p.add_argument("--dump", action="store_true")
    p.add_argument("--state-dict-of")
    p.add_argument("--state-dict-key", default="")
    p.add_argument("--strict", action="store_true")
    p.add_argument("--optimizer", choices=["adam", "sgd"])
    p.add_argument("--optimizer-key", default="")
    p.add_argument("--scheduler", choices=["lambda", "step"])
    p.add_argument("--scheduler-key", default="")
    p.add_argument("--explain", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rel = R.RELEASES[args.release]
    if args.explain:
        if rel.weights_only:
            from . import weights_only as wo
            for name in sorted(wo.allowed()):
                print("allowed GLOBAL %s [S]" % name)
        else:
            for line in R.feature_table(rel):
                print(line)
        return 0
    if not args.file:
        sys.stderr.write("refload: FILE is required\n")
        return 2
    sys.setrecursionlimit(100000)
    out = sys.stdout
    summary = sys.stderr if args.dump else sys.stdout
    ctx = None
    try:
        obj, ctx = load_mod.torch_load(rel.name, args.file)
        d = Describer(ctx)
        try:
            d.walk(obj, "$")
        except WalkError as e:
            if args.dump:
                sys.stderr.write("refload: %s\n" % e)
                return 2
            d = None
        if args.dump:
            out.write("".join(line + "\n" for line in d.out))
        counts = ""
        if d is not None:
            counts = " tensors=%d params=%d" % (len(d.tensor_ids), len(d.param_ids))
        else:
            counts = " tensors=%d params=%d" % (
                len({id(t) for t in ctx.tensors}),
                len({id(t) for t in ctx.tensors if isinstance(t, fakes.Parameter)}))
        summary.write("OK %s: %s top=%s%s storages=%d stubs=%d\n" % (
            rel.name, ctx.container, fakes.type_label(obj), counts, len(ctx.storages),
            len(ctx.stubs.classes)))
        if args.state_dict_of:
            spec = statedict.parse_spec(args.state_dict_of, rel)
            sd = select(obj, args.state_dict_key)
            if rel.weights_only:
                raise EmulatorLimit("--state-dict-of is for the pre-2.x releases")
            n = statedict.load_state_dict(rel, spec, sd, args.strict)
            summary.write("OK %s: load_state_dict(strict=%s) into %s: %d keys\n"
                          % (rel.name, args.strict, spec.class_name, n))
        if args.optimizer:
            osd = select(obj, args.optimizer_key)
            summary.write("OK %s: %s\n" % (rel.name, optim.check_optimizer(rel, args.optimizer, osd)))
        if args.scheduler:
            ssd = select(obj, args.scheduler_key)
            summary.write("OK %s: %s\n" % (rel.name, optim.check_scheduler(rel, args.scheduler, ssd)))
    except EmulatorLimit as e:
        sys.stderr.write("refload: cannot emulate torch %s here: %s\n" % (rel.name, e))
        return 2
    except Exception as e:   # the release's own error
        out.write(format_exc(e) + "\n")
        if ctx is not None:
            for n in ctx.notes:
                sys.stderr.write("refload: note: %s\n" % n)
        return 1
    finally:
        out.flush()
    for n in ctx.notes:
        sys.stderr.write("refload: note: %s\n" % n)
    return 0
