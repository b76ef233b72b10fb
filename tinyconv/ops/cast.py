"""Conversion to bfloat16 (stored as float32 with bfloat16's precision, see
``tinyconv._dtypes.bfloat16``); the gradient passes unchanged, as torch's cast's."""
from .._dtypes import round_bfloat16
from .._engine import Op


class ToBFloat16(Op):
    category = "layout"
    node_name = "ToCopyBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        return round_bfloat16(x)

    @staticmethod
    def backward(ctx, gy):
        return gy
