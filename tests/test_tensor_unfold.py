"""Tensor.unfold beyond the op registry (tinyconv.testing.opinfo.indexing runs its samples,
gradients and bad arguments against torch): 0-d inputs, view semantics (storage, version,
base) against torch's, and the refused write into overlapping windows (docs/differences.md,
unfold-overlap)."""
import numpy as np
import pytest
import torch

import tinyconv as tc


@pytest.mark.parametrize("size,step", [(1, 1), (0, 2), (1, 3)])
def test_zero_dim_input_as_torch(size, step):
    want = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    got = tc.tensor(2.5, dtype=tc.float64, requires_grad=True)
    w, g = want.unfold(0, size, step), got.unfold(-1, size, step)
    assert tuple(g.shape) == tuple(w.shape)
    np.testing.assert_array_equal(g.detach().numpy(), w.detach().numpy())
    (w * 3.0).sum().backward()
    (g * 3.0).sum().backward()
    np.testing.assert_array_equal(got.grad.numpy(), want.grad.numpy())


@pytest.mark.parametrize("args", [(0, 2, 2), (1, 2, 1), (1, 3, 3), (0, 1, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_view_as_torchs(args, dtype):
    a = np.arange(24.0).reshape(4, 6).astype(dtype)
    results = []
    for M in (torch, tc):
        base = M.tensor(a)
        v = base.unfold(*args)
        results.append((tuple(v.shape), v.is_contiguous(), v._base is base, v.dtype == base.dtype,
                        v.numpy().copy()))
        assert np.shares_memory(v.numpy(), base.numpy())
        if args[2] >= args[1]:  # windows apart: writes reach the base, version bumped
            before = base._version
            v.mul_(-1.0)
            assert base._version == before + 1
            results.append(base.numpy().copy())
    assert len(results) % 2 == 0
    half = len(results) // 2
    for w, g in zip(results[:half], results[half:]):
        if isinstance(w, tuple):
            assert w[:4] == g[:4]
            np.testing.assert_array_equal(g[4], w[4])
        else:
            np.testing.assert_array_equal(g, w)


def test_writing_into_overlapping_windows_is_refused():
    x = tc.arange(5.0)
    with pytest.raises(RuntimeError, match="single memory location"):
        x.unfold(0, 3, 1).add_(1)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # nothing written
    w = x.unfold(0, 3, 1).clone()
    w.add_(1)
    assert w.tolist() == [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [3.0, 4.0, 5.0]]


def test_double_backward_with_overlapping_windows_matches_torch():
    a = np.random.default_rng(3).standard_normal((3, 7))
    grads = []
    for M in (torch, tc):
        x = M.tensor(a, requires_grad=True)
        y = (x.unfold(1, 3, 2) ** 3).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        (gg,) = M.autograd.grad((g * g).sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    for w, g in zip(*grads):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_memory_layouts_from_numpy():
    # a Fortran-ordered array: still a writable view of it
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    v = tc.from_numpy(a).unfold(1, 2, 2)
    np.testing.assert_array_equal(v.numpy(), torch.from_numpy(a).unfold(1, 2, 2).numpy())
    v.mul_(-1.0)
    np.testing.assert_array_equal(a, -np.arange(12.0).reshape(3, 4))
    # memory owned by a strided NumPy array (a sliding window): right values, read-only
    w = np.lib.stride_tricks.sliding_window_view(np.arange(8.0), 3)
    got = tc.from_numpy(w).unfold(1, 2, 1)
    np.testing.assert_array_equal(got.numpy(), torch.from_numpy(w.copy()).unfold(1, 2, 1).numpy())
