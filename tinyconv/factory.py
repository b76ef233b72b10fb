"""Tensor factories with torch's names: tensor, from_numpy, zeros, ones, randn, arange, ..."""
import numbers

import numpy as np

from ._device import check_device as _check_device
from ._docstrings import shared_docs
from ._dtypes import as_array as _as_array
from ._dtypes import bfloat16 as _bfloat16
from ._dtypes import round_bfloat16 as _round_bfloat16
from ._dtypes import _TYPE_NAMES
from ._dtypes import canonical_dtype as _canonical_dtype
from ._dtypes import get_default_dtype
from ._functions.random import normal_tensors as _normal_tensors
from ._functions.shape import shape_arg as _shape_arg
from ._random import _gen
from ._tensor_attrs import check_pin_memory as _check_pin_memory
from ._size import Size as _Size
from .tensor import Tensor


# Argument descriptions the factories' docstrings share (a docstring line ``{name}``).
_ARGS = {
    "size": "*size: the shape, as ints or one sequence (``zeros(2, 3)`` or ``zeros((2, 3))``).",
    "dtype": "dtype: the dtype (default: the default float dtype, ``tc.get_default_dtype()``).",
    "requires_grad": "requires_grad: record operations on the result for autograd.",
    "device": ("device: the device: the CPU (``'cpu'``, ``tc.device('cpu')``; None means the "
               "default\n    device); another raises torch's error for a build without it."),
    "pin_memory": "pin_memory: False (True raises torch's error: there is no accelerator).",
    "like_input": "input: the Tensor whose shape (and, by default, dtype) to copy.",
    "like_dtype": "dtype: the dtype (default: ``input``'s).",
}
_ARGS["placement"] = "\n".join([_ARGS["requires_grad"], _ARGS["device"], _ARGS["pin_memory"]])
_ARGS["like"] = "\n".join([_ARGS["like_input"], _ARGS["like_dtype"], _ARGS["requires_grad"]])


def _new_shape(size, op):
    """The shape of a new tensor; a negative size is torch's RuntimeError."""
    shape = _shape_arg(size)
    if any(d < 0 for d in shape):
        neg = next(d for d in shape if d < 0)
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {neg}: "
                           f"{list(shape)}")
    return shape


def _place(device, pin_memory, op, creating=True):
    """Check where a factory is asked to put its tensor: the CPU only, as torch without an
    accelerator (``device`` None means the default device)."""
    _check_device(device, op, creating)
    if pin_memory:
        _check_pin_memory(pin_memory)


def _finish(arr, requires_grad):
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype):
    dt = _canonical_dtype(dtype)
    return get_default_dtype() if dt is None else dt


@shared_docs(_ARGS)
def tensor(data, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """A new tensor holding a copy of ``data``.

    Args:
        data: a number, a (nested) list, a NumPy array or a Tensor.
        dtype: the dtype; by default Python floats give the default float dtype, Python ints
            int64, bools bool, and NumPy arrays keep their dtype (as torch).
        {placement}

    Returns:
        Tensor: a new tensor that shares no memory with ``data``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.tensor([[1, 2], [3, 4]]).dtype
        dtype('int64')
        >>> tc.tensor([0.5, 1.5], requires_grad=True)
        tensor([0.5000, 1.5000], requires_grad=True)
    """
    _place(device, pin_memory, "tensor", creating=False)
    arr = _as_array(data, _canonical_dtype(dtype))
    if dtype is _bfloat16:
        arr = _round_bfloat16(arr)
    src = data._data if isinstance(data, Tensor) else data
    if arr is src or (isinstance(src, np.ndarray) and np.shares_memory(arr, src)):
        arr = arr.copy()
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)  # (never on 0-d input: it would become 1-d)
    return _finish(arr, requires_grad)


as_tensor = tensor


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (no copy; the dtype is kept).

    Args:
        ndarray: the array; writing to it changes the tensor and vice versa.

    Returns:
        Tensor: around ``ndarray``.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._make(ndarray, False, None)


@shared_docs(_ARGS)
def zeros(*size, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """A tensor filled with zeros.

    Args:
        {size}
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor.

    Examples:
        >>> import tinyconv as tc
        >>> tc.zeros(2, 3)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
    """
    _place(device, pin_memory, "zeros")
    return _finish(np.zeros(_new_shape(size, "zeros"), dtype=_float_dtype(dtype)),
                   requires_grad)


@shared_docs(_ARGS)
def ones(*size, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """A tensor filled with ones.

    Args:
        {size}
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor.
    """
    _place(device, pin_memory, "ones")
    return _finish(np.ones(_new_shape(size, "ones"), dtype=_float_dtype(dtype)),
                   requires_grad)


@shared_docs(_ARGS)
def empty(*size, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """An uninitialised tensor (its values are whatever the memory held).

    Args:
        {size}
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor.
    """
    _place(device, pin_memory, "empty")
    return _finish(np.empty(_new_shape(size, "empty"), dtype=_float_dtype(dtype)),
                   requires_grad)


@shared_docs(_ARGS)
def full(size, fill_value, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """A tensor filled with ``fill_value``.

    Args:
        size: the shape, a sequence of ints.
        fill_value: the value; without ``dtype``, a bool gives bool, an int int64, a float
            the default float dtype (as torch).
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor.
    """
    _place(device, pin_memory, "full")
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = np.int64
    return _finish(np.full(_new_shape((size,), "full"), fill_value, dtype=_float_dtype(dtype)),
                   requires_grad)


@shared_docs(_ARGS)
def zeros_like(input, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros with ``input``'s shape.

    Args:
        {like}
        {device}

    Returns:
        Tensor: a new tensor of ``input``'s shape.
    """
    _check_device(device, "zeros_like")
    return _finish(np.zeros(input.shape, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


@shared_docs(_ARGS)
def ones_like(input, dtype=None, requires_grad=False, device=None):
    """A tensor of ones with ``input``'s shape.

    Args:
        {like}
        {device}

    Returns:
        Tensor: a new tensor of ``input``'s shape.
    """
    _check_device(device, "ones_like")
    return _finish(np.ones(input.shape, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


@shared_docs(_ARGS)
def full_like(input, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of ``input``'s shape filled with ``fill_value``.

    Args:
        {like_input}
        fill_value: the value.
        {like_dtype}
        {requires_grad}
        {device}

    Returns:
        Tensor: a new tensor of ``input``'s shape.
    """
    _check_device(device, "full_like")
    return _finish(np.full(input.shape, fill_value, dtype=_canonical_dtype(dtype) or input.dtype),
                   requires_grad)


@shared_docs(_ARGS)
def empty_like(input, dtype=None, requires_grad=False, device=None):
    """An uninitialised tensor of ``input``'s shape.

    Args:
        {like}
        {device}

    Returns:
        Tensor: a new tensor of ``input``'s shape.
    """
    _check_device(device, "empty_like")
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


@shared_docs(_ARGS)
def randn(*size, dtype=None, requires_grad=False, generator=None, device=None,
          pin_memory=False):
    """Samples of the standard normal distribution.

    Args:
        {size}
        generator: a ``tc.Generator`` to draw from (default: the package generator,
            seeded by ``tc.manual_seed``).
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor (NumPy's generator: the same seed gives other
        numbers than torch's).
    """
    _place(device, pin_memory, "randn")
    shape = _new_shape(size, "randn")
    arr = _draw(_gen(generator).standard_normal, shape, _float_dtype(dtype))
    return _finish(arr, requires_grad)


@shared_docs(_ARGS)
def rand(*size, dtype=None, requires_grad=False, generator=None, device=None,
         pin_memory=False):
    """Samples of the uniform distribution on [0, 1).

    Args:
        {size}
        generator: a ``tc.Generator`` to draw from (default: the package generator).
        {dtype}
        {placement}

    Returns:
        Tensor: a new tensor.
    """
    _place(device, pin_memory, "rand")
    shape = _new_shape(size, "rand")
    arr = _draw(_gen(generator).random, shape, _float_dtype(dtype))
    return _finish(arr, requires_grad)


@shared_docs(_ARGS)
def randint(low=0, high=None, size=None, *, generator=None, dtype=None, requires_grad=False,
            device=None, pin_memory=False):
    """Random integers from ``[low, high)``: ``randint(high, size)`` or ``randint(low, high,
    size)``, as torch's two forms.

    Args:
        low: the lowest value (0 in the two-argument form).
        high: one above the highest value.
        size: the shape (a tuple).
        generator: a ``tc.Generator`` to draw from (default: the package generator, seeded by
            ``tc.manual_seed``).
        dtype: the integer dtype (default int64).
        requires_grad: must be False (integers have no gradient).
        {device}
        {pin_memory}

    Returns:
        Tensor: a new integer tensor.

    Examples:
        >>> import tinyconv as tc
        >>> labels = tc.randint(0, 10, (32,))
        >>> labels.shape, labels.dtype, 0 <= labels.min().item() <= labels.max().item() < 10
        (tinyconv.Size([32]), dtype('int64'), True)
        >>> tc.randint(5, (2, 3)).shape
        tinyconv.Size([2, 3])
    """
    _place(device, pin_memory, "randint")
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None and size is not None:  # randint(high, size=...)
        low, high = 0, low
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: expected randint(high, size) or "
                        "randint(low, high, size)")
    if not isinstance(low, numbers.Integral) or not isinstance(high, numbers.Integral):
        raise TypeError(f"randint(): low and high must be ints, got {low!r} and {high!r}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    arr = _gen(generator).integers(low, high, size=_new_shape((size,), "randint"))
    return _finish(arr.astype(_canonical_dtype(dtype) or np.int64), requires_grad)


@shared_docs(_ARGS)
def rand_like(input, *, dtype=None, requires_grad=False, generator=None, device=None):
    """Uniform samples on [0, 1) with ``input``'s shape.

    Args:
        {like}
        generator: a ``tc.Generator`` to draw from.
        {device}

    Returns:
        Tensor: a new tensor.
    """
    _check_device(device, "rand_like")
    return rand(*input.shape, dtype=_canonical_dtype(dtype) or input.dtype,
                requires_grad=requires_grad, generator=generator)


@shared_docs(_ARGS)
def randn_like(input, *, dtype=None, requires_grad=False, generator=None, device=None):
    """Standard normal samples with ``input``'s shape.

    Args:
        {like}
        generator: a ``tc.Generator`` to draw from.
        {device}

    Returns:
        Tensor: a new tensor.
    """
    _check_device(device, "randn_like")
    return randn(*input.shape, dtype=_canonical_dtype(dtype) or input.dtype,
                 requires_grad=requires_grad, generator=generator)


@shared_docs(_ARGS)
def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False, generator=None,
                 device=None):
    """Random integers from ``[low, high)`` with ``input``'s shape (``randint_like(input,
    high)`` or ``randint_like(input, low, high)``).

    Args:
        {like_input}
        low: the lowest value (or, alone, the exclusive upper bound with low 0).
        high: one above the highest value.
        {like_dtype}
        {requires_grad}
        generator: a ``tc.Generator`` to draw from.
        {device}

    Returns:
        Tensor: a new tensor (integer values, in ``input``'s dtype by default).
    """
    _check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    t = randint(low, high, tuple(input.shape), generator=generator)
    dt = _canonical_dtype(dtype) or input.dtype
    return _finish(t._data.astype(dt), requires_grad)


@shared_docs(_ARGS)
def randperm(n, dtype=None, generator=None, device=None, pin_memory=False):
    """A random permutation of ``0 .. n - 1``.

    Args:
        n: the number of elements.
        dtype: the integer dtype (default int64).
        generator: a ``tc.Generator`` to draw from (default: the package generator, seeded by
            ``tc.manual_seed``).
        {device}
        {pin_memory}

    Returns:
        Tensor: a new integer tensor of shape (n,).
    """
    _place(device, pin_memory, "randperm")
    return Tensor._make(_gen(generator).permutation(n).astype(_canonical_dtype(dtype) or np.int64),
                        False, None)


@shared_docs(_ARGS)
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False,
           device=None, pin_memory=False):
    """Normal samples with the given means and standard deviations.

    torch's forms: ``normal(mean_tensor, std_tensor)`` (broadcast),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)``, and
    ``normal(mean, std, size)`` for two numbers.

    Args:
        mean: a Tensor or a number.
        std: a Tensor or a number (>= 0).
        size: the shape, when both are numbers.
        generator: a ``tc.Generator`` to draw from.
        dtype: the dtype of the number form (default: the default float dtype).
        requires_grad: record operations on the result (number form only).
        {device}
        {pin_memory}

    Returns:
        Tensor: samples of the broadcast shape of ``mean`` and ``std`` (or ``size``); like
        torch's, they carry no gradient back to ``mean`` or ``std``.
    """
    _place(device, pin_memory, "normal")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        return _normal_tensors(mean, std, generator)
    if size is None:
        raise TypeError("normal(): with a number mean and std, size is required")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = _new_shape((size,) if isinstance(size, numbers.Integral) else (tuple(size),),
                       "normal")
    arr = _draw(_gen(generator).standard_normal, shape, _float_dtype(dtype))
    return _finish((arr * std + mean).astype(arr.dtype, copy=False), requires_grad)


@shared_docs(_ARGS)
def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None,
           pin_memory=False):
    """Values from ``start`` to ``end`` (exclusive) in steps of ``step``.

    Args:
        start: the first value (or, alone, the end, with start 0).
        end: the end, not included.
        step: the difference between neighbours.
        dtype: the dtype; by default int64 when every argument is an int, else the default
            float dtype.
        {placement}

    Returns:
        Tensor: a new 1-D tensor.

    Examples:
        >>> import tinyconv as tc
        >>> tc.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> tc.arange(0.0, 1.0, 0.25)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    _place(device, pin_memory, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


@shared_docs(_ARGS)
def linspace(start, end, steps, dtype=None, requires_grad=False, device=None,
             pin_memory=False):
    """``steps`` values evenly spaced from ``start`` to ``end`` (both included).

    Args:
        start: the first value.
        end: the last value.
        steps: how many values.
        dtype: the dtype (default: the default float dtype).
        {placement}

    Returns:
        Tensor: a new 1-D tensor of ``steps`` values.
    """
    _place(device, pin_memory, "linspace")
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


@shared_docs(_ARGS)
def logspace(start, end, steps, base=10.0, dtype=None, requires_grad=False, device=None,
             pin_memory=False):
    """``steps`` values ``base ** x`` for x evenly spaced from ``start`` to ``end``.

    Args:
        start: the first exponent.
        end: the last exponent.
        steps: how many values.
        base: the base of the powers.
        dtype: the dtype (default: the default float dtype).
        {placement}

    Returns:
        Tensor: a new 1-D tensor of ``steps`` values.
    """
    _place(device, pin_memory, "logspace")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    exps = np.linspace(start, end, steps)
    return _finish((float(base) ** exps).astype(_float_dtype(dtype)), requires_grad)


@shared_docs(_ARGS)
def eye(n, m=None, dtype=None, requires_grad=False, device=None, pin_memory=False):
    """The identity matrix (ones on the diagonal).

    Args:
        n: the number of rows.
        m: the number of columns (default ``n``).
        dtype: the dtype (default: the default float dtype).
        {placement}

    Returns:
        Tensor: a new (n, m) tensor.
    """
    _place(device, pin_memory, "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


class _LegacyTensorType(type):
    """torch's legacy tensor types (``tc.FloatTensor``): ``isinstance`` checks the dtype,
    calling one makes a tensor of that dtype (``FloatTensor(2, 3)`` uninitialised,
    ``FloatTensor([1, 2])`` from data), and ``x.type(tc.DoubleTensor)`` converts."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls._legacy_dtype

    def __call__(cls, *args):
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0]._data.dtype != cls._legacy_dtype:
                raise TypeError(f"expected {cls.__name__} (got {args[0].type()})")
            return args[0].view_as(args[0])  # an alias, as torch's
        sizes = args[0] if len(args) == 1 and isinstance(args[0], _Size) else args
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in sizes):
            return empty(*(sizes or (0,)), dtype=cls._legacy_dtype)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes or one sequence of data")
        return tensor(args[0], dtype=cls._legacy_dtype)

    def __repr__(cls):
        return f"<class 'tinyconv.{cls.__name__}'>"


for _dt, _name in _TYPE_NAMES.items():
    globals()[f"{_name}Tensor"] = _LegacyTensorType(f"{_name}Tensor", (), {
        "_legacy_dtype": _dt,
        "__doc__": f"torch's legacy type of {_dt} tensors: ``isinstance(x, {_name}Tensor)`` "
                   f"checks the dtype; ``{_name}Tensor(2, 3)`` (uninitialised) or "
                   f"``{_name}Tensor(data)`` makes one; ``x.type({_name}Tensor)`` converts."})
del _dt, _name
