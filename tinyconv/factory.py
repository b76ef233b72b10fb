"""Tensor factories with torch's names: tensor, from_numpy, zeros, ones, randn, arange, ..."""
import numbers

import numpy as np

from ._dtypes import as_array as _as_array
from ._dtypes import canonical_dtype as _canonical_dtype
from ._dtypes import get_default_dtype
from ._functions.shape import shape_arg as _shape_arg
from ._random import _gen
from .tensor import Tensor


def _new_shape(size, op):
    """The shape of a new tensor; a negative size is torch's RuntimeError."""
    shape = _shape_arg(size)
    if any(d < 0 for d in shape):
        neg = next(d for d in shape if d < 0)
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {neg}: "
                           f"{list(shape)}")
    return shape


def _finish(arr, requires_grad):
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype):
    dt = _canonical_dtype(dtype)
    return get_default_dtype() if dt is None else dt


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new tensor holding a copy of ``data`` (floats -> default dtype, ints -> int64)."""
    arr = _as_array(data, _canonical_dtype(dtype))
    src = data._data if isinstance(data, Tensor) else data
    if arr is src or (isinstance(src, np.ndarray) and np.shares_memory(arr, src)):
        arr = arr.copy()
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)  # (never on 0-d input: it would become 1-d)
    return _finish(arr, requires_grad)


as_tensor = tensor


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (its dtype is kept)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._make(ndarray, False, None)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _finish(np.zeros(_new_shape(size, "zeros"), dtype=_float_dtype(dtype)),
                   requires_grad)


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _finish(np.ones(_new_shape(size, "ones"), dtype=_float_dtype(dtype)),
                   requires_grad)


def empty(*size, dtype=None, requires_grad=False, device=None):
    return _finish(np.empty(_new_shape(size, "empty"), dtype=_float_dtype(dtype)),
                   requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = np.int64
    return _finish(np.full(_new_shape((size,), "full"), fill_value, dtype=_float_dtype(dtype)),
                   requires_grad)


def zeros_like(input, dtype=None, requires_grad=False):
    return _finish(np.zeros(input.shape, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    return _finish(np.ones(input.shape, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    return _finish(np.full(input.shape, fill_value, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    return _finish(np.empty(input.shape, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


_RNG_CHUNK = 1 << 18   # float64 samples drawn at a time (2 MiB of scratch)


def _draw(fill, shape, dt):
    """A new ``dt`` array of ``shape`` filled from the float64 stream ``fill(out=...)``.

    The float64 samples are drawn in chunks and rounded into the result as they come: the
    values are exactly those of one float64 draw of the whole shape (the same seed gives the
    same numbers in float32 and float64, rounded), while the scratch memory stays one chunk.
    """
    out = np.empty(shape, dtype=dt)
    flat = out.reshape(-1)                       # a view: ``out`` is contiguous
    if dt == np.float64:
        fill(out=flat)
        return out
    buf = np.empty(min(_RNG_CHUNK, flat.size), dtype=np.float64)
    for start in range(0, flat.size, _RNG_CHUNK):
        chunk = buf[:min(_RNG_CHUNK, flat.size - start)]
        fill(out=chunk)
        flat[start:start + chunk.size] = chunk
    return out


def randn(*size, dtype=None, requires_grad=False, generator=None, device=None):
    """Standard normal samples from the package generator (see ``tc.manual_seed``).

    Args:
        *size: the shape (ints, or one sequence).
        dtype: result dtype (default: the default float dtype).
        requires_grad: record operations on the result.
        generator: a ``tc.Generator`` instead of the package generator.

    Returns:
        Tensor: samples of NumPy's float64 normal stream, rounded to ``dtype``; drawn in
        chunks, so memory peaks at the result plus 2 MiB.
    """
    shape = _new_shape(size, "randn")
    arr = _draw(_gen(generator).standard_normal, shape, _float_dtype(dtype))
    return _finish(arr, requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None, device=None):
    """Uniform samples on [0, 1) from the package generator (chunked as ``randn``).

    Args:
        *size: the shape (ints, or one sequence).
        dtype, requires_grad, generator: as for ``randn``.

    Returns:
        Tensor: samples of NumPy's float64 uniform stream, rounded to ``dtype``.
    """
    shape = _new_shape(size, "rand")
    arr = _draw(_gen(generator).random, shape, _float_dtype(dtype))
    return _finish(arr, requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None, device=None):
    if high is None:
        low, high = 0, low
    arr = _gen(generator).integers(low, high, size=_new_shape((size,), "randint"))
    return Tensor._make(arr.astype(_canonical_dtype(dtype) or np.int64), False, None)


def randperm(n, dtype=None, generator=None, device=None):
    return Tensor._make(_gen(generator).permutation(n).astype(_canonical_dtype(dtype) or np.int64),
                        False, None)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)
