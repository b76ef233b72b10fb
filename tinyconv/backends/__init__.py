"""Switches and limits of the algorithms behind ops, as ``torch.backends``.

Every switch of the package lives here, each an attribute of a backend object with a
``flags(...)`` context manager that sets some and restores them on exit (as
``torch.backends.cudnn.flags``)::

    import tinyconv as tc
    tc.backends.conv.winograd = False            # every 3x3 convolution off Winograd
    with tc.backends.conv.flags(algorithm="im2col"):
        y = F.conv2d(x, w)                       # this block on the im2col path only
"""
import contextlib
import numbers
import os

from . import cuda, cudnn, mps

__all__ = ["conv", "kernels", "flags", "get_conv_workspace_limit", "set_conv_workspace_limit",
           "get_num_threads", "set_num_threads", "cuda", "cudnn", "mps",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "get_deterministic_debug_mode"]

# torch's accelerator backends (``cudnn``, ``cuda``, ``mps``) are modules of their own: their
# switches exist, as on a CPU-only torch, and change nothing


class _Backend:
    """Attributes with defaults and validation, and a ``flags`` context manager.

    A setting that acts outside Python (a library's thread pool) has listeners, called with
    the new value whenever it changes (``add_listener``); the layer that owns the pool
    registers them, so this module imports nothing of the package.
    """

    _defaults = {}

    def __init__(self):
        object.__setattr__(self, "_listeners", {})
        for name, value in self._defaults.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if name not in self._defaults:
            raise AttributeError(f"{self._name} has no setting {name!r} (settings: "
                                 f"{', '.join(self._defaults)})")
        self._store(name, self._check(name, value))

    def _store(self, name, value):
        changed = getattr(self, name) != value
        object.__setattr__(self, name, value)
        if changed:
            for fn in self._listeners.get(name, ()):
                fn(value)

    def add_listener(self, name, fn):
        """Call ``fn(value)`` after every change of setting ``name`` (package-internal)."""
        if name not in self._defaults:
            raise AttributeError(f"{self._name} has no setting {name!r}")
        self._listeners.setdefault(name, []).append(fn)

    def _check(self, name, value):
        return value

    @contextlib.contextmanager
    def flags(self, **settings):
        """Set some settings inside a ``with`` block; the previous values come back after."""
        for name, value in settings.items():  # validate all before changing any
            if name not in self._defaults:
                raise AttributeError(f"{self._name} has no setting {name!r}")
            self._check(name, value)
        old = {name: getattr(self, name) for name in settings}
        try:
            for name, value in settings.items():
                setattr(self, name, value)
            yield self
        finally:
            for name, value in old.items():
                self._store(name, value)

    def __repr__(self):
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._defaults)
        return f"{self._name}({body})"

    def _choice(self, name, value, allowed):
        """``value`` when it is one of ``allowed``, else ValueError naming the switch."""
        if value not in allowed:
            raise ValueError(f"{self._name}.{name} must be one of {allowed}, got {value!r}")
        return value


class _ConvBackend(_Backend):
    """Convolution algorithms (``tinyconv.ops.conv``) and their memory limits.

    Attributes:
        algorithm: None to choose per layer shape (the default), or the name of one
            algorithm ("im2col", "gemm1x1", "direct", "im2col+direct", "small", "winograd")
            to use wherever it can compute the convolution (for tests and benchmarks).
        winograd, direct, small, pointwise: allow the Winograd F(4x4, 3x3) path, the direct
            Cython loops (depthwise-like convolutions), the register-blocked AVX2 kernels and
            the 1x1 batched-GEMM path where the automatic choice would pick them.
        winograd_precision: "float64" (default) runs the Winograd path's transformed domain
            (its GEMMs) in float64 for float32 tensors, keeping their error below torch's;
            "float32" runs it in float32: faster, 7-8x the rounding error of a direct
            convolution (``ops/conv/winograd.py``).  float64 tensors always use float64.
        workspace_limit: the largest im2col/Winograd work buffer in bytes; the batch is
            processed in chunks below it (default 256 MB; one sample's columns always fit).
        saved_columns_limit: the largest im2col matrix (whole batch) a Conv2d keeps from its
            forward for its weight gradient instead of rebuilding it (default 64 MB).
        scratch_limit: bytes of work buffers each thread keeps between convolutions
            (default 256 MB).
    """

    _name = "tinyconv.backends.conv"
    _defaults = {"algorithm": None, "winograd": True, "direct": True, "small": True,
                 "pointwise": True, "winograd_precision": "float64", "workspace_limit": 256 << 20,
                 "saved_columns_limit": 64 << 20, "scratch_limit": 256 << 20}
    ALGORITHM_NAMES = ("im2col", "gemm1x1", "direct", "im2col+direct", "small", "winograd")
    WINOGRAD_PRECISIONS = ("float64", "float32")

    def _check(self, name, value):
        if name == "winograd_precision":
            return self._choice(name, value, self.WINOGRAD_PRECISIONS)
        if name == "algorithm":
            if value is not None and value not in self.ALGORITHM_NAMES:
                raise ValueError(f"{self._name}.algorithm must be None or one of "
                                 f"{self.ALGORITHM_NAMES}, got {value!r}")
            return value
        if name.endswith("_limit"):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0 or (
                    name == "workspace_limit" and value < 1):
                raise ValueError(f"{self._name}.{name} must be a "
                                 f"{'positive' if name == 'workspace_limit' else 'non-negative'}"
                                 f" int (bytes), got {value!r}")
            return int(value)
        if not isinstance(value, bool):
            raise TypeError(f"{self._name}.{name} must be a bool, got {value!r}")
        return value


conv = _ConvBackend()


class _KernelsBackend(_Backend):
    """The OpenMP teams of the compiled kernels, and where OpenBLAS's parallel jobs run.

    Attributes:
        num_threads: threads per kernel call, and for OpenBLAS's GEMMs once set; None (the
            default) takes ``OMP_NUM_THREADS`` when it is a positive int (at most the number
            of cores, as torch), else every core (``os.cpu_count()``).  ``tc.set_num_threads``
            sets it.
        parallel_min_size: streaming passes (pooling, normalization, GELU) over fewer
            elements than this run on one thread, where waking a team costs more than it
            saves (default 32768).
        blas_threads: "kernels" (default) runs the jobs of NumPy's parallel OpenBLAS calls on
            the kernels' OpenMP team, so that OpenBLAS's own spinning workers do not take the
            cores from the kernels, whatever was imported first (``ops/_kernels/blas.py``);
            "openblas" leaves OpenBLAS its own threads.
    """

    _name = "tinyconv.backends.kernels"
    _defaults = {"num_threads": None, "parallel_min_size": 1 << 15, "blas_threads": "kernels"}
    BLAS_THREADS = ("kernels", "openblas")

    def _check(self, name, value):
        if name == "blas_threads":
            return self._choice(name, value, self.BLAS_THREADS)
        if value is None and name == "num_threads":
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < (
                1 if name == "num_threads" else 0):
            raise ValueError(f"{self._name}.{name} must be a "
                             f"{'positive' if name == 'num_threads' else 'non-negative'} int, "
                             f"got {value!r}")
        return int(value)


kernels = _KernelsBackend()


@contextlib.contextmanager
def flags(**backends):
    """Set several backends' settings at once, restoring them on exit.

    A context manager: ``with tc.backends.flags(conv=dict(winograd=False)): ...``. Each
    backend also has its own: ``tc.backends.conv.flags(algorithm="im2col")``.

    Args:
        **backends: per backend name (``conv``, ``kernels``), a dict of its settings.

    Returns:
        a context manager.
    """
    with contextlib.ExitStack() as stack:
        for name, settings in backends.items():
            backend = globals().get(name)
            if not isinstance(backend, _Backend):
                raise AttributeError(f"tinyconv.backends has no backend {name!r}")
            stack.enter_context(backend.flags(**settings))
        yield


def set_conv_workspace_limit(nbytes):
    """Set the largest im2col buffer (in bytes) a convolution may allocate.

    Args:
        nbytes: a positive int; the batch is split into chunks so the buffer stays below it
            (a single sample's columns are always allowed).

    Returns:
        None
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral) or nbytes < 1:
        raise ValueError(f"set_conv_workspace_limit: expected a positive int, got {nbytes!r}")
    conv.workspace_limit = int(nbytes)


def get_conv_workspace_limit():
    """The current limit on the im2col buffer of a convolution.

    Returns:
        int: bytes (default 256 MB); ``tc.backends.conv.workspace_limit``.
    """
    return conv.workspace_limit


def _default_num_threads():
    """torch's default team size: ``OMP_NUM_THREADS`` if a positive int (capped at the number
    of cores), else the number of cores."""
    cpus = max(1, os.cpu_count() or 1)
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return min(int(env), cpus)
    return cpus


_DEFAULT_NUM_THREADS = _default_num_threads()   # read once, at import, as torch does


def get_num_threads():
    """The number of threads the kernels run on (torch's intra-op threads).

    Returns:
        int: ``tc.backends.kernels.num_threads`` if set, else the default: ``OMP_NUM_THREADS``
        as the process started (at most the number of cores), or the number of cores.
    """
    n = kernels.num_threads
    return _DEFAULT_NUM_THREADS if n is None else n


def set_num_threads(int):  # noqa: A002  torch's parameter name
    """Set the number of threads of the kernels and of NumPy's OpenBLAS GEMMs.

    ``torch.set_num_threads``: on a machine busy with other work, 1 is often much faster (a
    team of threads waits for its slowest member to be scheduled).  Same as setting
    ``tc.backends.kernels.num_threads``; OpenBLAS gets the same number.

    Args:
        int (int): a positive number of threads.

    Returns:
        None
    """
    n = int
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    kernels.num_threads = n


# torch's deterministic-algorithms switch: every tinyconv kernel is deterministic already, so
# it is only remembered (and reported back), as torch's is on a CPU-only build
_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms only (``torch.use_deterministic_algorithms``).

    tinyconv's ops are all deterministic, so nothing changes; the setting is kept for
    ``are_deterministic_algorithms_enabled`` and ``get_deterministic_debug_mode``.

    Args:
        mode (bool): on or off.
        warn_only (bool): torch's: warn instead of raising for a nondeterministic op.
    """
    for name, value in (("mode' (position 1)", mode), ("warn_only'", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name} must be "
                            f"bool, not {type(value).__name__}")
    _DETERMINISTIC.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether it was set with ``warn_only=True``."""
    return _DETERMINISTIC["warn_only"]


def get_deterministic_debug_mode():
    """torch's debug mode: 0 (off), 1 (warn only) or 2 (deterministic algorithms on)."""
    if not _DETERMINISTIC["mode"]:
        return 0
    return 1 if _DETERMINISTIC["warn_only"] else 2
