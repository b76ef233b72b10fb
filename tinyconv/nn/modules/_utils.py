"""Small helpers shared by the layer modules."""
import numpy as np

from ..._dtypes import get_default_dtype
from ...tensor import Tensor
from ..parameter import Parameter


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _check_device(device):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"only the 'cpu' device exists, got device={device!r}")


def empty_parameter(shape, dtype=None):
    """An uninitialised Parameter of ``shape`` (filled by the layer's reset_parameters)."""
    return Parameter(Tensor._make(np.empty(shape, dtype=_dtype(dtype)), False, None))


def buffer(arr):
    return Tensor._make(arr, False, None)
