"""The optimizers beyond SGD/Adam/RMSprop vs torch: Adagrad, Adadelta, Adamax, NAdam, RAdam,
ASGD, Rprop over option grids (10 steps, float64 tight, state buffers too), float32, their
state_dict format both ways, bad hyper-parameters; LBFGS with and without the strong-Wolfe
line search, over several steps (its whole state compared)."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_optim import (_sd_to_tc, _sd_to_torch, batch, grid, make_models,
                              run_pair)
from tests.utils import assert_close

GRIDS = {
    "Adagrad": (0.1, grid(lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1],
                          initial_accumulator_value=[0.3], maximize=[False, True])
                + [{"initial_accumulator_value": 0.0}]),
    "Adadelta": (1.0, grid(rho=[0.9, 0.5], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.1])
                 + [{"maximize": True}]),
    "Adamax": (0.05, grid(betas=[(0.9, 0.999), (0.5, 0.8)], weight_decay=[0.0, 0.1],
                          eps=[1e-8, 1e-2]) + [{"maximize": True}]),
    "NAdam": (0.05, grid(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                         momentum_decay=[4e-3, 0.3], betas=[(0.9, 0.999), (0.6, 0.9)])
              + [{"maximize": True, "weight_decay": 0.1}]),
    "RAdam": (0.05, grid(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                         betas=[(0.9, 0.999), (0.5, 0.6)])
              + [{"maximize": True, "weight_decay": 0.1}]),
    "ASGD": (0.1, grid(lambd=[1e-4, 0.1], alpha=[0.75, 0.3], t0=[1e6, 3.0])
             + [{"weight_decay": 0.1, "t0": 3.0}, {"maximize": True, "t0": 3.0}]),
    "Rprop": (0.01, grid(etas=[(0.5, 1.2), (0.3, 1.9)], step_sizes=[(1e-6, 50), (1e-3, 0.02)])
              + [{"maximize": True}]),
}
CASES = [(name, lr, o) for name, (lr, opts) in GRIDS.items() for o in opts]


def _id(case):
    name, _, o = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in o.items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_ten_steps_match_torch(case):
    name, lr, opts = case
    tm, cm = make_models()
    tgroups = [{"params": tm[0].parameters()}, {"params": tm[2].parameters(), "lr": lr / 2}]
    cgroups = [{"params": cm[0].parameters()}, {"params": cm[2].parameters(), "lr": lr / 2}]
    topt = getattr(torch.optim, name)(tgroups, lr=lr, **opts)
    copt = getattr(tc.optim, name)(cgroups, lr=lr, **opts)
    run_pair(topt, copt, tm, cm, steps=10)
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        ts, cs = topt.state[tp], copt.state[cp]
        assert list(cs) == list(ts)
        for k in ts:
            assert_close(cs[k], ts[k], tol=1e-10, what=k)
            assert cs[k].dtype == ts[k].numpy().dtype, k


FLOAT32 = [("Adagrad", 0.1, {}), ("Adadelta", 1.0, {}), ("Adamax", 0.05, {}),
           ("NAdam", 0.05, {"weight_decay": 0.1}), ("RAdam", 0.05, {}),
           ("ASGD", 0.1, {"t0": 3.0}), ("Rprop", 0.01, {})]


@pytest.mark.parametrize("name,lr,opts", FLOAT32, ids=[c[0] for c in FLOAT32])
def test_float32_stays_float32_and_tracks_torch(name, lr, opts):
    tm, cm = make_models(np.float32)
    topt = getattr(torch.optim, name)(tm.parameters(), lr=lr, **opts)
    # NumPy float64 scalars as hyper-parameters must not upcast the float32 updates
    copt = getattr(tc.optim, name)(cm.parameters(), lr=np.float64(lr),
                                   **{k: np.float64(v) for k, v in opts.items()})
    run_pair(topt, copt, tm, cm, dtype=np.float32, tol=1e-5)
    for p in cm.parameters():
        assert p.dtype == np.float32
        for k, v in copt.state[p].items():
            assert v.dtype == (np.float32), k


STATE_DICT = [("Adagrad", {"lr": 0.1, "lr_decay": 0.01}), ("Adadelta", {"rho": 0.8}),
              ("Adamax", {"lr": 0.05}), ("NAdam", {"lr": 0.05}), ("RAdam", {"lr": 0.05}),
              ("ASGD", {"lr": 0.1, "t0": 2.0}), ("Rprop", {"lr": 0.01})]


@pytest.mark.parametrize("name,opts", STATE_DICT, ids=[c[0] for c in STATE_DICT])
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
    # torch -> tinyconv, and tinyconv -> torch: each resumes the other's trajectory
    _, cm2 = make_models(seed=1)
    cm2.load_state_dict({k: tc.tensor(v.detach().numpy().copy())
                         for k, v in tm.state_dict().items()})
    copt2 = getattr(tc.optim, name)(cm2.parameters(), lr=123.0)
    copt2.load_state_dict(_sd_to_tc(tsd))
    tm3, _ = make_models(seed=2)
    tm3.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in cm.state_dict().items()})
    topt3 = getattr(torch.optim, name)(tm3.parameters(), lr=123.0)
    topt3.load_state_dict(_sd_to_torch(csd))
    run_pair(topt, copt2, tm, cm2, steps=4)
    run_pair(topt3, copt, tm3, cm, steps=4)


def test_adagrad_has_state_before_any_step_as_torch():
    tm, cm = make_models(extra_unused=True)
    tsd = torch.optim.Adagrad(tm.parameters(), initial_accumulator_value=0.5).state_dict()
    csd = tc.optim.Adagrad(cm.parameters(), initial_accumulator_value=0.5).state_dict()
    assert list(csd["state"]) == list(tsd["state"]) == list(range(6))
    for i, s in tsd["state"].items():
        assert_close(csd["state"][i]["sum"], s["sum"])
        assert float(csd["state"][i]["step"]._data) == 0.0


BAD = [
    ("Adagrad", {"lr": -1.0}, "Invalid learning rate"),
    ("Adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value"),
    ("Adagrad", {"eps": -1.0}, "Invalid epsilon value"),
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("Adadelta", {"eps": -1.0}, "Invalid epsilon value"),
    ("Adadelta", {"lr": float("nan")}, "Invalid learning rate"),
    ("Adamax", {"betas": (1.0, 0.9)}, "beta parameter at index 0"),
    ("Adamax", {"betas": (0.9, -0.1)}, "beta parameter at index 1"),
    ("Adamax", {"weight_decay": -0.1}, "Invalid weight_decay"),
    ("NAdam", {"momentum_decay": -1.0}, "Invalid momentum_decay value"),
    ("NAdam", {"eps": -1.0}, "Invalid epsilon value"),
    ("RAdam", {"betas": (0.9, 1.0)}, "beta parameter at index 1"),
    ("ASGD", {"lr": -0.1}, "Invalid learning rate"),
    ("ASGD", {"weight_decay": -0.1}, "Invalid weight_decay value"),
    ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("Rprop", {"etas": (0.5, 0.9)}, "Invalid eta values"),
    ("LBFGS", {"lr": -1.0}, "Invalid learning rate"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_bad_hyper_parameters_raise_as_torch(name, kwargs, match):
    tm, cm = make_models()
    with pytest.raises(ValueError, match=match):
        getattr(torch.optim, name)(tm.parameters(), **kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(tc.optim, name)(cm.parameters(), **kwargs)
    # a group added later is checked too, before it joins
    if name != "LBFGS":
        copt = getattr(tc.optim, name)(cm[0].parameters())
        with pytest.raises(ValueError, match=match):
            copt.add_param_group({"params": cm[2].parameters(), **kwargs})
        assert len(copt.param_groups) == 1


def test_implementation_flags_other_than_plain_are_refused():
    _, cm = make_models()
    with pytest.raises(NotImplementedError, match="capturable=True"):
        tc.optim.NAdam(cm.parameters(), capturable=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        tc.optim.Rprop(cm.parameters(), differentiable=True)


# ----------------------------------------------------------------------------------- LBFGS


def _closures(tm, cm, dtype=np.float64):
    x, y = batch(0, dtype)
    xt, yt, xc, yc = torch.tensor(x), torch.tensor(y), tc.tensor(x), tc.tensor(y)

    def tclosure():
        topt.zero_grad()
        loss = ((tm(xt) - yt) ** 2).mean()
        loss.backward()
        return loss

    def cclosure():
        copt.zero_grad()
        loss = ((cm(xc) - yc) ** 2).mean()
        loss.backward()
        return loss

    return tclosure, cclosure


LBFGS_GRID = grid(line_search_fn=[None, "strong_wolfe"], history_size=[100, 3],
                  max_iter=[10, 4])


@pytest.mark.parametrize("opts", LBFGS_GRID,
                         ids=["-".join(f"{k}={v}" for k, v in o.items()) for o in LBFGS_GRID])
def test_lbfgs_matches_torch_step_by_step(opts):
    global topt, copt
    tm, cm = make_models()
    topt = torch.optim.LBFGS(tm.parameters(), lr=0.5, **opts)
    copt = tc.optim.LBFGS(cm.parameters(), lr=0.5, **opts)
    tclosure, cclosure = _closures(tm, cm)
    # 3 steps of up to 10 iterations: far enough to wrap a history of 3, short of where the
    # last-bit differences of the dot products (BLAS vs torch's kernels) grow chaotically
    for step in range(3):
        lt, lc = topt.step(tclosure), copt.step(cclosure)
        assert isinstance(lc, tc.Tensor)
        assert_close(lc, lt, what=f"loss {step}")
        for tp, cp in zip(tm.parameters(), cm.parameters()):
            assert_close(cp, tp, tol=1e-10, what=f"step {step}")
    ts = topt.state[next(iter(tm.parameters()))]
    cs = copt.state[next(iter(cm.parameters()))]
    assert sorted(cs) == sorted(ts)
    assert (cs["func_evals"], cs["n_iter"]) == (ts["func_evals"], ts["n_iter"])
    assert len(cs["old_dirs"]) == len(ts["old_dirs"]) <= opts["history_size"]
    for a, b in zip(cs["old_dirs"] + cs["old_stps"] + [cs["d"], cs["prev_flat_grad"]],
                    ts["old_dirs"] + ts["old_stps"] + [ts["d"], ts["prev_flat_grad"]]):
        assert_close(a, b, tol=1e-10)
    assert float(cs["prev_loss"]) == pytest.approx(float(ts["prev_loss"]), rel=1e-9)


def test_lbfgs_float32_and_errors():
    global topt, copt
    tm, cm = make_models(np.float32)
    topt = torch.optim.LBFGS(tm.parameters(), line_search_fn="strong_wolfe")
    copt = tc.optim.LBFGS(cm.parameters(), line_search_fn="strong_wolfe")
    tclosure, cclosure = _closures(tm, cm, np.float32)
    for _ in range(2):
        topt.step(tclosure)
        copt.step(cclosure)
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        assert cp.dtype == np.float32
        assert_close(cp, tp, tol=1e-3)
    cs = copt.state[next(iter(cm.parameters()))]
    assert cs["d"].dtype == cs["prev_flat_grad"].dtype == np.float32
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        tc.optim.LBFGS([{"params": cm[0].parameters()}, {"params": cm[2].parameters()}])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        copt.add_param_group({"params": [tc.zeros(2, requires_grad=True)]})
    bad = tc.optim.LBFGS(cm.parameters(), line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        bad.step(cclosure)
