"""Parameter: a Tensor that a Module registers as learnable."""
import numpy as np

from .._dtypes import get_default_dtype
from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter (requires grad by default).

    Args:
        data: the initial values (a Tensor; its array is shared, not copied). None gives an
            empty float tensor.
        requires_grad: whether the parameter requires gradient (default True).
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(
                f"Parameter: data must be a Tensor, got {type(data).__name__}")
        self._init_fields(arr)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy(), False, None), self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor._make(self.grad._data.copy(), False, None)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self._data, self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(Tensor._make(data, False, None), requires_grad)
