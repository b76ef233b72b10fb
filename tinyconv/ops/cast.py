"""Conversion to bfloat16 (stored as float32 with bfloat16's precision, see
``tinyconv._dtypes.bfloat16``); the gradient passes unchanged, as torch's cast's."""
from .._dtypes import round_bfloat16
from .elementwise import Cast


class ToBFloat16(Cast):
    """``Cast`` to bfloat16 precision: the values are rounded, the dtype stays float32."""

    @staticmethod
    def forward(ctx, x):
        return round_bfloat16(x)
