"""Losses beyond the registry's comparisons with torch (tests/test_ops.py: every reduction,
class weights, ignore_index mixed into the batch, label smoothing, probability targets,
spatial inputs, extreme logits, gradchecks, errors): legacy arguments, broadcast warnings,
signatures."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import assert_close, pair

F64 = np.float64


def test_legacy_size_average_reduce():
    rng = np.random.default_rng(10)
    x, t = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        y = F.cross_entropy(tc.tensor(x), tc.tensor(t), size_average=False)
    assert_close(y, TF.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="sum"), F64)
    with pytest.warns(UserWarning, match="reduction='none'"):
        y = F.nll_loss(tc.tensor(x), tc.tensor(t), reduce=False)
    assert y.shape == (5,)


def test_pointwise_broadcast_warns_like_torch_and_reduces_grads():
    rng = np.random.default_rng(13)
    (xt, xr), (tt, tr) = pair(rng.standard_normal((4, 3))), pair(rng.standard_normal(3))
    with pytest.warns(UserWarning, match="target size"):
        y = F.mse_loss(xt, tt)
    with pytest.warns(UserWarning):
        yr = TF.mse_loss(xr, tr)
    assert_close(y, yr, F64)
    y.backward()
    yr.backward()
    assert_close(tt.grad, tr.grad, F64)


@pytest.mark.parametrize("name", [
    "batch_norm", "group_norm", "layer_norm", "instance_norm", "relu", "leaky_relu", "softmax",
    "log_softmax", "dropout", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "smooth_l1_loss", "binary_cross_entropy_with_logits"])
def test_functional_signatures_match_torch(name):
    import inspect

    ours = inspect.signature(getattr(F, name)).parameters
    theirs = inspect.signature(getattr(TF, name)).parameters
    assert list(ours) == list(theirs)
    for k in ours:
        assert ours[k].default == theirs[k].default, k
