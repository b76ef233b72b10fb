"""cuDNN's switches, as ``torch.backends.cudnn`` has them on a CPU-only build.

tinyconv has no cuDNN: ``is_available()`` is False and the settings change nothing, but a
script's ``torch.backends.cudnn.benchmark = True`` (or ``import torch.backends.cudnn as
cudnn``) runs unchanged.  As in torch, the settings are module attributes that accept bools
only, and ``flags(...)`` sets them inside a ``with`` block:

- ``enabled`` (True), ``benchmark`` (False), ``deterministic`` (False), ``allow_tf32`` (True):
  bools.
- ``benchmark_limit`` (None): any value.

tinyconv's own convolution switches are in ``tinyconv.backends.conv``.
"""
import contextlib
import sys
import types

__all__ = ["is_available", "version", "is_acceptable", "flags"]

_BOOLS = ("enabled", "benchmark", "deterministic", "allow_tf32")

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = None


class _CudnnModule(types.ModuleType):
    """This module's type: its bool settings refuse other values, as torch's do."""

    def __setattr__(self, name, value):
        if name in _BOOLS and not isinstance(value, bool):
            raise RuntimeError(f"tinyconv.backends.cudnn.{name} expects a bool, but got "
                               f"{type(value).__name__}")
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _CudnnModule


def is_available():
    """Whether cuDNN can be used.

    Returns:
        bool: False (tinyconv computes on the CPU).
    """
    return False


def version():
    """cuDNN's version.

    Returns:
        None: there is no cuDNN.
    """
    return None


def is_acceptable(tensor):
    """Whether cuDNN would run on ``tensor``.

    Args:
        tensor: a Tensor.

    Returns:
        bool: False.
    """
    return False


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """Set the settings inside a ``with`` block (torch's defaults: cuDNN off); the previous
    values come back after.

    Args:
        enabled: use cuDNN.
        benchmark: let cuDNN time its algorithms and pick the fastest.
        benchmark_limit: how many algorithms to time.
        deterministic: only deterministic algorithms.
        allow_tf32: TF32 tensor cores in convolutions.

    Returns:
        a context manager.
    """
    module = sys.modules[__name__]
    new = {"enabled": enabled, "benchmark": benchmark, "benchmark_limit": benchmark_limit,
           "deterministic": deterministic, "allow_tf32": allow_tf32}
    for name in _BOOLS:  # validate all before changing any
        if not isinstance(new[name], bool):
            raise RuntimeError(f"tinyconv.backends.cudnn.{name} expects a bool, but got "
                               f"{type(new[name]).__name__}")
    old = {name: getattr(module, name) for name in new}
    try:
        for name, value in new.items():
            setattr(module, name, value)
        yield
    finally:
        for name, value in old.items():
            setattr(module, name, value)
