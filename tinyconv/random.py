"""torch.random's functions: the package generator's seed and state, and ``fork_rng``, a
block whose random draws leave the package's stream as it was."""
import contextlib

import numpy as np

from . import _random
from ._device import cuda_error
from ._random import get_rng_state, initial_seed, manual_seed, set_rng_state

__all__ = ["fork_rng", "get_rng_state", "initial_seed", "manual_seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type=None):
    """A block (or, as a decorator, a function) whose random draws and reseeding do not
    change the package's random stream: on exit the generator, its seed and NumPy's global
    state are what they were on entry.

    Args:
        devices: accelerator devices whose generators to fork as well; only None or an empty
            list (tinyconv computes on the CPU only; others raise torch's AssertionError).
        enabled: False makes the block an ordinary one (nothing saved or restored).
        _caller: the name torch's warnings use (kept for torch's signature).
        _devices_kw: the argument name torch's warnings use (kept for torch's signature).
        device_type: the accelerator kind (None, or "cuda" with no devices, as on a torch
            built without CUDA).

    Returns:
        A context manager.

    Examples:
        >>> import tinyconv as tc
        >>> _ = tc.manual_seed(0)
        >>> with tc.random.fork_rng():
        ...     _ = tc.manual_seed(123)
        ...     noise = tc.randn(3)
        >>> tc.initial_seed()
        0
    """
    if not enabled:
        yield
        return
    if devices:
        raise cuda_error()
    rng, seed = _random._state["rng"], _random._state["seed"]
    state, legacy = rng.bit_generator.state, np.random.get_state()
    try:
        yield
    finally:
        _random._state["rng"], _random._state["seed"] = rng, seed
        rng.bit_generator.state = state
        np.random.set_state(legacy)
