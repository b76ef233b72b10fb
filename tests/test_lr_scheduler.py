"""LR schedulers vs torch: lrs over many steps, with optimizer steps in between (parameters
compared too), state_dict contents and resume, errors."""
import math

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_optim import make_models, run_pair
from tinyconv.optim import lr_scheduler as cls


def _pair_opts(name="SGD", **opts):
    tm, cm = make_models()
    if name == "SGD":
        opts.setdefault("momentum", 0.9)
    tgroups = [{"params": tm[0].parameters()}, {"params": tm[2].parameters(), "lr": 0.02}]
    cgroups = [{"params": cm[0].parameters()}, {"params": cm[2].parameters(), "lr": 0.02}]
    topt = getattr(torch.optim, name)(tgroups, lr=0.1, **opts)
    copt = getattr(tc.optim, name)(cgroups, lr=0.1, **opts)
    return tm, cm, topt, copt


def _lambda(epoch):
    return 0.95 ** epoch


SCHEDULERS = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.3),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "CosineAnnealingLR-zero": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=_lambda),
    "LambdaLR-list": lambda m, o: m.LambdaLR(o, lr_lambda=[_lambda, lambda e: 1.0 / (e + 1)]),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
    "LinearLR-default": lambda m, o: m.LinearLR(o),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=40),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.4, epochs=4, steps_per_epoch=10, anneal_strategy="linear",
        three_phase=True, pct_start=0.25),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=4),
            m.CosineAnnealingLR(o, T_max=12, eta_min=0.002),
            m.ExponentialLR(o, gamma=0.8)], milestones=[5, 15]),
}


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("sched", list(SCHEDULERS))
def test_lrs_and_parameters_match_torch(sched, opt_name):
    tm, cm, topt, copt = _pair_opts(opt_name)
    ts = SCHEDULERS[sched](torch.optim.lr_scheduler, topt)
    cs = SCHEDULERS[sched](cls, copt)
    assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-14, abs=0)
    # parameters too, over 10 steps (momentum/betas cycled by OneCycleLR included)
    run_pair(topt, copt, tm, cm, steps=10, tsched=ts, csched=cs)
    # then the lrs alone, over many more steps (CosineAnnealing's recursion across periods)
    for step in range(30):
        topt.step()
        copt.step()
        ts.step()
        cs.step()
        assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=1e-15), step
        for tg, cg in zip(topt.param_groups, copt.param_groups):
            if "betas" in tg:
                assert cg["betas"] == pytest.approx(tg["betas"], rel=1e-13)
            if "momentum" in tg:
                assert cg["momentum"] == pytest.approx(tg["momentum"], rel=1e-13)
    if sched.startswith("OneCycleLR"):
        return
    tsd, csd = ts.state_dict(), cs.state_dict()
    assert sorted(csd) == sorted(tsd)


def test_cosine_annealing_many_periods_recursive_formula():
    tm, cm, topt, copt = _pair_opts()
    ts = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=5, eta_min=0.01)
    cs = cls.CosineAnnealingLR(copt, T_max=5, eta_min=0.01)
    for _ in range(200):
        topt.step()
        copt.step()
        ts.step()
        cs.step()
        assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-10)


def test_reduce_lr_on_plateau_matches_torch():
    for kwargs in ({}, {"mode": "max", "factor": 0.5, "patience": 2, "cooldown": 1,
                        "threshold_mode": "abs", "threshold": 0.01, "min_lr": [0.01, 0.005]}):
        tm, cm, topt, copt = _pair_opts()
        ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
        cs = cls.ReduceLROnPlateau(copt, **kwargs)
        metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.89, 0.9] * 8
        for m in metrics:
            ts.step(m)
            cs.step(tc.tensor(m, dtype=tc.float64))
            assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-14)
            assert (cs.best, cs.num_bad_epochs, cs.cooldown_counter) == \
                (ts.best, ts.num_bad_epochs, ts.cooldown_counter)
        assert cs.state_dict().keys() == ts.state_dict().keys()


@pytest.mark.parametrize("sched", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "LinearLR",
                                   "OneCycleLR", "SequentialLR", "LambdaLR"])
def test_state_dict_resume(sched, tmp_path):
    """Stop after 7 steps, save via tc.save, rebuild, load: the next lrs equal a straight run."""
    tm, cm, topt, copt = _pair_opts()
    s = SCHEDULERS[sched](cls, copt)
    for _ in range(7):
        copt.step()
        s.step()
    tc.save({"opt": copt.state_dict(), "sched": s.state_dict()}, tmp_path / "ck")
    expected = []
    for _ in range(10):
        copt.step()
        s.step()
        expected.append(s.get_last_lr())
    _, cm2, _, copt2 = _pair_opts()
    s2 = SCHEDULERS[sched](cls, copt2)
    ck = tc.load(tmp_path / "ck")
    copt2.load_state_dict(ck["opt"])
    s2.load_state_dict(ck["sched"])
    got = []
    for _ in range(10):
        copt2.step()
        s2.step()
        got.append(s2.get_last_lr())
    assert got == expected


def test_state_dict_keys_and_values_match_torch():
    tm, cm, topt, copt = _pair_opts()
    ts = torch.optim.lr_scheduler.StepLR(topt, step_size=2)
    cs = cls.StepLR(copt, step_size=2)
    assert cs.state_dict() == ts.state_dict()
    topt.step()
    copt.step()
    ts.step()
    cs.step()
    assert cs.state_dict() == ts.state_dict()
    assert copt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_scheduler_step_before_optimizer_step_warns():
    _, _, _, copt = _pair_opts()
    s = cls.StepLR(copt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


def test_errors_match_torch():
    _, _, topt, copt = _pair_opts()
    for make in (lambda m, o: m.LinearLR(o, start_factor=0),
                 lambda m, o: m.LinearLR(o, end_factor=2),
                 lambda m, o: m.OneCycleLR(o, max_lr=0.1),
                 lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=0),
                 lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=5, pct_start=1),
                 lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=5,
                                           anneal_strategy="x"),
                 lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
                 lambda m, o: m.ReduceLROnPlateau(o, mode="up"),
                 lambda m, o: m.LambdaLR(o, [_lambda]),
                 lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2)], milestones=[3])):
        with pytest.raises(ValueError):
            make(torch.optim.lr_scheduler, topt)
        with pytest.raises(ValueError):
            make(cls, copt)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        cls.StepLR(object(), 2)
    _, _, _, fresh = _pair_opts()
    with pytest.raises(KeyError, match="initial_lr"):
        cls.StepLR(fresh, 2, last_epoch=3)
    one = cls.OneCycleLR(copt, max_lr=0.1, total_steps=2)
    copt.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        one.step()
        one.step()
    assert math.isfinite(one.get_last_lr()[0])
    assert np.isfinite(copt.param_groups[0]["lr"])
