"""CUDA's switches, as ``torch.backends.cuda`` has them on a CPU-only build.

``is_built()`` is False; ``matmul.allow_tf32`` and the reduced-precision switches are
bools that change nothing, so a script's ``torch.backends.cuda.matmul.allow_tf32 = True``
runs unchanged.
"""
__all__ = ["is_built", "matmul"]

_MATMUL = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
           "allow_bf16_reduced_precision_reduction": True}


class _MatmulSettings:
    """cuBLAS's settings (``torch.backends.cuda.matmul``): bools that change nothing here."""

    def __init__(self):
        for name, value in _MATMUL.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if name not in _MATMUL:
            raise AttributeError(f"Unknown attribute {name}")
        if not isinstance(value, bool):
            raise RuntimeError(f"tinyconv.backends.cuda.matmul.{name} expects a bool, but got "
                               f"{type(value).__name__}")
        object.__setattr__(self, name, value)


matmul = _MatmulSettings()


def is_built():
    """Whether tinyconv was built with CUDA support.

    Returns:
        bool: False.
    """
    return False
