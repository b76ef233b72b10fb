"""F.gumbel_softmax beyond the op registry (whose samples compare what every draw has in
common): with the same exponential draws fed to torch's own gumbel_softmax (its
``Tensor.exponential_`` patched for the call), values and gradients (the straight-through
one of hard=True included) are torch's; and the draws follow the Gumbel-max law."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv.nn.functional.activation import _exponential_draws


def _same_noise_run(shape, dtype, tau, hard, dim, monkeypatch, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    w = np.random.default_rng(seed + 1).standard_normal(shape).astype(dtype)
    tc.manual_seed(seed)
    draws = _exponential_draws(tc.tensor(a))
    tc.manual_seed(seed)
    x = tc.tensor(a, requires_grad=True)
    y = F.gumbel_softmax(x, tau=tau, hard=hard, dim=dim)
    (y * tc.tensor(w)).sum().backward()
    monkeypatch.setattr(torch.Tensor, "exponential_",
                        lambda self, *args, **kw: self.copy_(torch.from_numpy(draws)))
    tx = torch.tensor(a, requires_grad=True)
    ty = TF.gumbel_softmax(tx, tau=tau, hard=hard, dim=dim)
    (ty * torch.tensor(w)).sum().backward()
    monkeypatch.undo()
    return (y, x.grad), (ty, tx.grad)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("shape,dim,tau", [((6, 5), -1, 1.0), ((3, 4, 2), 1, 0.5),
                                           ((7,), 0, 2.0)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_with_torchs_noise_values_and_gradients_are_torchs(shape, dim, tau, hard, dtype,
                                                            monkeypatch):
    (y, g), (ty, tg) = _same_noise_run(shape, dtype, tau, hard, dim, monkeypatch)
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert y.dtype == np.dtype(dtype) and g.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=tol, atol=tol)
    if hard:  # one-hot values, the soft sample's gradient
        assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
        assert np.all(y.detach().numpy().sum(axis=dim) == 1.0)


def test_the_argmax_follows_softmax_of_the_logits():
    # the Gumbel-max trick: P(argmax = k) = softmax(logits)_k, for any tau
    tc.manual_seed(0)
    logits = tc.tensor([1.0, 0.0, -1.0, 0.5], dtype=tc.float64)
    n = 20000
    y = F.gumbel_softmax(logits.expand(n, 4), tau=0.3, hard=True)
    freq = y.sum(0).numpy() / n
    p = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum()
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-3)


def test_seeded_draws_repeat_and_eps_warns_as_torch():
    x = tc.randn(3, 4)
    tc.manual_seed(4)
    first = F.gumbel_softmax(x).numpy()
    tc.manual_seed(4)
    np.testing.assert_array_equal(F.gumbel_softmax(x).numpy(), first)
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(x, eps=1e-3)
    with pytest.warns(UserWarning, match="deprecated"):
        TF.gumbel_softmax(torch.randn(3, 4), eps=1e-3)
