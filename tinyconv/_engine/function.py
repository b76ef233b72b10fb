"""Ops and graph nodes: TensorBase, Context, Node, and Function with its ``apply``.

An op is a ``Function`` subclass whose static ``forward(ctx, *arrays, **params)`` and
``backward(ctx, gy)`` work on raw ndarrays.  ``Function.apply`` runs ``forward`` on the inputs'
arrays and, when any input requires grad (and grad mode is on), records a ``Node`` that links
the output to its inputs.

Contract for ops:
- Inputs are Tensors or ``None`` (an absent optional input such as a bias): ``forward`` then
  receives ``None`` in that position, and ``backward`` returns ``None`` for it.
- ``backward`` returns one gradient per input of ``forward`` (a tuple, or the bare array for a
  single input), ``None`` where ``ctx.needs_input_grad[i]`` is false.
- Gradients may come back broadcast (the input's shape broadcast to the output's); the engine
  sums them back to each input's shape and casts them to the input's dtype.
- Every array that ``backward`` needs goes through ``ctx.save_for_backward`` (so the engine can
  free it); hyper-parameters are plain ``ctx`` attributes.
- ``forward`` may return a tuple ``(y, aux...)``: ``y`` is the differentiable output, the
  others are returned as tensors that do not require grad (indices, masks).
- ``category`` names the op's family for profiles ("conv", "pooling", "normalization", ...).
"""
from .state import _state

__all__ = ["Context", "Function", "Node", "TensorBase"]


class TensorBase:
    """The fields the engine reads and writes; ``tinyconv.Tensor`` adds the operations.

    Attributes:
        data: the ndarray of values.
        grad: the accumulated gradient (a Tensor) of a leaf, or None.
        requires_grad: whether operations on this tensor are recorded.
        grad_fn: the Node that produced this tensor (None for leaves).
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_hooks", "__weakref__")

    def _init_fields(self, data, requires_grad=False, grad_fn=None):
        """Set every field (the one place they are initialised)."""
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._hooks = None

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):  # pragma: no cover - defined by Tensor
        """A new tensor around ``data`` (no copy, no checks); results of ops are made so."""
        raise NotImplementedError

    @property
    def is_leaf(self):
        return self.grad_fn is None


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward(). Specify retain_graph=True if you need to backward through "
    "the graph a second time."
)


class Context:
    """Per-call scratch space of an op: saved arrays, hyper-parameters, needs_input_grad.

    Args:
        needs_input_grad: per input of the op, whether its gradient is needed.
    """

    _saved = ()
    _freed = False

    def __init__(self, needs_input_grad=()):
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays):
        """Keep arrays for ``backward``; the engine frees them after backward."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        return self._saved

    def _free(self):
        if self._saved:  # only ops that saved buffers refuse a second backward
            self._saved = ()
            self._freed = True


class Node:
    """A recorded op application: the backward half of the graph (torch's ``grad_fn``).

    ``next`` holds, per forward input, the Node that produced it, the leaf Tensor that
    accumulates its gradient, or None (no grad needed).  ``meta`` holds each input's shape
    and dtype (None for an absent input) so gradients can be reduced and cast without keeping
    the input alive.  ``scope`` is the engine's scope stack when the op ran (recorded only
    while function hooks are active).  ``name()`` is the op's name plus ``Backward``.

    Args:
        fn: the op's ``Function`` class.
        ctx: its ``Context`` (saved arrays, hyper-parameters).
        next_: the ``next`` tuple described above.
        meta: the ``meta`` tuple described above.
    """

    __slots__ = ("fn", "ctx", "next", "meta", "retained", "scope", "__weakref__")

    def __init__(self, fn, ctx, next_, meta):
        self.fn = fn
        self.ctx = ctx
        self.next = next_
        self.meta = meta
        self.retained = None  # weakref to an output tensor that called retain_grad()
        self.scope = ()

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of every op; subclasses define static ``forward`` and ``backward``."""

    category = "elementwise"

    @staticmethod
    def forward(ctx, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors (or None) and record it for backward when needed."""
        arrays = []
        make = None
        for t in inputs:
            if t is None:
                arrays.append(None)
            elif isinstance(t, TensorBase):
                arrays.append(t.data)
                if make is None:
                    make = t._make
            else:
                raise TypeError(
                    f"{cls.__name__}: expected Tensor inputs, got {type(t).__name__}")
        if make is None:
            raise TypeError(f"{cls.__name__}: expected at least one Tensor input")
        if _state.enabled:
            needs = tuple([t is not None and t.requires_grad for t in inputs])
            any_grad = True in needs
        else:
            needs = (False,) * len(inputs)
            any_grad = False
        ctx = Context(needs)
        hooks = _state.hooks
        if hooks:
            for h in tuple(hooks.values()):
                h.forward_pre(cls)
        out = cls.forward(ctx, *arrays, **params)
        aux = None
        if type(out) is tuple:
            out, aux = out[0], out[1:]
        node = None
        if any_grad:
            nxt = tuple([(t.grad_fn or t) if n else None for t, n in zip(inputs, needs)])
            meta = tuple([None if a is None else (a.shape, a.dtype) for a in arrays])
            node = Node(cls, ctx, nxt, meta)
            y = make(out, True, node)
        else:
            y = make(out, False, None)
        if hooks:
            if node is not None:
                node.scope = _state.scope
            for h in tuple(hooks.values()):
                h.forward_post(cls, ctx, y.data, node)
        if aux is None:
            return y
        return (y,) + tuple([make(a, False, None) for a in aux])
