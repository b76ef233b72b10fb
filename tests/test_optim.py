"""Optimizers vs torch: 10 steps of every option combination (float64, tight), param groups,
state keyed by parameter, state_dict format and interop, errors, dtype discipline."""
import itertools
import math

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.utils import assert_close

# ------------------------------------------------------------------------------------ helpers


def make_models(dtype=np.float64, seed=0, extra_unused=False):
    """The same MLP in torch and tinyconv (weights copied torch -> tinyconv)."""
    torch.manual_seed(seed)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    layers = [torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)]
    tm = torch.nn.Sequential(*layers).to(tdt)
    cm = tc.nn.Sequential(tc.nn.Linear(4, 6), tc.nn.Tanh(), tc.nn.Linear(6, 3)).to(dtype)
    if extra_unused:
        tm.add_module("unused", torch.nn.Linear(2, 2).to(tdt))
        cm.add_module("unused", tc.nn.Linear(2, 2).to(dtype))
    cm.load_state_dict({k: tc.tensor(v.detach().numpy().copy()) for k, v in
                        tm.state_dict().items()})
    return tm, cm


def batch(step, dtype=np.float64):
    rng = np.random.default_rng(100 + step)
    x = rng.standard_normal((8, 4)).astype(dtype)
    y = rng.standard_normal((8, 3)).astype(dtype)
    return x, y


def forward_backward(tm, cm, step, dtype=np.float64):
    x, y = batch(step, dtype)
    lt = ((tm[2](tm[1](tm[0](torch.tensor(x)))) - torch.tensor(y)) ** 2).mean()
    lt.backward()
    out = cm[2](cm[1](cm[0](tc.tensor(x))))
    lc = ((out - tc.tensor(y)) ** 2).mean()
    lc.backward()
    return lt, lc


def assert_params_equal(tm, cm, what="", tol=None):
    tsd = dict(tm.named_parameters())
    csd = dict(cm.named_parameters())
    assert list(tsd) == list(csd)
    for k in tsd:
        assert_close(csd[k], tsd[k], tol=tol, what=f"{what} {k}")


def run_pair(topt, copt, tm, cm, steps=10, tsched=None, csched=None, dtype=np.float64,
             tol=None):
    for step in range(steps):
        topt.zero_grad()
        copt.zero_grad()
        forward_backward(tm, cm, step, dtype)
        topt.step()
        copt.step()
        if tsched is not None:
            tsched.step()
            csched.step()
            assert csched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
        assert_params_equal(tm, cm, f"step {step}", tol=tol)


def grid(**options):
    keys = list(options)
    return [dict(zip(keys, vals)) for vals in itertools.product(*options.values())]


SGD_GRID = [o for o in grid(momentum=[0.0, 0.9], dampening=[0.0, 0.2], nesterov=[False, True],
                            weight_decay=[0.0, 0.05], maximize=[False, True])
            if not (o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0))
            and not (o["momentum"] == 0 and o["dampening"] != 0)]
ADAM_GRID = grid(amsgrad=[False, True], weight_decay=[0.0, 0.1], maximize=[False, True],
                 betas=[(0.9, 0.999), (0.5, 0.9)])
ADAMW_GRID = grid(amsgrad=[False, True], weight_decay=[0.0, 0.01, 0.3], maximize=[False, True])
RMSPROP_GRID = grid(centered=[False, True], momentum=[0.0, 0.5], weight_decay=[0.0, 0.1],
                    alpha=[0.99, 0.8], maximize=[False, True])

CASES = ([("SGD", 0.1, o) for o in SGD_GRID] + [("Adam", 0.05, o) for o in ADAM_GRID]
         + [("AdamW", 0.05, o) for o in ADAMW_GRID]
         + [("RMSprop", 0.01, o) for o in RMSPROP_GRID])


def _id(case):
    name, _, o = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in o.items())


# ------------------------------------------------------------------------ trajectory parity
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_ten_steps_match_torch_with_scheduler(case):
    name, lr, opts = case
    tm, cm = make_models()
    topt = getattr(torch.optim, name)(tm.parameters(), lr=lr, **opts)
    copt = getattr(tc.optim, name)(cm.parameters(), lr=lr, **opts)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    csched = tc.optim.lr_scheduler.StepLR(copt, step_size=3, gamma=0.5)
    run_pair(topt, copt, tm, cm, tsched=tsched, csched=csched)
    # the state holds the same buffers as torch's
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        ts, cs = topt.state[tp], copt.state[cp]
        assert sorted(ts) == sorted(cs)
        for k in ts:
            assert_close(cs[k], ts[k], tol=1e-10, what=k)


@pytest.mark.parametrize("name,lr", [("SGD", 0.1), ("Adam", 0.05), ("AdamW", 0.05),
                                     ("RMSprop", 0.01)])
def test_float32_stays_float32(name, lr):
    tm, cm = make_models(np.float32)
    extra = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    # NumPy float64 scalars as hyper-parameters must not upcast the float32 updates
    topt = getattr(torch.optim, name)(tm.parameters(), lr=lr, **extra)
    copt = getattr(tc.optim, name)(cm.parameters(), lr=np.float64(lr),
                                   **{k: np.float64(v) for k, v in extra.items()})
    run_pair(topt, copt, tm, cm, dtype=np.float32, tol=1e-5)
    for p in cm.parameters():
        assert p.dtype == np.float32
        for k, v in copt.state[p].items():
            if k != "step":
                assert v.dtype == np.float32, k


def test_param_groups_with_per_group_options():
    tm, cm = make_models()
    tgroups = [{"params": tm[0].parameters(), "lr": 0.3, "momentum": 0.5},
               {"params": tm[2].parameters(), "weight_decay": 0.1, "nesterov": True,
                "momentum": 0.9}]
    cgroups = [{"params": cm[0].parameters(), "lr": 0.3, "momentum": 0.5},
               {"params": cm[2].parameters(), "weight_decay": 0.1, "nesterov": True,
                "momentum": 0.9}]
    topt = torch.optim.SGD(tgroups, lr=0.05)
    copt = tc.optim.SGD(cgroups, lr=0.05)
    assert [{k: v for k, v in g.items() if k != "params"} for g in copt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in topt.param_groups]
    run_pair(topt, copt, tm, cm)


def test_add_param_group_matches_torch():
    tm, cm = make_models()
    topt = torch.optim.Adam(tm[0].parameters(), lr=0.01)
    copt = tc.optim.Adam(cm[0].parameters(), lr=0.01)
    run_pair(topt, copt, tm, cm, steps=3)
    topt.add_param_group({"params": tm[2].parameters(), "lr": 0.1, "amsgrad": True})
    copt.add_param_group({"params": cm[2].parameters(), "lr": 0.1, "amsgrad": True})
    run_pair(topt, copt, tm, cm, steps=5)
    with pytest.raises(ValueError, match="more than one parameter group"):
        copt.add_param_group({"params": [cm[0].weight]})
    with pytest.raises(ValueError):
        topt.add_param_group({"params": [tm[0].weight]})


def test_params_without_grad_are_skipped():
    tm, cm = make_models(extra_unused=True)
    topt = torch.optim.Adam(tm.parameters(), lr=0.05, weight_decay=0.1)
    copt = tc.optim.Adam(cm.parameters(), lr=0.05, weight_decay=0.1)
    before = cm.unused.weight._data.copy()
    run_pair(topt, copt, tm, cm, steps=4)
    assert np.array_equal(cm.unused.weight._data, before)
    assert cm.unused.weight not in copt.state
    assert len(copt.state) == len(topt.state) == 4


def test_state_is_keyed_by_parameter_not_position():
    _, cm = make_models()
    w0, b0, w2, b2 = list(cm.parameters())
    opt = tc.optim.SGD([{"params": [w2, b2]}, {"params": [w0, b0]}], lr=0.1, momentum=0.9)
    x, y = batch(0)
    ((cm(tc.tensor(x)) - tc.tensor(y)) ** 2).mean().backward()
    opt.step()
    for p in (w0, b0, w2, b2):
        assert opt.state[p]["momentum_buffer"].shape == p.shape
    # numbering follows group order (torch's): w2, b2 -> 0, 1; w0, b0 -> 2, 3
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][1]["params"] == [2, 3]
    assert sd["state"][0]["momentum_buffer"].shape == w2.shape
    assert sd["state"][2]["momentum_buffer"].shape == w0.shape


def _sd_to_tc(sd):
    return {"state": {k: {n: tc.tensor(v.numpy().copy()) if isinstance(v, torch.Tensor) else v
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


def _sd_to_torch(sd):
    return {"state": {k: {n: torch.tensor(v.numpy().copy()) if isinstance(v, tc.Tensor) else v
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize("name,opts", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                       ("Adam", {"lr": 0.05, "amsgrad": True}),
                                       ("AdamW", {"lr": 0.05}),
                                       ("RMSprop", {"lr": 0.01, "centered": True,
                                                    "momentum": 0.3})])
def test_state_dict_format_and_interop_both_ways(name, opts):
    tm, cm = make_models()
    topt = getattr(torch.optim, name)(tm.parameters(), **opts)
    copt = getattr(tc.optim, name)(cm.parameters(), **opts)
    run_pair(topt, copt, tm, cm, steps=3)
    tsd, csd = topt.state_dict(), copt.state_dict()
    assert csd["param_groups"] == tsd["param_groups"]
    assert list(csd["state"]) == list(tsd["state"])
    for i in tsd["state"]:
        assert list(csd["state"][i]) == list(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            assert_close(csd["state"][i][k], v, what=k)
            assert csd["state"][i][k].dtype == v.numpy().dtype, k
    # torch -> tinyconv: a fresh tinyconv optimizer resumes torch's trajectory
    tm2, cm2 = make_models(seed=1)
    cm2.load_state_dict({k: tc.tensor(v.detach().numpy().copy()) for k, v in
                         tm.state_dict().items()})
    copt2 = getattr(tc.optim, name)(cm2.parameters(), lr=123.0)
    copt2.load_state_dict(_sd_to_tc(tsd))
    assert copt2.param_groups[0]["lr"] == opts["lr"]
    # tinyconv -> torch: a fresh torch optimizer resumes tinyconv's trajectory
    tm3, _ = make_models(seed=2)
    tm3.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in cm.state_dict().items()})
    topt3 = getattr(torch.optim, name)(tm3.parameters(), lr=123.0)
    topt3.load_state_dict(_sd_to_torch(csd))
    run_pair(topt, copt2, tm, cm2, steps=4)
    run_pair(topt3, copt, tm3, cm, steps=4)


def test_load_state_dict_validates_before_changing():
    _, cm = make_models()
    opt = tc.optim.SGD(cm.parameters(), lr=0.1)
    groups_before = opt.param_groups
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": [
            {"lr": 1.0, "params": [0, 1]}, {"lr": 1.0, "params": [2, 3]}]})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [{"lr": 1.0, "params": [0, 1]}]})
    assert opt.param_groups is groups_before and opt.param_groups[0]["lr"] == 0.1


def test_zero_grad_and_closure():
    tm, cm = make_models()
    opt = tc.optim.SGD(cm.parameters(), lr=0.1)
    forward_backward(tm, cm, 0)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in cm.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in cm.parameters())
    x, y = batch(0)

    def closure():
        opt.zero_grad()
        loss = ((cm(tc.tensor(x)) - tc.tensor(y)) ** 2).mean()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, tc.Tensor) and math.isfinite(loss.item())


# ----------------------------------------------------------------------------------- errors
def _both_raise(exc, match, tfn, cfn):
    with pytest.raises(exc):
        tfn()
    with pytest.raises(exc, match=match):
        cfn()


@pytest.mark.parametrize("name,kwargs,match", [
    ("SGD", {"lr": -0.1}, "Invalid learning rate"),
    ("SGD", {"lr": 0.1, "momentum": -1}, "Invalid momentum"),
    ("SGD", {"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay"),
    ("SGD", {"lr": 0.1, "nesterov": True}, "Nesterov momentum requires"),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "Nesterov"),
    ("Adam", {"lr": -1e-3}, "Invalid learning rate"),
    ("Adam", {"betas": (1.0, 0.999)}, "beta parameter at index 0"),
    ("Adam", {"betas": (-0.1, 0.999)}, "beta parameter at index 0"),
    ("Adam", {"betas": (0.9, 1.0)}, "beta parameter at index 1"),
    ("Adam", {"eps": -1.0}, "Invalid epsilon"),
    ("Adam", {"weight_decay": -1.0}, "Invalid weight_decay"),
    ("AdamW", {"betas": (0.9, 1.5)}, "beta parameter at index 1"),
    ("RMSprop", {"alpha": -0.5}, "Invalid alpha"),
    ("RMSprop", {"lr": -1.0}, "Invalid learning rate"),
    ("RMSprop", {"momentum": -1.0}, "Invalid momentum"),
])
def test_bad_hyper_parameters_raise_as_torch(name, kwargs, match):
    tm, cm = make_models()
    _both_raise(ValueError, match, lambda: getattr(torch.optim, name)(tm.parameters(), **kwargs),
                lambda: getattr(tc.optim, name)(cm.parameters(), **kwargs))


def test_bad_params_raise_as_torch():
    tm, cm = make_models()
    _both_raise(TypeError, "iterable of Tensors", lambda: torch.optim.SGD(tm[0].weight, lr=0.1),
                lambda: tc.optim.SGD(cm[0].weight, lr=0.1))
    _both_raise(ValueError, "empty parameter list", lambda: torch.optim.SGD([], lr=0.1),
                lambda: tc.optim.SGD([], lr=0.1))
    _both_raise(TypeError, "can only optimize Tensors",
                lambda: torch.optim.SGD([np.zeros(3)], lr=0.1),
                lambda: tc.optim.SGD([np.zeros(3)], lr=0.1))
    tw = torch.ones(3, requires_grad=True) * 2
    cw = tc.ones(3, requires_grad=True) * 2
    _both_raise(ValueError, "non-leaf", lambda: torch.optim.SGD([tw], lr=0.1),
                lambda: tc.optim.SGD([cw], lr=0.1))
    _both_raise(TypeError, "ordered collections",
                lambda: torch.optim.SGD([{"params": {tm[0].weight}}], lr=0.1),
                lambda: tc.optim.SGD([{"params": {cm[0].weight}}], lr=0.1))
    _both_raise(ValueError, "more than one parameter group",
                lambda: torch.optim.SGD([{"params": [tm[0].weight]},
                                         {"params": [tm[0].weight]}], lr=0.1),
                lambda: tc.optim.SGD([{"params": [cm[0].weight]},
                                      {"params": [cm[0].weight]}], lr=0.1))


def test_repr_matches_torch_layout():
    tm, cm = make_models()
    t = repr(torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9))
    c = repr(tc.optim.SGD(cm.parameters(), lr=0.1, momentum=0.9))
    assert c == t


def test_clip_grad_norm_and_value_match_torch():
    for norm_type in (2.0, 1.0, math.inf, 3.0):
        tm, cm = make_models()
        forward_backward(tm, cm, 0)
        tn = torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.05, norm_type=norm_type)
        cn = tc.nn.utils.clip_grad_norm_(cm.parameters(), 0.05, norm_type=norm_type)
        assert_close(cn, tn, what=f"total norm p={norm_type}")
        for tp, cp in zip(tm.parameters(), cm.parameters()):
            assert_close(cp.grad, tp.grad, what=f"clipped grad p={norm_type}")
    tm, cm = make_models(np.float32)
    forward_backward(tm, cm, 1, np.float32)
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.01)
    tc.nn.utils.clip_grad_value_(cm.parameters(), 0.01)
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        assert_close(cp.grad, tp.grad, dtype=np.float32, what="clip value")
    cn = tc.nn.utils.clip_grad_norm_(cm.parameters(), 1.0)
    assert cn.dtype == np.float32
    cm[0].weight.grad._data[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        tc.nn.utils.clip_grad_norm_(cm.parameters(), 1.0, error_if_nonfinite=True)


def test_named_parameters_are_accepted_as_torch():
    tm, cm = make_models()
    topt = torch.optim.SGD(tm.named_parameters(), lr=0.1, momentum=0.5)
    copt = tc.optim.SGD(cm.named_parameters(), lr=0.1, momentum=0.5)
    assert copt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"]
    run_pair(topt, copt, tm, cm, steps=3)
    assert copt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="with/without names"):
        copt.add_param_group({"params": [tc.zeros(2, requires_grad=True)]})
