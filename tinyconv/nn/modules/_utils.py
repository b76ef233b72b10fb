"""Small helpers shared by the layer modules."""
import math

import numpy as np

from ..._dtypes import get_default_dtype
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _check_device(device):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"only the 'cpu' device exists, got device={device!r}")


def empty_parameter(shape, dtype=None):
    """An uninitialised Parameter of ``shape`` (filled by the layer's reset_parameters)."""
    return Parameter(Tensor._make(np.empty(shape, dtype=_dtype(dtype)), False, None))


def add_weight_and_bias(module, weight_shape, bias, out_features, dtype=None):
    """Give ``module`` an uninitialised ``weight`` of ``weight_shape`` and, when ``bias``, a
    ``bias`` of ``(out_features,)`` (else a registered None), then call its
    ``reset_parameters()``."""
    module.weight = empty_parameter(weight_shape, dtype)
    if bias:
        module.bias = empty_parameter((out_features,), dtype)
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()


def reset_like_linear(weight, bias, *, draw_for_empty_fan):
    """torch's default initialisation of Linear and conv layers: ``kaiming_uniform_(a=sqrt(5))``
    for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.  With fan_in 0, Linear
    still draws the bias from U(0, 0) and conv layers skip it (``draw_for_empty_fan``), so
    the generator advances as torch's does."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is None:
        return
    fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
    if fan_in > 0 or draw_for_empty_fan:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def buffer(arr):
    return Tensor._make(arr, False, None)
