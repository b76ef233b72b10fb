"""nn.utils.parameters_to_vector / vector_to_parameters vs torch: values, order, gradients
through the vector, dtypes, errors."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_optim import make_models
from tests.utils import assert_close


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_to_vector_and_back_match_torch(dtype):
    tm, cm = make_models(dtype)
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    cv = tc.nn.utils.parameters_to_vector(cm.parameters())
    assert cv.dtype == dtype and cv.shape == tuple(tv.shape) and cv.requires_grad
    assert_close(cv, tv, dtype=dtype)
    # the vector is differentiable, as torch's
    w = np.arange(cv.shape[0], dtype=dtype)
    (cv * tc.tensor(w)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        assert_close(cp.grad, tp.grad, dtype=dtype)
    new = np.random.default_rng(1).standard_normal(cv.shape[0]).astype(dtype)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tm.parameters())
    tc.nn.utils.vector_to_parameters(tc.tensor(new), cm.parameters())
    for tp, cp in zip(tm.parameters(), cm.parameters()):
        assert_close(cp, tp, dtype=dtype)
        assert cp.grad_fn is None and cp.requires_grad


def test_vector_to_parameters_errors_match_torch():
    tm, cm = make_models()
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        torch.nn.utils.vector_to_parameters(np.zeros(45), tm.parameters())
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        tc.nn.utils.vector_to_parameters(np.zeros(45), cm.parameters())
    with pytest.raises(RuntimeError):
        torch.nn.utils.vector_to_parameters(torch.zeros(10), tm.parameters())
    before = [p._data.copy() for p in cm.parameters()]
    with pytest.raises(RuntimeError, match="has 10 elements but the parameters need 51"):
        tc.nn.utils.vector_to_parameters(tc.zeros(10), cm.parameters())
    assert all(np.array_equal(b, p._data) for b, p in zip(before, cm.parameters()))
