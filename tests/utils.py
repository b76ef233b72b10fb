"""Helpers shared by the tests: paired tinyconv/torch tensors and tolerance-aware comparison."""
import numpy as np
import torch

import tinyconv as tc

# relative-to-magnitude tolerances: float64 tight, float32 what users run
TOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 2e-5}
TORCH_DTYPE = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}


def to_numpy(x):
    if isinstance(x, tc.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def pair(arr, requires_grad=True):
    """The same values as a tinyconv tensor and a torch tensor (separate copies)."""
    arr = np.asarray(arr)
    a = tc.tensor(arr.copy(), requires_grad=requires_grad and arr.dtype.kind == "f")
    b = torch.tensor(arr.copy(), requires_grad=requires_grad and arr.dtype.kind == "f")
    return a, b


def randn(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def assert_close(actual, expected, dtype=None, tol=None, what=""):
    """max|actual - expected| <= tol * max(1, max|expected|); shapes must match exactly."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    if dtype is not None:
        assert a.dtype == np.dtype(dtype), f"{what}: dtype {a.dtype} != {np.dtype(dtype)}"
    if tol is None:
        tol = TOL[np.dtype(dtype if dtype is not None else e.dtype)]
    if a.size == 0:
        return
    scale = max(1.0, float(np.max(np.abs(e.astype(np.float64)))))
    err = float(np.max(np.abs(a.astype(np.float64) - e.astype(np.float64))))
    assert np.isfinite(err) or np.array_equal(a, e, equal_nan=True), f"{what}: non-finite error"
    assert err <= tol * scale, f"{what}: max abs error {err:.3e} > {tol:.1e} * {scale:.3g}"
