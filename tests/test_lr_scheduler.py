"""LR schedulers vs torch: lrs over many steps, with optimizer steps in between (parameters
compared too), state_dict contents and resume, errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_optim import make_models, run_pair
from tests.utils import assert_close
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
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.9 + 0.01 * e),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "ConstantLR-default": lambda m, o: m.ConstantLR(o),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.05],
                                                    step_size_up=4, step_size_down=3,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=[0.02, 0.01], max_lr=0.1,
                                                  step_size_up=5, mode="exp_range", gamma=0.9,
                                                  base_momentum=0.7, max_momentum=0.85),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                 scale_fn=lambda x: 0.5 ** x,
                                                 scale_mode="iterations",
                                                 cycle_momentum=False),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-T_mult1": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9),
         m.CosineAnnealingWarmRestarts(o, T_0=5)]),
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
                                   "OneCycleLR", "SequentialLR", "LambdaLR", "MultiplicativeLR",
                                   "PolynomialLR", "CyclicLR-exp_range",
                                   "CosineAnnealingWarmRestarts", "ChainedScheduler"])
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


def test_warm_restarts_with_fractional_epochs_match_torch():
    """The SGDR recipe: step(epoch + i / iters) inside the epoch loop, T_mult > 1 included."""
    for T_mult in (1, 2):
        tm, cm, topt, copt = _pair_opts()
        ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=T_mult,
                                                                   eta_min=1e-3)
        cs = cls.CosineAnnealingWarmRestarts(copt, T_0=2, T_mult=T_mult, eta_min=1e-3)
        iters = 5
        for epoch in range(9):
            for i in range(iters):
                topt.step()
                copt.step()
                ts.step(epoch + i / iters)
                cs.step(epoch + i / iters)
                assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
                assert (cs.T_i, cs.T_cur, cs.last_epoch) == \
                    pytest.approx((ts.T_i, ts.T_cur, ts.last_epoch), rel=1e-12)
        with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
            cs.step(-1)


def test_new_scheduler_errors_match_torch():
    _, _, topt, copt = _pair_opts()
    cases = [
        (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), "positive integer T_0"),
        (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5), "positive integer T_0"),
        (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), "T_mult >= 1"),
        (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
         "float or int eta_min"),
        (lambda m, o: m.ConstantLR(o, factor=1.5), "between 0 and 1"),
        (lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="square"), "mode is invalid"),
        (lambda m, o: m.CyclicLR(o, [0.01], 0.1), "expected 2 values for base_lr"),
        (lambda m, o: m.MultiplicativeLR(o, [_lambda]), "Expected 2 lr_lambdas"),
        (lambda m, o: m.ChainedScheduler([]), "at least one scheduler"),
        (lambda m, o: m.ChainedScheduler([m.ReduceLROnPlateau(o)]),
         "does not support `ReduceLROnPlateau`"),
    ]
    for make, match in cases:
        with pytest.raises(ValueError):
            make(torch.optim.lr_scheduler, topt)
        with pytest.raises(ValueError, match=match):
            make(cls, copt)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got int"):
        cls.MultiplicativeLR(copt, 3)
    _, cm2, _, other = _pair_opts()
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        cls.ChainedScheduler([cls.StepLR(copt, 2), cls.StepLR(other, 2)])
    ada = tc.optim.Adagrad(cm2.parameters())
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        cls.CyclicLR(ada, 0.01, 0.1)


# -------------------------------------------------------------------------------- swa_utils


def _swa_pair(**kwargs):
    torch.manual_seed(3)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                             torch.nn.Linear(6, 3)).double()
    cm = tc.nn.Sequential(tc.nn.Linear(4, 6), tc.nn.BatchNorm1d(6), tc.nn.ReLU(),
                          tc.nn.Linear(6, 3)).to(np.float64)
    cm.load_state_dict({k: tc.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, cm


@pytest.mark.parametrize("kind", ["swa", "ema-multi", "ema-fn", "swa-buffers"])
def test_averaged_model_swalr_and_update_bn_match_torch(kind):
    tm, cm = _swa_pair()
    tu, cu = torch.optim.swa_utils, tc.optim.swa_utils
    kw = {"swa": ({}, {}), "swa-buffers": ({"use_buffers": True}, {"use_buffers": True}),
          "ema-multi": ({"multi_avg_fn": tu.get_ema_multi_avg_fn(0.7)},
                        {"multi_avg_fn": cu.get_ema_multi_avg_fn(0.7)}),
          "ema-fn": ({"avg_fn": tu.get_ema_avg_fn(0.3)}, {"avg_fn": cu.get_ema_avg_fn(0.3)})}
    tk, ck = kw[kind]
    tavg, cavg = tu.AveragedModel(tm, **tk), cu.AveragedModel(cm, **ck)
    topt = torch.optim.SGD(tm.parameters(), lr=0.5, momentum=0.9)
    copt = tc.optim.SGD(cm.parameters(), lr=0.5, momentum=0.9)
    tsched = tu.SWALR(topt, swa_lr=[0.05], anneal_epochs=3, anneal_strategy="linear")
    csched = cu.SWALR(copt, swa_lr=[0.05], anneal_epochs=3, anneal_strategy="linear")
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((8, 4)) for _ in range(6)]
    for x in xs:
        for opt, model, lib in ((topt, tm, torch), (copt, cm, tc)):
            opt.zero_grad()
            (model(lib.tensor(x)) ** 2).mean().backward()
            opt.step()
        tsched.step()
        csched.step()
        assert csched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
        tavg.update_parameters(tm)
        cavg.update_parameters(cm)
    assert int(cavg.n_averaged._data) == int(tavg.n_averaged) == 6
    tsd, csd = tavg.state_dict(), cavg.state_dict()
    assert list(csd) == list(tsd)
    for k in tsd:
        assert_close(csd[k], tsd[k], tol=1e-10, what=k)
    loader = [(torch.tensor(x), 0) for x in xs[:3]]
    tu.update_bn(loader, tavg)
    cu.update_bn([(tc.tensor(x), 0) for x in xs[:3]], cavg)
    for k, v in tavg.state_dict().items():
        assert_close(cavg.state_dict()[k], v, tol=1e-10, what=f"after update_bn {k}")
    assert cavg.module[1].momentum == 0.1 and cavg.training
    x = xs[0]
    assert_close(cavg.eval()(tc.tensor(x)), tavg.eval()(torch.tensor(x)))
    assert sorted(csched.state_dict()) == sorted(tsched.state_dict())


def test_swalr_cos_and_errors_match_torch():
    tm, cm, topt, copt = _pair_opts()
    ts = torch.optim.swa_utils.SWALR(topt, swa_lr=0.01, anneal_epochs=4)
    cs = tc.optim.swa_utils.SWALR(copt, swa_lr=0.01, anneal_epochs=4)
    for _ in range(8):
        topt.step()
        copt.step()
        ts.step()
        cs.step()
        assert cs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13)
    for bad, match in (({"anneal_strategy": "exp"}, "one of 'cos' or 'linear'"),
                       ({"anneal_epochs": -1}, "equal or greater than 0")):
        with pytest.raises(ValueError, match=match):
            torch.optim.swa_utils.SWALR(topt, swa_lr=0.01, **bad)
        with pytest.raises(ValueError, match=match):
            tc.optim.swa_utils.SWALR(copt, swa_lr=0.01, **bad)
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
        tc.optim.swa_utils.get_ema_multi_avg_fn(1.5)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        tc.optim.swa_utils.AveragedModel(cm, avg_fn=len, multi_avg_fn=len)


GET_LR_SCHEDULERS = {
    "LambdaLR": {"lr_lambda": lambda e: 0.9 ** e}, "StepLR": {"step_size": 2},
    "MultiStepLR": {"milestones": [1, 3]}, "ExponentialLR": {"gamma": 0.5},
    "CosineAnnealingLR": {"T_max": 4, "eta_min": 1e-3}, "LinearLR": {},
    "MultiplicativeLR": {"lr_lambda": lambda e: 0.9}, "ConstantLR": {}, "PolynomialLR": {},
    "CosineAnnealingWarmRestarts": {"T_0": 2}, "OneCycleLR": {"max_lr": 0.5, "total_steps": 10},
    "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2},
}


@pytest.mark.parametrize("name", sorted(GET_LR_SCHEDULERS))
def test_get_lr_outside_step_warns_as_torch(name):
    def program(M):
        opt = M.optim.SGD([M.nn.Parameter(M.zeros(1))], lr=0.1, momentum=0.9)
        with warnings.catch_warnings(record=True) as built:
            warnings.simplefilter("always")
            sched = getattr(M.optim.lr_scheduler, name)(opt, **GET_LR_SCHEDULERS[name])
            opt.step()
            sched.step()
        with warnings.catch_warnings(record=True) as called:
            warnings.simplefilter("always")
            lrs = sched.get_lr()
        return ([str(w.message) for w in built], [str(w.message) for w in called],
                np.round(lrs, 10).tolist(), sched.get_last_lr() == [opt.param_groups[0]["lr"]])
    assert program(tc) == program(torch)


def test_a_user_scheduler_get_lr_does_not_warn_as_torch():
    def program(M):
        class Halve(M.optim.lr_scheduler.LRScheduler):
            def get_lr(self):
                return [g["lr"] * 0.5 for g in self.optimizer.param_groups]
        opt = M.optim.SGD([M.nn.Parameter(M.zeros(1))], lr=0.1)
        sched = Halve(opt)
        with warnings.catch_warnings(record=True) as called:
            warnings.simplefilter("always")
            lrs = sched.get_lr()
        return len(called), lrs
    assert program(tc) == program(torch)
