"""Hook plumbing shared by every layer: removable handles and the kernel-timing hook list.

A hook point costs one truth test when nothing is registered.  Kernel wrappers and the conv
algorithms wrap their compiled calls and GEMMs in ``record(category)``; a profiler registers
``add_kernel_hook(fn)`` and is called ``fn(category, seconds)`` after each recorded block.
"""
import itertools
import time

__all__ = ["RemovableHandle", "add_hook", "record", "add_kernel_hook"]

_ids = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for from its dict when ``remove()`` is called.

    Args:
        hooks_dict: the dict the hook was stored in, under ``handle.id``.
        extra_dict: another dict (or several) to drop the same id from, e.g. a set of ids of
            hooks registered with keyword arguments.
    """

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict = hooks_dict
        if extra_dict is None:
            extra_dict = ()
        elif not isinstance(extra_dict, (list, tuple)):
            extra_dict = (extra_dict,)
        self.extra_dicts = tuple(extra_dict)
        self.id = next(_ids)

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            d.discard(self.id) if isinstance(d, set) else d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook, *, prepend=False, marks=()):
    """Register ``hook`` in the dict ``hooks`` under a new handle's id: the one way every hook
    list (tensor, node, module, optimizer, global) is added to.

    Args:
        hooks: the dict of hooks, run in order (an OrderedDict when ``prepend`` is used).
        hook: the callable.
        prepend: put it before the hooks already registered.
        marks: ``(dict_or_set, flag)`` pairs: the id goes into each one whose flag is true
            (e.g. "called with kwargs"), and the handle removes it from all of them.

    Returns:
        RemovableHandle: its ``remove()`` unregisters the hook.
    """
    handle = RemovableHandle(hooks, extra_dict=[d for d, _ in marks] or None)
    hooks[handle.id] = hook
    for d, flag in marks:
        if flag:
            d[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


# ------------------------------------------------------------------------------ kernel records
_kernel_hooks = {}


def add_kernel_hook(hook):
    """Call ``hook(category, seconds)`` after every ``record(category)`` block.

    Returns:
        a RemovableHandle.
    """
    return add_hook(_kernel_hooks, hook)


class _Nothing:
    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NOTHING = _Nothing()
_perf = time.perf_counter


class _Timed:
    __slots__ = ("category", "t0")

    def __init__(self, category):
        self.category = category

    def __enter__(self):
        self.t0 = _perf()
        return self

    def __exit__(self, *exc):
        dt = _perf() - self.t0
        for hook in list(_kernel_hooks.values()):
            hook(self.category, dt)
        return False


def record(category):
    """Context manager around a kernel call or GEMM, timed only while a kernel hook is set."""
    return _Timed(category) if _kernel_hooks else _NOTHING
