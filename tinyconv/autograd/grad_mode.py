"""inference_mode (torch's): grad mode off for a block or a function.

tinyconv's tensors have no separate inference flavour, so inference mode is ``no_grad`` under
torch's name: nothing inside it is recorded for backward.
"""

from .._engine import set_grad_enabled
from .._engine.state import _state, decorate_with

__all__ = ["inference_mode", "is_inference_mode_enabled"]

_depth = {"n": 0}


class inference_mode:
    """Context manager and decorator: run without recording a graph (``no_grad``).

    Usable as ``with tc.inference_mode():``, ``@tc.inference_mode()`` and
    ``@tc.inference_mode``.

    Args:
        mode: True disables recording; False leaves the grad mode as it is.
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._ctx = None

    def __enter__(self):
        if self.mode:
            self._ctx = set_grad_enabled(False)
            self._ctx.__enter__()
            _depth["n"] += 1
        return self

    def __exit__(self, *exc):
        if self._ctx is not None:
            _depth["n"] -= 1
            self._ctx.__exit__(*exc)
            self._ctx = None
        return False

    def __call__(self, fn):
        return decorate_with(self, fn)

    def clone(self):
        """A new ``inference_mode`` with the same mode (torch's API).

        Returns:
            inference_mode: the copy.
        """
        return inference_mode(self.mode)


def is_inference_mode_enabled():
    """Whether an ``inference_mode`` block is active.

    Returns:
        bool.
    """
    return _depth["n"] > 0 and not _state.enabled
