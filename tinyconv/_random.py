"""The package's random state: one NumPy Generator that every random draw goes through.

``manual_seed`` reseeds it (and NumPy's legacy global state, for user code that uses it);
``Generator`` mirrors ``torch.Generator`` for places that take ``generator=``.  A DataLoader
gives each pass its own stream for the transforms it applies, with ``using_rng``.
"""
import contextlib
import threading

import numpy as np

_state = {"rng": np.random.default_rng(0x7C0FFEE), "seed": 0x7C0FFEE}
_local = threading.local()  # a per-thread stream set by ``using_rng`` (DataLoader's per pass)


class Generator:
    """A separately seeded random stream (``torch.Generator``'s role).

    Pass it as ``generator=`` to the random factories, ``nn.init`` functions and the
    ``DataLoader`` to draw from a stream that ``tc.manual_seed`` does not reset.

    Args:
        seed: the seed (None: fresh entropy from the operating system).
    """

    def __init__(self, seed=None):
        self._seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else seed
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Reseed this stream (``tc.Generator().manual_seed(0)``); returns the generator."""
        self._seed = _check_seed(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed

    def initial_seed(self):
        """The seed this stream was last seeded with."""
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
    return int(seed)


def manual_seed(seed):
    """Seed every random source of tinyconv (init, dropout, randn/rand, shuffling).

    Args:
        seed: a non-negative int.

    Returns:
        numpy.random.Generator: the package generator, newly seeded (torch returns its
        ``Generator``; tinyconv's draws from NumPy's).

    Examples:
        >>> import tinyconv as tc
        >>> _ = tc.manual_seed(0)
        >>> first = tc.randn(3).tolist()
        >>> _ = tc.manual_seed(0)
        >>> tc.randn(3).tolist() == first
        True
    """
    seed = _check_seed(seed)
    _state["rng"] = np.random.default_rng(seed)
    _state["seed"] = seed
    np.random.seed(seed % 2**32)
    return _state["rng"]


def initial_seed():
    """The seed the package generator was last seeded with (``manual_seed``'s argument).

    Returns:
        int: that seed (before any ``manual_seed``, the package's fixed default seed).
    """
    return _state["seed"]


def default_rng():
    """The package-wide NumPy Generator (replaced by ``manual_seed``)."""
    return _state["rng"]


def _gen(generator=None):
    if generator is None:
        return _state["rng"]
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a tinyconv.Generator, got {type(generator).__name__}")


def get_rng_state():
    """The package generator's state, for checkpoints.

    Returns:
        dict: JSON-friendly (NumPy's bit-generator state); ``set_rng_state`` restores it.
    """
    return _state["rng"].bit_generator.state


def set_rng_state(new_state):
    """Restore the package generator to a state from ``get_rng_state``.

    Args:
        new_state: the dict ``get_rng_state`` returned.
    """
    _state["rng"].bit_generator.state = new_state


@contextlib.contextmanager
def using_rng(rng):
    """In this block and thread, ``stream(None)`` draws from ``rng`` (a NumPy Generator)."""
    prev = getattr(_local, "rng", None)
    _local.rng = rng
    try:
        yield
    finally:
        _local.rng = prev


def stream(generator=None):
    """The Generator to draw from: ``generator`` if given, else the stream ``using_rng`` set
    in this thread, else the package's."""
    if generator is not None:
        return _gen(generator)
    rng = getattr(_local, "rng", None)
    return rng if rng is not None else _state["rng"]
