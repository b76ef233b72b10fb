"""dtypes under torch's names, the default floating dtype, and torch's type promotion.

dtypes are NumPy dtypes.  Python floats and float factories use the default dtype (float32
unless ``set_default_dtype`` changes it); Python ints become int64.
"""
import numbers

import numpy as np

__all__ = ["bfloat16", "round_bfloat16", "float16", "float32", "float64", "int8", "int16",
           "int32", "int64", "uint8", "bool_", "get_default_dtype", "set_default_dtype",
           "is_float", "canonical_dtype", "as_array", "promote", "scalar_dtype", "type_name",
           "dtype_of_type_name"]

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)  # exported as tinyconv.bool


class _BFloat16:
    """torch's bfloat16.  NumPy has no such dtype: a tensor converted to it is stored as
    float32 with its values rounded to bfloat16 (8 significant bits, float32's range), and
    its ``dtype`` reads float32 (docs/differences.md)."""

    name, itemsize, kind, is_floating_point = "bfloat16", 2, "f", True

    def __repr__(self):
        return "tinyconv.bfloat16"


bfloat16 = _BFloat16()


def round_bfloat16(arr):
    """``arr`` as float32 rounded to the nearest bfloat16 (ties to even; NaN stays NaN)."""
    a = np.ascontiguousarray(arr, dtype=np.float32)
    u = a.view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    out = u.astype(np.uint32).view(np.float32).reshape(a.shape)
    return np.where(np.isnan(a), a, out)


class _Defaults:
    __slots__ = ("dtype",)

    def __init__(self):
        self.dtype = float32


_defaults = _Defaults()


def get_default_dtype():
    """The floating dtype used for Python floats and factories.

    Returns:
        numpy.dtype: float32 unless changed with ``set_default_dtype``.
    """
    return _defaults.dtype


def set_default_dtype(dtype):
    """Set the default floating dtype (float32 or float64).

    It is the dtype of tensors made from Python floats, of the float factories (``zeros``,
    ``randn``...) and of new layers' parameters.

    Args:
        dtype: ``tc.float32`` or ``tc.float64``.
    """
    dt = np.dtype(dtype)
    if dt not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {dt}")
    _defaults.dtype = dt


def is_float(dt):
    return dt.kind == "f"


def canonical_dtype(dtype):
    """np.dtype of ``dtype`` (None stays None), with a TypeError naming a bad one."""
    if dtype is None:
        return None
    if dtype is bfloat16:
        return float32  # its storage
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None


def as_array(data, dtype=None):
    """ndarray from ``data`` with torch's inference (floats -> default dtype, ints -> int64).

    ``data`` may be a Tensor, an ndarray, a NumPy scalar
    (its dtype is kept, as in torch) or Python data.
    """
    if isinstance(data, np.ndarray):
        arr = data
    elif isinstance(getattr(data, "_data", None), np.ndarray):  # a Tensor
        arr = data._data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        arr = np.asarray(data)
        if dtype is None:
            if arr.dtype.kind == "f":
                arr = arr.astype(get_default_dtype())
            elif arr.dtype.kind in "iu" and arr.dtype != np.uint8:
                arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biufc":
        # strings, bytes, objects, structured/void records: torch's TypeError, not a cast
        # that fails (or silently succeeds) later
        raise TypeError(f"tensor: can't convert {type(data).__name__} of dtype {arr.dtype} "
                        f"(shape {arr.shape}); only bool, integer, float and complex data is "
                        f"supported")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def promote(da, db):
    """torch's result dtype of two tensors: a float beats an int, else NumPy's promotion."""
    if da == db:
        return da
    fa, fb = is_float(da), is_float(db)
    if fa and not fb:
        return da
    if fb and not fa:
        return db
    return np.promote_types(da, db)


def scalar_dtype(value, like):
    """dtype torch gives a Python scalar combined with a tensor of dtype ``like``."""
    if is_float(like):
        return like
    if isinstance(value, (float, np.floating)):
        return get_default_dtype()
    if like == bool_ and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int64
    return like


# torch's legacy tensor type names ('torch.FloatTensor'), by dtype
_TYPE_NAMES = {float32: "Float", float64: "Double", float16: "Half", int64: "Long", int32: "Int",
               int16: "Short", int8: "Char", uint8: "Byte", bool_: "Bool"}
_BY_TYPE_NAME = {f"{name}Tensor": dt for dt, name in _TYPE_NAMES.items()}


def type_name(dtype):
    """torch's type name of a tensor of ``dtype``, with tinyconv's: 'tinyconv.FloatTensor'.

    Args:
        dtype: a NumPy dtype.

    Returns:
        str: the name ``Tensor.type()`` returns.
    """
    dt = np.dtype(dtype)
    return f"tinyconv.{_TYPE_NAMES.get(dt, str(dt))}Tensor"


def dtype_of_type_name(name):
    """The dtype of a type name: 'tinyconv.DoubleTensor' or torch's 'torch.DoubleTensor'.

    Args:
        name: the type name.

    Returns:
        numpy.dtype: its dtype; ValueError (torch's) for a name that is none.
    """
    module, _, cls = name.rpartition(".")
    if module in ("tinyconv", "torch") and cls in _BY_TYPE_NAME:
        return _BY_TYPE_NAME[cls]
    if module in ("tinyconv.cuda", "torch.cuda") and cls in _BY_TYPE_NAME:
        raise RuntimeError(f"invalid type: '{name}': tinyconv has no CUDA tensors (it "
                           f"computes on the CPU only)")
    raise ValueError(f"invalid type: '{name}'")
