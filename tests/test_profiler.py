"""tc.profiler.profile: structure and consistency of the recorded step (no timing assertions)."""
import numpy as np
import pytest

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F
from tinyconv._engine import active_hooks
from tinyconv._hooks import _kernel_hooks
from tinyconv.nn.module import _global_forward_hooks, _global_forward_pre_hooks


def _small_net():
    tc.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 4 * 4, 10))


def _step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def _batch():
    rng = np.random.default_rng(0)
    x = tc.from_numpy(rng.standard_normal((4, 3, 8, 8), dtype=np.float32))
    y = tc.from_numpy(rng.integers(0, 10, 4))
    return x, y


def test_profile_records_modules_categories_and_table():
    model = _small_net()
    opt = tc.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = _batch()
    with tc.profiler.profile(model) as prof:
        _step(model, opt, x, y)
    names = {n for n, _ in model.named_modules() if n}
    assert names <= set(prof.modules)
    for name in names:
        row = prof.modules[name]
        assert row["calls"] == 1
        assert row["forward"] > 0.0
    # every layer that creates graph nodes has a backward time; the root's forward includes its
    # children's
    for name in ("0", "1", "2", "3", "4", "5", "7"):
        assert prof.modules[name]["backward"] > 0.0, name
    root = prof.modules[""] if "" in prof.modules else prof.modules["Sequential"]
    assert root["forward"] >= max(prof.modules[n]["forward"] for n in names)
    # categories: all present, non-negative, summing to the block's wall time
    assert set(tc.profiler.CATEGORIES) <= set(prof.categories)
    assert all(v >= 0.0 for v in prof.categories.values())
    assert sum(prof.categories.values()) >= prof.total * (1 - 1e-9)
    measured = sum(v for k, v in prof.categories.items() if k != "python overhead")
    assert prof.categories["python overhead"] == pytest.approx(max(prof.total - measured, 0.0))
    for cat in ("GEMM", "normalization", "pooling", "elementwise", "loss", "optimizer"):
        assert prof.categories[cat] > 0.0, cat
    assert prof.categories["im2col"] + prof.categories["direct conv"] \
        + prof.categories["winograd transform"] > 0.0
    text = prof.table(print_=False)
    lines = text.splitlines()
    assert "module" in lines[1] and "category" in text
    # module rows sorted by share (descending)
    mod_rows = lines[2:2 + len(prof.modules)]
    shares = [float(r.split()[-1].rstrip("%")) for r in mod_rows]
    assert shares == sorted(shares, reverse=True)


def test_profile_restores_everything_and_results_match():
    model = _small_net()
    x, y = _batch()
    ref = F.cross_entropy(model(x), y)
    ref.backward()
    g_ref = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    with tc.profiler.profile() as prof:
        out = F.cross_entropy(model(x), y)
        out.backward()
    _assert_no_hooks_left()
    # the profiled step computes the very same values
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    for p, g in zip(model.parameters(), g_ref):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    # without a model, modules are named by class and first-seen order
    assert "Conv2d#0" in prof.modules and "Conv2d#1" in prof.modules
    # nodes created while profiling record their scope; ones created afterwards do not
    assert [type(m).__name__ for m in out.grad_fn.next[0].scope] == ["Sequential", "Linear"]
    z = model(x)
    assert z.grad_fn.scope == ()


def test_backward_after_profile_block_and_nesting_refused():
    model = _small_net()
    x, y = _batch()
    with tc.profiler.profile(model) as prof:
        loss = F.cross_entropy(model(x), y)
        with pytest.raises(RuntimeError, match="already active"):
            with tc.profiler.profile():
                pass
    loss.backward()  # tagged nodes, profiler off: plain backward
    assert all(p.grad is not None for p in model.parameters())
    assert all(r["backward"] == 0.0 for r in prof.modules.values())


def test_profile_restores_on_error():
    model = _small_net()
    with pytest.raises(ValueError):
        with tc.profiler.profile(model):
            raise ValueError("boom")
    _assert_no_hooks_left()


def test_profile_and_anomaly_mode_work_together():
    model = _small_net()
    opt = tc.optim.SGD(model.parameters(), lr=0.1)
    x, y = _batch()
    with tc.autograd.detect_anomaly(), tc.profiler.profile(model) as prof:
        _step(model, opt, x, y)
        with pytest.raises(RuntimeError, match=r"Log forward produced .* Sequential > ReLU"):
            model[2].register_forward_hook(lambda m, i, o: (o - 1.0).log())
            model(x)
    assert prof.modules["0"]["backward"] > 0.0 and prof.categories["optimizer"] > 0.0
    _assert_no_hooks_left()


def _assert_no_hooks_left():
    from tinyconv.optim import optimizer

    assert not active_hooks() and not _kernel_hooks
    assert not _global_forward_hooks and not _global_forward_pre_hooks
    assert not optimizer._global_optimizer_pre_hooks and not optimizer._global_optimizer_post_hooks
