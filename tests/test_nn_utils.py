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


# ------------------------------------------------------------ weight and spectral normalisation
def _twins(ctor, seed=0):
    tm = ctor(torch.nn).double()
    cm = ctor(tc.nn).double()
    cm.load_state_dict({k: tc.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, cm


def _compare(tm, cm, x, steps=2):
    """Same keys, outputs and gradients over ``steps`` forwards (buffers updated alike)."""
    assert list(cm.state_dict()) == list(tm.state_dict())
    for _ in range(steps):
        tm.zero_grad()
        cm.zero_grad()
        ty, cy = tm(torch.tensor(x)), cm(tc.tensor(x))
        np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
        (ty * ty).sum().backward()
        (cy * cy).sum().backward()
        for (tn, tp), (cn, cp) in zip(tm.named_parameters(), cm.named_parameters()):
            assert tn == cn
            np.testing.assert_allclose(cp.grad.numpy(), tp.grad.numpy(), atol=1e-10,
                                       err_msg=tn)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(cm.state_dict()[k].numpy(), v.numpy(), atol=1e-12,
                                   err_msg=k)


CTORS = [lambda nn: nn.Linear(4, 3), lambda nn: nn.Conv2d(3, 4, 3),
         lambda nn: nn.ConvTranspose2d(3, 4, 3)]
X = {0: (5, 4), 1: (2, 3, 5, 5), 2: (2, 3, 5, 5)}


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")
@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("i", range(3))
def test_weight_norm_hooks_and_parametrization_match_torch(i, dim):
    x = np.random.default_rng(i).standard_normal(X[i])
    tm, cm = _twins(CTORS[i])
    torch.nn.utils.weight_norm(tm, dim=dim)
    with pytest.warns(FutureWarning):
        tc.nn.utils.weight_norm(cm, dim=dim)
    _compare(tm, cm, x)
    torch.nn.utils.remove_weight_norm(tm)
    tc.nn.utils.remove_weight_norm(cm)
    _compare(tm, cm, x, 1)
    tm, cm = _twins(CTORS[i])
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    tc.nn.utils.parametrizations.weight_norm(cm, dim=dim)
    assert repr(cm) == repr(tm)
    _compare(tm, cm, x)


@pytest.mark.parametrize("i", range(3))
def test_spectral_norm_hooks_and_parametrization_match_torch(i):
    x = np.random.default_rng(i).standard_normal(X[i])
    for new_style in (False, True):
        tm, cm = _twins(CTORS[i])
        if new_style:
            torch.nn.utils.parametrizations.spectral_norm(tm, n_power_iterations=2)
            tc.nn.utils.parametrizations.spectral_norm(cm, n_power_iterations=2)
            assert repr(cm) == repr(tm)
        else:
            torch.nn.utils.spectral_norm(tm)
            tc.nn.utils.spectral_norm(cm)
        # the singular-vector estimates start random: take torch's
        cm.load_state_dict({k: tc.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        _compare(tm, cm, x)          # training: power iteration on every forward
        tm.eval()
        cm.eval()
        _compare(tm, cm, x, 1)
    tm, cm = _twins(CTORS[i])
    torch.nn.utils.spectral_norm(tm)
    tc.nn.utils.spectral_norm(cm)
    cm.load_state_dict({k: tc.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    torch.nn.utils.remove_spectral_norm(tm)
    tc.nn.utils.remove_spectral_norm(cm)
    _compare(tm, cm, x, 1)


def test_register_parametrization_custom_module_and_removal():
    class Symmetric(tc.nn.Module):
        def forward(self, X):
            return (X + X.transpose(-1, -2)) * 0.5

    m = tc.nn.Linear(3, 3)
    P = tc.nn.utils.parametrize
    P.register_parametrization(m, "weight", Symmetric())
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
    assert P.type_before_parametrizations(m) is tc.nn.Linear
    assert type(m).__name__ == "ParametrizedLinear"
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    assert "parametrizations.weight.original" in m.state_dict()
    with P.cached():
        assert m.weight is m.weight
    m(tc.randn(2, 3)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    P.remove_parametrizations(m, "weight")
    assert type(m) is tc.nn.Linear and list(m.state_dict()) == ["bias", "weight"]  # as torch
    np.testing.assert_allclose(m.weight.detach().numpy(), w)
