"""Optimizer / LR-scheduler state checks of pre-1.12 releases (formats.md 3.4, 3.5).

`Optimizer.load_state_dict` of 0.4 .. 1.11 replaces the groups by the saved
ones (keeping the current params) and maps saved state onto params by
position [V] (1.13 code, same structure earlier [M]); `step()` then reads
the state. Before 1.12 Adam keeps `state['step']` as a Python int:
`state['step'] += 1`, `bias_correction1 = 1 - beta1 ** state['step']`, and
the step size goes to `addcdiv_(-step_size, ...)` as a Python scalar [M].
A tensor step (1.12+, pytorch#71333) is rejected with an explanatory
(synthesized, not verbatim) `OptimizerStateError`.
"""
import numbers

from . import fakes
from .context import EmulatorLimit, ReleaseRejection


def _group_params(groups):
    for gi, g in enumerate(groups):
        if not isinstance(g, dict):
            raise TypeError("param_groups[%d] is %s, not a dict" % (gi, type(g).__name__))
        for pid in g["params"]:
            yield gi, g, pid


def check_optimizer(rel, kind, osd):
    if rel.weights_only:
        raise EmulatorLimit("--optimizer is for the pre-1.12 releases")
    if not hasattr(osd, "__getitem__"):
        raise TypeError("'%s' object is not subscriptable" % type(osd).__name__)
    saved_groups = osd["param_groups"]
    saved_state = osd["state"]
    # __setstate__ backfills of the old classes
    for g in saved_groups:
        if isinstance(g, dict):
            if kind == "adam" and rel.vt >= (0, 4, 0):
                g.setdefault("amsgrad", False)      # 0.4.0 Adam.__setstate__ [M]
            if kind == "sgd":
                g.setdefault("nesterov", False)
    states = 0
    steps = set()
    for gi, g, pid in _group_params(saved_groups):
        st = saved_state.get(pid) if hasattr(saved_state, "get") else None
        if kind == "adam":
            if not st:
                continue   # len(state) == 0: step() initializes it
            states += 1
            exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
            for nm, t in (("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
                if not isinstance(t, fakes.Tensor):
                    raise AttributeError("'%s' object has no attribute 'mul_'" % type(t).__name__)
            if rel.vt >= (0, 4, 0) and g["amsgrad"]:
                st["max_exp_avg_sq"]
            beta1, beta2 = g["betas"]
            step = st["step"]
            if isinstance(step, fakes.Tensor):
                raise ReleaseRejection(
                    "OptimizerStateError",
                    "Adam state['step'] of param %r (group %d) is a %s tensor of shape %s; torch %s "
                    "keeps the step count as a Python int: Adam.step() does state['step'] += 1 "
                    "and bias_correction1 = 1 - beta1 ** state['step'], passing the result to "
                    "addcdiv_ as a Python scalar (tensor steps begin in 1.12, pytorch#71333)"
                    % (pid, gi, step.dtype, list(step.shape), rel.name))
            if not isinstance(step, numbers.Number) or isinstance(step, bool):
                raise TypeError("unsupported operand type(s) for +=: '%s' and 'int'"
                                % type(step).__name__)
            steps.add(step)
            g["weight_decay"], g["lr"], g["eps"]
        elif kind == "sgd":
            momentum = g["momentum"]
            g["weight_decay"], g["dampening"], g["nesterov"], g["lr"]
            if momentum != 0 and st and "momentum_buffer" in st:
                buf = st["momentum_buffer"]
                if buf is None:
                    # buf.mul_(momentum).add_(1 - dampening, d_p)
                    raise AttributeError("'NoneType' object has no attribute 'mul_'")
                if not isinstance(buf, fakes.Tensor):
                    raise AttributeError("'%s' object has no attribute 'mul_'" % type(buf).__name__)
                states += 1
        else:
            raise EmulatorLimit("optimizer %r not emulated" % kind)
    name = {"adam": "Adam", "sgd": "SGD"}[kind]
    extra = ""
    if steps:
        extra = " step=%s" % ",".join(str(s) for s in sorted(steps))
    return "%s.load_state_dict + step(): %d param states%s" % (name, states, extra)


def check_scheduler(rel, kind, ssd):
    if rel.weights_only:
        raise EmulatorLimit("--scheduler is for the pre-1.12 releases")
    if rel.vt < (0, 4, 0):
        raise EmulatorLimit("LR scheduler state_dict is not emulated for 0.3 "
                            "(no record of when _LRScheduler.state_dict appeared)")
    if not hasattr(ssd, "items"):
        raise AttributeError("'%s' object has no attribute 'items'" % type(ssd).__name__)
    if kind == "lambda":
        if rel.vt < (1, 0):
            # _LRScheduler.load_state_dict = self.__dict__.update(state_dict) [M];
            # the next step() calls every lr_lambdas entry [M]
            for fn in ssd.get("lr_lambdas", []) or []:
                if not callable(fn):
                    raise TypeError("'%s' object is not callable" % type(fn).__name__)
        else:
            # LambdaLR.load_state_dict restores only non-None entries [L] (1.0+)
            lr_lambdas = dict(ssd)["lr_lambdas"]
            for fn in lr_lambdas:
                if fn is not None and not isinstance(fn, dict):
                    raise AttributeError("'%s' object has no attribute 'items'" % type(fn).__name__)
    elif kind != "step":
        raise EmulatorLimit("scheduler %r not emulated" % kind)
    return "%s scheduler load_state_dict + step(): %d keys" % (
        {"lambda": "LambdaLR", "step": "StepLR"}[kind], len(ssd))
