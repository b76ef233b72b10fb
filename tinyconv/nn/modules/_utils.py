"""Small helpers shared by the layer modules."""
import numpy as np

from ...tensor import Tensor, get_default_dtype
from ..module import Parameter


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


def _ntuple(n, name):
    def parse(x):
        if isinstance(x, (list, tuple)):
            t = tuple(x)
            if len(t) != n:
                raise ValueError(f"{name}: expected {n} values, got {len(t)} ({x!r})")
            return t
        return (x,) * n

    return parse


_pair = _ntuple(2, "pair")
