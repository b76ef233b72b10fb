"""tinyconv.linalg beyond the registry's comparisons with torch (tinyconv.testing.opinfo.linalg,
run by test_ops.py): second derivatives by finite differences for every gradchecked sample of
the linalg and spatial-transformer entries (test_ops.py gradgradchecks only the first 200 of
the registry), torch's result types and error class, and identities."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv import testing

FAMILIES = ("linalg", "vision")
GRADCHECKED = [s for op in testing.OPS if op.family in FAMILIES
               for s in op.gradcheck_samples()]


@pytest.mark.parametrize("sample", GRADCHECKED, ids=[s.id for s in GRADCHECKED])
def test_gradgradcheck(sample):
    assert testing.gradgradcheck(sample)


def test_every_entry_is_gradchecked():
    names = {s.op.name for s in GRADCHECKED}
    for op in testing.OPS:
        if op.family in FAMILIES:
            assert op.name in names, op.name


def _spd(n, dtype=np.float64, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, n))
    return (x @ x.T / n + np.eye(n)).astype(dtype)


@pytest.mark.parametrize("call,fields", [
    (lambda M, A: M.linalg.svd(A), ("U", "S", "Vh")),
    (lambda M, A: M.linalg.qr(A), ("Q", "R")),
    (lambda M, A: M.linalg.eigh(A), ("eigenvalues", "eigenvectors")),
    (lambda M, A: M.linalg.slogdet(A), ("sign", "logabsdet")),
    (lambda M, A: M.slogdet(A), ("sign", "logabsdet")),
], ids=["svd", "qr", "eigh", "linalg.slogdet", "slogdet"])
def test_named_results_as_torch(call, fields):
    A = _spd(3)
    ours, theirs = call(tc, tc.tensor(A)), call(torch, torch.tensor(A))
    assert ours._fields == fields
    assert all(hasattr(theirs, f) for f in fields)
    a, b = getattr(ours, fields[-1]), getattr(theirs, fields[-1])
    assert tuple(a.shape) == tuple(b.shape)


def test_linalg_error_is_a_runtime_error_as_torchs():
    assert issubclass(tc.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(tc.linalg.LinAlgError, match="singular"):
        tc.linalg.inv(tc.zeros(2, 2))
    with pytest.raises(tc.linalg.LinAlgError, match="positive-definite"):
        tc.linalg.cholesky(-tc.eye(2))


def test_decompositions_reconstruct_their_input():
    A = tc.tensor(np.random.default_rng(1).standard_normal((2, 5, 3)))
    U, S, Vh = tc.linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ Vh).numpy(), A.numpy(), atol=1e-12)
    Q, R = tc.linalg.qr(A)
    np.testing.assert_allclose((Q @ R).numpy(), A.numpy(), atol=1e-12)
    S2 = tc.tensor(_spd(4))
    L = tc.linalg.cholesky(S2)
    np.testing.assert_allclose((L @ L.mT).numpy(), S2.numpy(), atol=1e-12)
    w, V = tc.linalg.eigh(S2)
    np.testing.assert_allclose(((V * w.unsqueeze(-2)) @ V.mT).numpy(), S2.numpy(), atol=1e-12)
    np.testing.assert_allclose((S2 @ tc.linalg.inv(S2)).numpy(), np.eye(4), atol=1e-12)
    np.testing.assert_allclose(tc.linalg.det(S2).item(), np.prod(w.numpy()), rtol=1e-12)


def test_float32_stays_float32():
    A = tc.tensor(_spd(3, np.float32), requires_grad=True)
    outs = [tc.linalg.inv(A), tc.linalg.det(A), tc.linalg.cholesky(A), *tc.linalg.svd(A),
            *tc.linalg.qr(A), *tc.linalg.eigh(A), tc.linalg.solve(A, A[0])]
    assert all(o.dtype == tc.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert A.grad.dtype == tc.float32


def test_a_hessian_through_logdet_matches_torch():
    """The Hessian-vector product of log det(A) (a Gaussian likelihood's term) with
    create_graph, against torch's."""
    A0 = _spd(3)
    V = np.random.default_rng(2).standard_normal((3, 3))
    res = []
    for M in (tc, torch):
        A = M.tensor(A0, requires_grad=True)
        (g,) = M.autograd.grad(M.logdet(A), A, create_graph=True)
        (h,) = M.autograd.grad((g * M.tensor(V)).sum(), A)
        res.append(h.numpy())
    np.testing.assert_allclose(res[0], res[1], atol=1e-12)


def test_matrix_norms_from_singular_values():
    A = np.random.default_rng(3).standard_normal((2, 4, 3))
    s = np.linalg.svd(A, compute_uv=False)
    t = tc.tensor(A)
    np.testing.assert_allclose(tc.linalg.matrix_norm(t, "nuc").numpy(), s.sum(-1))
    np.testing.assert_allclose(tc.linalg.matrix_norm(t, 2).numpy(), s.max(-1))
    np.testing.assert_allclose(tc.linalg.matrix_norm(t, -2).numpy(), s.min(-1))
    np.testing.assert_allclose(t[0].norm("nuc").item(), s[0].sum())
