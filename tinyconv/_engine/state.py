"""Thread-local engine state: grad mode, function hooks and the scope stack.

Grad mode is per thread, as in torch.  Function hooks (Chainer's FunctionHook idea) are how
instrumentation sees every op: ``Op.apply`` and the backward walk call them only when the
thread has some, so an idle hook point costs one truth test.  The scope stack names where an
op was recorded (``Module.__call__`` pushes the module while hooks are active); hooks read it.
"""
import functools
import threading

from .._hooks import add_hook

__all__ = ["FunctionHook", "active_hooks", "add_function_hook", "current_scope", "in_backward",
           "enable_grad", "is_grad_enabled", "no_grad", "recording_nodes", "scope",
           "set_grad_enabled"]


class _State(threading.local):
    enabled = True
    scope = ()  # innermost last: what was running when an op was recorded
    backward_depth = 0  # > 0 while a node's backward runs (its ops are part of that backward)
    recorder = None  # a list collecting the nodes ops record, while ``recording_nodes`` runs

    def __init__(self):
        self.hooks = {}  # handle id -> FunctionHook active in this thread


_state = _State()


def is_grad_enabled() -> bool:
    """Whether new operations are recorded for backward in this thread.

    Returns:
        bool: False inside ``no_grad()`` or ``set_grad_enabled(False)``.
    """
    return _state.enabled


def decorate_with(context, fn):
    """``fn`` run inside a fresh copy of the context manager ``context`` (``context.clone()``)
    at every call: what ``@tc.no_grad()``, ``@tc.enable_grad()`` and ``@tc.inference_mode()``
    do as decorators."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with context.clone():
            return fn(*args, **kwargs)

    return wrapper


class set_grad_enabled:
    """Context manager (and decorator) that sets grad mode on or off.

    Args:
        mode: True records operations for backward, False does not (as ``no_grad``).
    """

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self.prev = None

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        return decorate_with(self, fn)

    def clone(self):
        """A new context manager with the same mode (torch's API)."""
        return set_grad_enabled(self.mode)


class no_grad(set_grad_enabled):
    """Disable graph recording: ``with tc.no_grad(): ...`` or ``@tc.no_grad()``."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enable graph recording inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)


class FunctionHook:
    """Base class of engine hooks: override the methods you need (all default to nothing).

    ``forward_pre(fn)`` and ``forward_post(fn, ctx, out, node)`` run around an op's forward
    (``node`` is the recorded graph Node, or None when no input needs a gradient; recorded
    nodes carry ``node.scope``, the scope stack at the time); ``backward_pre(node, grads)`` and
    ``backward_post(node, grads, gxs)`` run around the op's backward during the walk.  A
    backward runs ops itself: ``in_backward()`` tells the forward hooks so.
    """

    def forward_pre(self, fn):
        pass

    def forward_post(self, fn, ctx, out, node):
        pass

    def backward_pre(self, node, gy):
        pass

    def backward_post(self, node, gy, gxs):
        pass


def add_function_hook(hook):
    """Activate ``hook`` (a FunctionHook) for every op this thread runs, until removed.

    This is how the profiler and anomaly mode observe ops (ARCHITECTURE.md, "Hook points").

    Args:
        hook: a ``FunctionHook`` whose ``forward_pre/forward_post/backward_pre/backward_post``
            methods are called around every op.

    Returns:
        RemovableHandle: ``handle.remove()`` deactivates the hook.
    """
    return add_hook(_state.hooks, hook)


def active_hooks():
    """This thread's FunctionHooks (a dict; empty when none)."""
    return _state.hooks


def in_backward():
    """Whether this thread is running a node's backward (the ops it calls belong to it)."""
    return _state.backward_depth > 0


class recording_nodes:
    """Collect the graph nodes recorded inside the block (``with recording_nodes() as nodes``):
    an in-place op uses it to find the nodes that saved the values it is about to change."""

    __slots__ = ("nodes", "prev")

    def __enter__(self):
        self.prev = _state.recorder
        self.nodes = _state.recorder = []
        return self.nodes

    def __exit__(self, *exc):
        _state.recorder = self.prev
        if self.prev is not None:
            self.prev.extend(self.nodes)
        return False


class scope:
    """Record that ``obj`` (a module, a name) is running, for hooks to read.

    A context manager; ``Module.__call__`` pushes one while function hooks are active, so the
    profiler and anomaly mode can name the module an op ran in.

    Args:
        obj: what is running (usually a Module).
    """

    __slots__ = ("obj", "prev")

    def __init__(self, obj):
        self.obj = obj

    def __enter__(self):
        self.prev = _state.scope
        _state.scope = self.prev + (self.obj,)
        return self

    def __exit__(self, *exc):
        _state.scope = self.prev
        return False


def current_scope():
    """The scope stack of this thread (outermost first)."""
    return _state.scope
