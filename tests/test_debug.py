"""tc.debug.compare_with_torch: silent on twins, names the right module and trap otherwise."""
import sys

import numpy as np
import pytest
import torch

import tinyconv as tc
import tinyconv.nn.functional as F


def _models(ceil=(False, False), momentum=(0.1, 0.1), tc_linear=None, p=(0.0, 0.0)):
    torch.manual_seed(0)
    tm = torch.nn.Sequential()
    tm.add_module("conv", torch.nn.Conv2d(2, 4, 3, padding=1))
    tm.add_module("bn", torch.nn.BatchNorm2d(4, momentum=momentum[1]))
    tm.add_module("relu", torch.nn.ReLU())
    tm.add_module("pool", torch.nn.MaxPool2d(2, ceil_mode=ceil[1]))
    tm.add_module("gap", torch.nn.AdaptiveAvgPool2d(2))
    tm.add_module("flat", torch.nn.Flatten())
    tm.add_module("drop", torch.nn.Dropout(p[1]))
    tm.add_module("fc", torch.nn.Linear(16, 16))
    tm.add_module("head", torch.nn.Linear(16, 5))
    m = tc.nn.Sequential()
    m.add_module("conv", tc.nn.Conv2d(2, 4, 3, padding=1))
    m.add_module("bn", tc.nn.BatchNorm2d(4, momentum=momentum[0]))
    m.add_module("relu", tc.nn.ReLU())
    m.add_module("pool", tc.nn.MaxPool2d(2, ceil_mode=ceil[0]))
    m.add_module("gap", tc.nn.AdaptiveAvgPool2d(2))
    m.add_module("flat", tc.nn.Flatten())
    m.add_module("drop", tc.nn.Dropout(p[0]))
    m.add_module("fc", (tc_linear or tc.nn.Linear)(16, 16))
    m.add_module("head", tc.nn.Linear(16, 5))
    return m, tm


def _batch(dtype=np.float32, hw=7):
    rng = np.random.default_rng(0)
    return rng.standard_normal((4, 2, hw, hw)).astype(dtype), rng.integers(0, 5, 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False])
def test_identical_models_report_no_divergence(dtype, train):
    m, tm = _models()
    if dtype == np.float64:
        m, tm = m.double(), tm.double()
    m.train(train)
    tm.train(train)
    x, y = _batch(dtype)
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert rep.ok, str(rep)
    assert rep.first is None and rep.divergences == []
    assert rep.checked > 20
    assert abs(rep.loss[0] - rep.loss[1]) <= 1e-5 * max(1.0, abs(rep.loss[1]))
    assert "no divergence" in str(rep)
    # the weights were copied: tinyconv parameters equal torch's
    np.testing.assert_array_equal(m.fc.weight._data, tm.fc.weight.detach().numpy())


def test_ceil_mode_difference_is_reported_at_the_pool():
    m, tm = _models(ceil=(True, False))
    x, y = _batch(hw=7)  # odd size: ceil_mode changes the pooled size
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert not rep.ok
    assert rep.first.module == "pool" and rep.first.kind == "activation"
    assert rep.first.shape == (4, 4, 4, 4) and rep.first.torch_shape == (4, 4, 3, 3)
    text = str(rep)
    assert "ceil_mode is True in tinyconv but False in torch" in text
    assert "ceil_mode=True adds a last window" in text


class TransposedLinear(tc.nn.Linear):
    """A porting bug: the weight is used as (in, out)."""

    def forward(self, x):
        return F.linear(x, self.weight.t(), self.bias)


def test_transposed_linear_weight_is_reported_at_that_layer():
    m, tm = _models(tc_linear=TransposedLinear)
    x, y = _batch()
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert not rep.ok
    assert rep.first.module == "fc" and rep.first.kind == "activation"
    assert rep.first.max_abs > 1e-3
    assert "weight layout" in str(rep) and "(out_features, in_features)" in str(rep)
    # every activation before it matched (gradients upstream of it differ, as they must)
    assert all(d.module not in ("conv", "bn", "relu", "pool", "gap", "flat", "drop")
               for d in rep.divergences if d.kind in ("activation", "buffer"))
    assert any(d.kind == "gradient" and d.module == "conv" for d in rep.divergences)


def test_batchnorm_momentum_difference_is_reported_on_the_running_stats():
    m, tm = _models(momentum=(0.9, 0.1))
    x, y = _batch()
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert not rep.ok
    # training-mode activations agree; the running statistics do not
    assert (rep.first.module, rep.first.kind, rep.first.what) == ("bn", "buffer", "running_mean")
    assert "momentum is 0.9 in tinyconv but 0.1 in torch" in str(rep)
    assert "UNBIASED" in str(rep)


def test_dropout_probability_difference_gets_the_dropout_hint():
    m, tm = _models(p=(0.0, 0.5))
    m.eval()
    tm.train()  # torch drops, tinyconv does not
    x, y = _batch()
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert not rep.ok
    assert rep.first.module == "bn"  # eval vs train already differs at BatchNorm
    assert any("train mode" in n or "eval mode" in n for n in rep.notes)
    m.train()
    rep = tc.debug.compare_with_torch(m, tm, x, y)
    assert rep.first.module == "drop"
    assert "p is 0.0 in tinyconv but 0.5 in torch" in str(rep)
    assert "probability of ZEROING" in str(rep)


def test_ignore_index_difference_in_the_loss():
    m, tm = _models()
    x, y = _batch()
    y[0] = 3
    tc_loss = lambda out, t: F.cross_entropy(out, t, ignore_index=3)  # noqa: E731
    th_loss = lambda out, t: torch.nn.functional.cross_entropy(out, t)  # noqa: E731
    rep = tc.debug.compare_with_torch(m, tm, x, y, loss_fn=(tc_loss, th_loss))
    assert not rep.ok
    assert rep.first.kind == "loss"
    assert "ignore_index defaults to -100" in str(rep)


def test_mse_loss_by_name_and_bad_arguments():
    m, tm = _models()
    x, _ = _batch()
    target = np.zeros((4, 5), dtype=np.float32)
    rep = tc.debug.compare_with_torch(m, tm, x, target, loss_fn="mse_loss")
    assert rep.ok, str(rep)
    with pytest.raises(TypeError, match="torch_model"):
        tc.debug.compare_with_torch(m, m, x, target)
    with pytest.raises(TypeError, match="loss_fn"):
        tc.debug.compare_with_torch(m, tm, x, target, loss_fn=3)
    small = tc.nn.Sequential(tc.nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="state_dict"):
        tc.debug.compare_with_torch(small, tm, x, target)


def test_debug_does_not_import_torch_with_tinyconv():
    import subprocess

    code = "import sys, tinyconv; assert 'torch' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr
