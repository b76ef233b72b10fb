"""OpenBLAS's parallel GEMMs on the kernels' OpenMP threads (see ``ops/_blas.pxi``).

NumPy's OpenBLAS keeps worker threads of its own that busy-spin for about 0.1 s after every
parallel call, and so take the cores from the OpenMP kernels tinyconv runs between GEMMs.  The
spin is an environment variable read when NumPy loads, out of reach once a script has imported
NumPy (or torch) first.  OpenBLAS 0.3.27+ lets a caller run its jobs instead
(``openblas_set_threads_callback_function``): ``install()`` hands every loaded OpenBLAS
tinyconv's callback, which runs the jobs on the kernels' OpenMP team, so one pool does both and
OpenBLAS's own workers go to sleep.  It acts at run time, whatever was imported first.

``tinyconv.backends.kernels.blas_threads`` switches it: ``"kernels"`` (default) or
``"openblas"`` (OpenBLAS's own threads).  Either way OpenBLAS decides how many jobs a GEMM is
split into, from its own thread count: setting ``tinyconv.backends.kernels.num_threads``
(``tc.set_num_threads``) sets that count too (``set_threads``), and unsetting it gives back
the count OpenBLAS had.  A forked child goes back to OpenBLAS's own threads
(GNU OpenMP's team does not survive a fork; OpenBLAS's pool does).  Linux only (the loaded
libraries are read from /proc/self/maps); elsewhere nothing is installed.
"""
import ctypes
import os

from ... import backends
from .. import _im2col as ext  # the package __init__ has checked that it is built

__all__ = ["install", "uninstall", "status", "openblas_libraries", "set_threads"]

# (prefix, suffix) of OpenBLAS's exported names: plain builds, and the scipy-openblas wheels
# NumPy and SciPy ship (``scipy_openblas_...64_`` for the ILP64 one)
_NAME_FORMS = (("", ""), ("scipy_", "64_"), ("scipy_", ""), ("", "64_"))
_SETTER = "openblas_set_threads_callback_function"

_installed = {}     # path -> (CDLL, setter name)
_fork_hook = False
_own_threads = {}   # path -> OpenBLAS's thread count before tinyconv first set one


def openblas_libraries():
    """Paths of the OpenBLAS shared libraries loaded in this process (Linux), sorted."""
    paths = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                fields = line.split(None, 5)
                if len(fields) == 6 and "openblas" in os.path.basename(fields[5]).lower():
                    paths.add(fields[5].strip())
    except OSError:
        return []
    return sorted(p for p in paths if os.path.exists(p))


def _library(path):
    """(CDLL, {name: symbol name}) of a loaded OpenBLAS, or None if it has no callback hook."""
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for prefix, suffix in _NAME_FORMS:
        name = prefix + _SETTER + suffix
        if hasattr(lib, name):
            return lib, {"setter": name, "config": prefix + "openblas_get_config" + suffix}
    return None


def _set(lib, name, address):
    fn = getattr(lib, name)
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p]
    fn(address)


def install():
    """Give every loaded OpenBLAS with the hook tinyconv's callback; return their paths.

    Idempotent; a library loaded later (SciPy's own OpenBLAS) is covered at the next call."""
    global _fork_hook
    address = ext.blas_callback_address()
    for path in openblas_libraries():
        if path in _installed:
            continue
        found = _library(path)
        if found is None:
            continue
        lib, names = found
        _set(lib, names["setter"], address)
        _installed[path] = (lib, names)
    if _installed and not _fork_hook and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook = True
    return sorted(_installed)


def uninstall():
    """Give OpenBLAS back its own threads."""
    for lib, names in _installed.values():
        _set(lib, names["setter"], None)
    _installed.clear()


def _after_fork_in_child():
    # the child has one thread; GNU OpenMP would wait forever for the parent's team
    uninstall()


def _config(lib, names):
    fn = getattr(lib, names["config"], None)
    if fn is None:
        return "?"
    fn.restype = ctypes.c_char_p
    fn.argtypes = []
    return fn().decode(errors="replace")


def status():
    """Lines for ``python -m tinyconv doctor``: where OpenBLAS's parallel jobs run."""
    loaded = openblas_libraries()
    team, threads = ext.blas_callback_counts()
    if _installed:
        lines = [f"BLAS threads: OpenBLAS jobs on the kernels' OpenMP team "
                 f"(tinyconv.backends.kernels.blas_threads={backends.kernels.blas_threads!r}; "
                 f"{team} team calls, {threads} on plain threads so far)"]
        lines += [f"  {os.path.basename(p)}: {_config(*_installed[p])}" for p in sorted(_installed)]
        return lines
    if backends.kernels.blas_threads != "kernels":
        why = f"tinyconv.backends.kernels.blas_threads={backends.kernels.blas_threads!r}"
    elif loaded:
        why = "the loaded OpenBLAS has no openblas_set_threads_callback_function (< 0.3.27)"
    else:
        why = "no OpenBLAS loaded (another BLAS, or not Linux)"
    return [f"BLAS threads: the BLAS's own ({why})"]


def _thread_count_functions(lib):
    """(openblas_set_num_threads, openblas_get_num_threads) of a loaded OpenBLAS, or None."""
    for prefix, suffix in _NAME_FORMS:
        names = (prefix + "openblas_set_num_threads" + suffix,
                 prefix + "openblas_get_num_threads" + suffix)
        if all(hasattr(lib, n) for n in names):
            setter, getter = (getattr(lib, n) for n in names)
            setter.restype, setter.argtypes = None, [ctypes.c_int]
            getter.restype, getter.argtypes = ctypes.c_int, []
            return setter, getter
    return None


def set_threads(n):
    """Give every loaded OpenBLAS ``n`` threads (None: the count it had before the first call);
    return the paths of the libraries set."""
    done = []
    for path in openblas_libraries():
        try:
            fns = _thread_count_functions(ctypes.CDLL(path))
        except OSError:
            continue
        if fns is None:
            continue
        setter, getter = fns
        own = _own_threads.setdefault(path, getter())
        setter(own if n is None else n)
        done.append(path)
    return done


def _on_switch(value):
    if value == "kernels":
        install()
    else:
        uninstall()


backends.kernels.add_listener("blas_threads", _on_switch)
backends.kernels.add_listener("num_threads", set_threads)
_on_switch(backends.kernels.blas_threads)
