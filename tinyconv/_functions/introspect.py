"""Questions about tensors and dtypes, with torch's names: is_tensor, numel, is_floating_point,
finfo, iinfo."""
import numpy as np

from .. import _dtypes as D
from .._engine import TensorBase

__all__ = ["is_tensor", "numel", "is_floating_point", "finfo", "iinfo"]


def is_tensor(obj):
    """Whether ``obj`` is a tinyconv Tensor (a Parameter included).

    Args:
        obj: any object.

    Returns:
        bool.
    """
    return isinstance(obj, TensorBase)


def numel(input):
    """The number of elements of a tensor.

    Args:
        input: a Tensor.

    Returns:
        int: the product of its shape.
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(input).__name__}")
    return int(input._data.size)


def is_floating_point(input):
    """Whether a tensor's dtype is a floating point one.

    Args:
        input: a Tensor.

    Returns:
        bool.
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"is_floating_point(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    return input._data.dtype.kind == "f"


class finfo:
    """Machine limits of a floating dtype (torch's attribute names).

    Args:
        type: a floating dtype (default: the default dtype); ``tc.bfloat16`` gives bfloat16's.

    Attributes: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution``, ``dtype`` (its name).
    """

    def __init__(self, type=None):
        if type is D.bfloat16:
            self.bits, self.eps, self.resolution, self.dtype = 16, 0.0078125, 0.01, "bfloat16"
            self.max, self.min = 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            return
        dt = D.get_default_dtype() if type is None else np.dtype(type)
        if dt.kind != "f":
            raise TypeError(f"finfo(): torch.finfo() requires a floating point input type, got "
                            f"{dt}. Use torch.iinfo to handle 'torch.iinfo'")
        f = np.finfo(dt)
        self.bits, self.eps, self.resolution = int(f.bits), float(f.eps), 10.0 ** -f.precision
        self.max, self.min = float(f.max), float(f.min)
        self.tiny = self.smallest_normal = float(f.smallest_normal)
        self.dtype = dt.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch's attribute names).

    Args:
        type: an integer (or bool) dtype.

    Attributes: ``bits``, ``max``, ``min``, ``dtype`` (its name).
    """

    def __init__(self, type):
        dt = np.dtype(type)
        if dt.kind not in "iub":
            raise TypeError(f"iinfo(): torch.iinfo() requires an integer input type, got {dt}. "
                            f"Use torch.finfo to handle 'torch.finfo'")
        if dt.kind == "b":
            self.bits, self.min, self.max = 8, 0, 1
        else:
            i = np.iinfo(dt)
            self.bits, self.min, self.max = int(i.bits), int(i.min), int(i.max)
        self.dtype = dt.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
