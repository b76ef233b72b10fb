"""The Optimizer base: one step template that a new optimizer fills with its update rule
(checked by writing Adagrad against it and comparing with torch), and torch's step hooks, per
instance and global, around every ``step()`` -- user subclasses that override step included --
which is also what lets an lr scheduler know the optimizer has stepped."""
import copy
import time
import warnings

import numpy as np
import pytest
import torch
from torch.optim import optimizer as torch_optimizer

import tinyconv as tc
from tests.test_optim import batch, forward_backward, grid, make_models, run_pair
from tests.utils import assert_close
from tinyconv.optim import optimizer as tc_optimizer

# ----------------------------------------------------------------------------------- template


class Adagrad(tc.optim.Optimizer):
    """torch.optim.Adagrad written against the template: its options, its state, its rule."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        self.grad_enabled_in_update = []

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["lr_decay"]),
                float(group["initial_accumulator_value"]), float(group["eps"]))

    def _init_state(self, d, hp):
        return {"step": tc.tensor(np.zeros((), dtype=np.float32)),
                "sum": tc.tensor(np.full_like(d, hp[2]))}

    def _update(self, d, g, state, hp):
        lr, lr_decay, _, eps = hp
        self.grad_enabled_in_update.append(tc.is_grad_enabled())
        state["step"]._data += 1
        clr = lr / (1.0 + (float(state["step"]._data) - 1.0) * lr_decay)
        s = state["sum"]._data
        s += g * g
        d -= g * clr / (np.sqrt(s) + eps)


ADAGRAD_GRID = grid(maximize=[False, True], weight_decay=[0.0, 0.1], lr_decay=[0.0, 0.05],
                    initial_accumulator_value=[0.0, 0.3])


@pytest.mark.parametrize("opts", ADAGRAD_GRID,
                         ids=["-".join(f"{k}={v}" for k, v in o.items()) for o in ADAGRAD_GRID])
def test_an_optimizer_written_as_its_rule_matches_torch(opts):
    tm, cm = make_models()
    tgroups = [{"params": tm[0].parameters()}, {"params": tm[2].parameters(), "lr": 0.3}]
    cgroups = [{"params": cm[0].parameters()}, {"params": cm[2].parameters(), "lr": 0.3}]
    topt = torch.optim.Adagrad(tgroups, lr=0.1, **opts)
    copt = Adagrad(cgroups, lr=0.1, **opts)
    run_pair(topt, copt, tm, cm, steps=10)
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        assert_close(copt.state[cp]["sum"], topt.state[tp]["sum"], what="sum")
        assert float(copt.state[cp]["step"]._data) == float(topt.state[tp]["step"]) == 10
    # the update rule runs under no_grad
    assert copt.grad_enabled_in_update and not any(copt.grad_enabled_in_update)


def test_template_keeps_float32_and_skips_params_without_grad():
    _, cm = make_models(np.float32, extra_unused=True)
    opt = Adagrad(cm.parameters(), lr=np.float64(0.1), weight_decay=np.float64(0.1))
    x, y = batch(0, np.float32)
    ((cm[2](cm[1](cm[0](tc.tensor(x)))) - tc.tensor(y)) ** 2).mean().backward()
    opt.step()
    for p in cm.parameters():
        assert p.dtype == np.float32
    assert cm.unused.weight not in opt.state and len(opt.state) == 4
    assert all(opt.state[p]["sum"].dtype == np.float32 for p in cm[0].parameters())


def test_sgd_without_momentum_keeps_no_state_as_torch():
    tm, cm = make_models()
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    copt = tc.optim.SGD(cm.parameters(), lr=0.1)
    run_pair(topt, copt, tm, cm, steps=2)
    assert len(copt.state) == len(topt.state) == 0
    assert copt.state_dict()["state"] == {}


def test_base_optimizer_without_a_rule_says_what_is_missing():
    _, cm = make_models()
    opt = tc.optim.Optimizer(cm.parameters(), {"lr": 0.1})
    forward_backward(make_models()[0], cm, 0)
    with pytest.raises(NotImplementedError, match="Optimizer must implement _update"):
        opt.step()


# -------------------------------------------------------------------------------------- hooks


def _recorder(log, mod, opt):
    """Handles of a global pre, an instance pre, an instance post and a global post hook that
    log (event, optimizer class, len(args), args[0] is the optimizer, kwargs keys)."""
    def hook(event):
        def fn(o, args, kwargs):
            log.append((event, type(o).__name__, len(args), args[0] is o, sorted(kwargs)))
        return fn

    return [mod.register_optimizer_step_pre_hook(hook("global pre")),
            opt.register_step_pre_hook(hook("pre")),
            opt.register_step_post_hook(hook("post")),
            mod.register_optimizer_step_post_hook(hook("global post"))]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_step_hooks_are_called_as_torch_calls_them(name):
    tm, cm = make_models()
    topt = getattr(torch.optim, name)(tm.parameters(), lr=0.01)
    copt = getattr(tc.optim, name)(cm.parameters(), lr=0.01)
    logs = []
    for mod, opt in ((torch_optimizer, topt), (tc_optimizer, copt)):
        log = []
        handles = _recorder(log, mod, opt)
        opt.step()
        opt.step(None)
        opt.step(closure=None)
        for h in handles:
            h.remove()
        opt.step()
        logs.append(log)
    assert logs[1] == logs[0]
    assert len(logs[1]) == 12 and logs[1][:4] == [
        ("global pre", name, 1, True, []), ("pre", name, 1, True, []),
        ("post", name, 1, True, []), ("global post", name, 1, True, [])]


def test_pre_hook_can_replace_the_step_arguments_as_in_torch():
    tm, cm = make_models()
    forward_backward(tm, cm, 0)
    outs = []
    for opt, marker in ((torch.optim.SGD(tm.parameters(), lr=0.1), torch.tensor(7.0)),
                        (tc.optim.SGD(cm.parameters(), lr=0.1), tc.tensor(7.0))):
        seen = []

        def pre(o, args, kwargs, marker=marker):
            return args, {"closure": lambda: marker}

        def post(o, args, kwargs, seen=seen):
            seen.append(sorted(kwargs))

        opt.register_step_pre_hook(pre)
        opt.register_step_post_hook(post)
        outs.append((float(opt.step()), seen))
    assert outs[1] == outs[0] == (7.0, [["closure"]])
    assert_close(cm[0].weight, tm[0].weight)


def test_pre_hook_returning_something_else_raises_as_torch():
    tm, cm = make_models()
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    copt = tc.optim.SGD(cm.parameters(), lr=0.1)
    for opt in (topt, copt):
        opt.register_step_pre_hook(lambda o, args, kwargs: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        topt.step()
    with pytest.raises(RuntimeError, match="SGD.step: pre-hook .* must return None or a tuple "
                                           r"\(new_args, new_kwargs\), but got 5"):
        copt.step()


class OwnStep(tc.optim.Optimizer):
    """A user optimizer in torch's style: it writes the whole step itself."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        with tc.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p._data -= p.grad._data * group["lr"]


class CountingSGD(tc.optim.SGD):
    """A user override that calls the built-in step: still one step for the hooks."""

    def step(self, closure=None):
        time.sleep(0.002)
        return super().step(closure)


def _every_optimizer(cm):
    params = list(cm.parameters())
    return [tc.optim.SGD(params, lr=0.1, momentum=0.9), tc.optim.Adam(params),
            tc.optim.AdamW(params), tc.optim.RMSprop(params), OwnStep(params),
            CountingSGD(params, lr=0.1), Adagrad(params)]


def test_global_hooks_time_every_step_of_every_optimizer_once():
    """What a profiler needs: a global pre/post pair sees each step() call exactly once."""
    tm, cm = make_models()
    forward_backward(tm, cm, 0)
    started, calls, seconds = [], {}, {}

    def pre(opt, args, kwargs):
        started.append(time.perf_counter())

    def post(opt, args, kwargs):
        name = type(opt).__name__
        calls[name] = calls.get(name, 0) + 1
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started.pop()

    opts = _every_optimizer(cm)
    with tc_optimizer.register_optimizer_step_pre_hook(pre), \
            tc_optimizer.register_optimizer_step_post_hook(post):
        for _ in range(3):
            for opt in opts:
                opt.step()
    for opt in opts:
        opt.step()  # the handles were removed on leaving the with block
    names = [type(o).__name__ for o in opts]
    assert calls == {n: 3 for n in names}
    assert started == [] and all(seconds[n] > 0.0 for n in names)
    assert seconds["CountingSGD"] >= 3 * 0.002


def test_a_step_that_raises_leaves_the_hooks_working():
    tm, cm = make_models()
    opt = tc.optim.SGD(cm.parameters(), lr=0.1)
    seen = []
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))

    def bad_closure():
        raise ValueError("closure failed")

    with pytest.raises(ValueError, match="closure failed"):
        opt.step(bad_closure)
    forward_backward(tm, cm, 0)
    opt.step()
    assert seen == ["pre", "pre"]


def test_a_copied_optimizer_has_no_hooks_and_steps_the_same():
    tm, cm = make_models()
    forward_backward(tm, cm, 0)
    opt = tc.optim.Adam(cm.parameters(), lr=0.01)
    seen = []
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append(o))
    opt.step()
    twin = copy.deepcopy(opt)
    twin.step()
    assert seen == [opt]
    assert float(twin.state[twin.param_groups[0]["params"][0]]["step"]._data) == 2.0


# -------------------------------------------------------------------------- lr_scheduler order


@pytest.mark.parametrize("cls", [OwnStep, CountingSGD, Adagrad])
def test_user_optimizer_then_scheduler_does_not_warn(cls):
    tm, cm = make_models()
    opt = cls(cm.parameters(), lr=0.1)
    sched = tc.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    forward_backward(tm, cm, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


@pytest.mark.parametrize("cls", [OwnStep, CountingSGD, tc.optim.SGD])
def test_scheduler_before_optimizer_still_warns_as_torch(cls):
    _, cm = make_models()
    tm, _ = make_models()
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=1)
    sched = tc.optim.lr_scheduler.StepLR(cls(cm.parameters(), lr=0.1), step_size=1)
    match = r"lr_scheduler.step\(\)` before `optimizer.step\(\)"
    with pytest.warns(UserWarning, match=match):
        tsched.step()
    with pytest.warns(UserWarning, match=match):
        sched.step()
