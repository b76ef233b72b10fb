"""Ops and graph nodes: TensorBase, Context, Node, and Op with its ``apply``.

An op is an ``Op`` subclass whose static ``forward(ctx, *arrays, **params)`` works on raw
ndarrays and whose ``backward(ctx, *grads)`` works on Tensors with differentiable ops, so the
backward pass can itself be recorded (``create_graph``) and differentiated again.
``Op.apply`` runs ``forward`` on the inputs' arrays and, when any input requires grad
(and grad mode is on), records a ``Node`` that links the outputs to the inputs.

Contract for ops:
- Inputs are Tensors or ``None`` (an absent optional input such as a bias): ``forward`` then
  receives ``None`` in that position, and ``backward`` returns ``None`` for it.
- ``forward`` returns an array, or a tuple of arrays: the first ``n_differentiable`` (default
  1) are differentiable outputs, the others come back as tensors that do not require grad
  (indices, masks).
- ``backward`` receives one gradient Tensor per differentiable output (zeros where none
  flowed) and returns one gradient per input (a tuple, or the bare value for a single input),
  ``None`` where ``ctx.needs_input_grad[i]`` is false.  Gradients may be broadcast to the
  output's shape; the engine sums them back to each input's shape and casts them to its dtype.
- Everything ``backward`` needs from the forward goes through ``ctx.save_for_backward(*arrays)``:
  an input's array comes back as that input Tensor, an output's array as the output Tensor
  (so a second derivative reaches them), any other array as a constant Tensor.  The engine
  records the version of every saved tensor and refuses to run backward when one was
  modified in place since.  Hyper-parameters are plain ``ctx`` attributes.
- A Tensor given as a parameter (a target, class weights, a mask, indices: what needs no
  gradient) reaches ``forward`` as its array; a saved array that views its memory is
  version-checked like a saved input, so writing into it before backward raises as torch's
  saved tensors do.
- ``view = True`` marks ops whose output may be a view of input 0 (it then shares input 0's
  storage version and base).
- ``category`` names the op's family for profiles ("conv", "pooling", "normalization", ...).
"""
import weakref

import numpy as np

from .._dtypes import type_name
from .._hooks import add_hook
from .state import _state

__all__ = ["Context", "Node", "Op", "TensorBase", "VersionCounter", "custom_node",
           "same_version", "save_tensors", "storage_root"]


class VersionCounter:
    """How many times a storage was written in place; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def storage_root(a):
    """The ndarray that owns the memory ``a`` views (``a`` itself when it owns it)."""
    while a.base is not None and type(a.base) is type(a):
        a = a.base
    return a


class TensorBase:
    """The fields the engine reads and writes; ``tinyconv.Tensor`` adds the operations.

    Attributes:
        _data: the ndarray of values (``Tensor.data`` is a detached Tensor sharing it).
        grad: the accumulated gradient (a Tensor) of a leaf, or None.
        requires_grad: whether operations on this tensor are recorded.
        grad_fn: the Node that produced this tensor (None for leaves); ``_output_nr`` says
            which of its outputs this is.
        _vc: the VersionCounter of the storage, shared with views and aliases (``_version``
            is its value, an int, as torch's ``Tensor._version``).
        _base: the tensor this one is a view of, or None.
    """

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_output_nr", "_vc",
                 "_base", "_hooks", "_grad_hooks", "__weakref__")

    def _init_fields(self, data, requires_grad=False, grad_fn=None, output_nr=0, version=None,
                     base=None):
        """Set every field (the one place they are initialised)."""
        self._data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._output_nr = output_nr
        self._vc = VersionCounter() if version is None else version
        self._base = base
        self._hooks = None  # post-accumulate-grad hooks (leaves)
        self._grad_hooks = None  # register_hook hooks of a leaf (non-leaves keep them on the node)

    @classmethod
    def _make(cls, data, requires_grad, grad_fn, output_nr=0, version=None,
              base=None):  # pragma: no cover - defined by Tensor
        """A new tensor around ``data`` (no copy, no checks); results of ops are made so."""
        raise NotImplementedError

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version(self):
        """How many times this tensor's storage was written in place (torch's counter)."""
        return self._vc.value

    def _bump(self):
        """Record an in-place write of this tensor's storage."""
        self._vc.value += 1


_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward(). Specify retain_graph=True if you need to backward through "
    "the graph a second time."
)


def type_string(dtype, shape):
    """torch's description of a tensor in error messages, with tinyconv's name."""
    return f"[{type_name(dtype)} {list(shape)}]"


class _Saved:
    """One saved value: an input tensor, an output (kept without its tensor to avoid a
    reference cycle), or a constant array; with the storage version it had when saved."""

    __slots__ = ("tensor", "array", "box", "version", "node", "nr")

    def __init__(self, tensor=None, array=None, box=None, node=None, nr=0):
        self.tensor = tensor
        self.array = array
        self.box = box
        self.version = None if box is None else box.value
        self.node = node  # weakref to the producing node, for a saved output
        self.nr = nr

    def check(self, owner):
        if self.box is not None and self.box.value != self.version:
            arr = self.tensor._data if self.tensor is not None else self.array
            which = ""
            fn = None
            if self.tensor is not None:
                fn, nr = self.tensor.grad_fn, self.tensor._output_nr
            elif self.node is not None:
                fn, nr = self.node(), self.nr
            if fn is not None:
                which = f", which is output {nr} of {fn.name()},"
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {type_string(arr.dtype, arr.shape)}{which} is at version "
                f"{self.box.value}; expected version {self.version} instead"
                f"{'' if owner is None else f' (saved for {owner.name()})'}. Hint: the tensor "
                f"was changed in place after the op that saved it ran; compute on a clone "
                f"instead, or find the op with tinyconv.autograd.detect_anomaly().")

    def unpack(self, make, as_tensor):
        if self.tensor is not None:
            return self.tensor if as_tensor else self.tensor._data
        if not as_tensor:
            return self.array
        if self.node is not None:
            node = self.node()
            return make(self.array, node is not None, node, self.nr, self.box)
        return make(self.array, False, None, 0, self.box)


class Context:
    """Per-call scratch space of an op: saved values, hyper-parameters, needs_input_grad.

    Args:
        needs_input_grad: per input of the op, whether its gradient is needed.
    """

    _saved = ()
    _guards = ()  # arrays of the inputs an op kept as attributes (see _guard_attributes)
    _freed = False
    _records = None
    _make = None
    _owner = None
    _tensors = False  # whether saved values come back as Tensors (the backward's contract)
    materialize_grads = True

    def __init__(self, needs_input_grad=()):
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *items):
        """Keep arrays for ``backward``; the engine frees them after backward."""
        self._saved = items

    def set_materialize_grads(self, value):
        """Whether backward receives zeros (True, the default) or None for outputs that got
        no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        records = self._records
        if records is None:
            return self._saved
        owner = self._owner() if self._owner is not None else None
        for r in records:
            if r is not None:
                r.check(owner)
        make, as_tensor = self._make, self._tensors
        return tuple(None if r is None else r.unpack(make, as_tensor) for r in records)

    def _check_guards(self):
        """Raise torch's in-place error if an input array the op kept as an attribute was
        written since forward (the same check as a saved tensor's)."""
        if self._guards:
            owner = self._owner() if self._owner is not None else None
            for g in self._guards:
                g.check(owner)

    def _free(self):
        if self._saved or self._records:  # only ops that saved values refuse a second backward
            self._saved = ()
            self._records = ()
            self._freed = True
        self._guards = ()


class Node:
    """A recorded op application: the backward half of the graph (torch's ``grad_fn``).

    ``next`` holds, per forward input, the Node that produced it (``next_nr``: which of its
    outputs), the leaf Tensor that accumulates its gradient, or None (no gradient needed).
    ``meta`` holds each input's shape and dtype (None for an absent input) so gradients can be
    reduced and cast without keeping the input alive; ``out_meta`` the same for the
    differentiable outputs.  ``scope`` is the engine's scope stack when the op ran (recorded
    only while function hooks are active).

    Args:
        fn: the op's ``Op`` class (or, for a custom ``autograd.Function``, the object
            running its backward).
        ctx: its ``Context`` (saved values, hyper-parameters).
        next_: per input, the producing Node, the leaf Tensor, or None (see above).
        next_nr: per input, which output of the producing Node it is.
        meta: per input, ``(shape, dtype)`` or None.
        out_meta: per output, ``(shape, dtype)`` (None for a custom Function's non-Tensor
            outputs).
    """

    __slots__ = ("fn", "ctx", "next", "next_nr", "meta", "out_meta", "retained",
                 "tensor_hooks", "pre_hooks", "post_hooks", "scope", "__weakref__")

    def __init__(self, fn, ctx, next_, next_nr, meta, out_meta):
        self.fn = fn
        self.ctx = ctx
        self.next = next_
        self.next_nr = next_nr
        self.meta = meta
        self.out_meta = out_meta
        self.retained = None  # {output_nr: weakref to a tensor that called retain_grad()}
        self.tensor_hooks = None  # {output_nr: {id: hook}} from Tensor.register_hook
        self.pre_hooks = None  # {id: hook(grad_outputs)} from register_prehook
        self.post_hooks = None  # {id: hook(grad_inputs, grad_outputs)} from register_hook
        self.scope = ()

    def name(self):
        return getattr(self.fn, "node_name", None) or self.fn.__name__ + "Backward0"

    @property
    def next_functions(self):
        """torch's view of the edges: ((node or AccumulateGrad, output_nr), ...)."""
        out = []
        for nxt, nr in zip(self.next, self.next_nr):
            if nxt is None:
                out.append((None, 0))
            elif type(nxt) is Node:
                out.append((nxt, nr))
            else:
                out.append((AccumulateGrad(nxt), 0))
        return tuple(out)

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward ran (torch's
        ``Node.register_hook``); a non-None result (a tuple, one entry per input) replaces
        the gradients handed to the inputs.

        Args:
            fn: the hook; ``grad_inputs`` holds None for inputs that get no gradient.

        Returns:
            RemovableHandle: ``handle.remove()`` unregisters the hook.
        """
        if self.post_hooks is None:
            self.post_hooks = {}
        return add_hook(self.post_hooks, fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node's backward runs (torch's
        ``Node.register_prehook``); a non-None result (a tuple, one entry per output) replaces
        the gradients the backward receives.

        Args:
            fn: the hook; ``grad_outputs`` holds None for outputs that got no gradient.

        Returns:
            RemovableHandle: ``handle.remove()`` unregisters the hook.
        """
        if self.pre_hooks is None:
            self.pre_hooks = {}
        return add_hook(self.pre_hooks, fn)

    def __repr__(self):
        return f"<{self.name()}>"


class AccumulateGrad:
    """torch's leaf node in ``next_functions``: the leaf that accumulates a gradient."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    @property
    def next_functions(self):
        return ()

    def __repr__(self):
        return "<AccumulateGrad>"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


def _record_saved(ctx, inputs, arrays, outs, n_diff, node, make, kept=()):
    """Replace the arrays ``forward`` saved by records of the tensors they belong to
    (``kept``: Tensors given as parameters, whose memory a saved array may view)."""
    roots = None
    records = []
    for a in ctx._saved:
        if a is None:
            records.append(None)
            continue
        rec = None
        for t, arr in zip(inputs, arrays):
            if a is arr and t is not None:
                rec = _Saved(tensor=t, box=t._vc)
                break
        if rec is None:
            for k in range(n_diff):
                if a is outs[k]._data:
                    out = outs[k]
                    rec = _Saved(array=a, box=out._vc,
                                 node=None if node is None else weakref.ref(node), nr=k)
                    break
        if rec is None:
            # a constant; when it views an input's or output's memory, writes into that
            # tensor in place must still be caught
            box = None
            if kept or getattr(a, "base", None) is not None:
                if roots is None:
                    roots = [(storage_root(t._data), t._vc) for t in inputs
                             if t is not None] + [(storage_root(o._data), o._vc)
                                                  for o in outs[:n_diff]] + [
                        (storage_root(t._data), t._vc) for t in kept]
                ra = storage_root(a)
                for r, b in roots:
                    if r is ra:
                        box = b
                        break
            rec = _Saved(array=a, box=box)
        records.append(rec)
    ctx._records = records
    ctx._saved = ()
    ctx._make = make


def _guard_attributes(ctx, inputs, kept):
    """Version-check what an op kept of its inputs outside ``save_for_backward``.

    An op may keep an index, a mask or an input's array as a ``ctx`` attribute for its
    backward. Such an array is the user's memory: a write into it after forward would change
    the gradient silently, so it is checked as a saved tensor is (torch saves these too).
    """
    found = []
    for v in ctx.__dict__.values():
        if type(v) is np.ndarray:
            found.append(v)
        elif type(v) in (tuple, list):
            found.extend(a for a in v if type(a) is np.ndarray)
    if not found:
        return
    sources = [t for t in (*inputs, *kept) if t is not None]
    roots = [(storage_root(t._data), t) for t in sources]
    guards = []
    for a in found:
        ra = storage_root(a)
        for r, t in roots:
            if r is ra:
                guards.append(_Saved(array=a, box=t._vc))
                break
    if guards:
        ctx._guards = tuple(guards)


def same_version(t, data):
    """A constant Tensor holding ``data`` (``t``'s values, maybe converted) that shares
    ``t``'s version counter: given to an op as a parameter, what the op saves of it is
    checked against writes into ``t``, as torch checks the tensors it saves.

    Args:
        t: the user's Tensor.
        data: an ndarray derived from it.

    Returns:
        Tensor: no gradient, no history.
    """
    return t._make(data, False, None, 0, t._vc)


def custom_node(fn, ctx, inputs, out_meta):
    """Record the graph Node of a custom function (``tinyconv.autograd.Function``).

    Args:
        fn: what runs its backward (``fn.backward(ctx, *grads)``, ``fn.node_name``).
        ctx: its Context, whose ``needs_input_grad`` says which inputs get an edge.
        inputs: every forward input (Tensors and Python values; one gradient each).
        out_meta: per output, ``(shape, dtype)`` of a Tensor output, None for other values.

    Returns:
        Node: the recorded node (also collected by ``recording_nodes``).
    """
    needs = ctx.needs_input_grad
    nxt = tuple([(t.grad_fn or t) if n else None for t, n in zip(inputs, needs)])
    nxt_nr = tuple([t._output_nr if n else 0 for t, n in zip(inputs, needs)])
    meta = tuple([(t._data.shape, t._data.dtype) if isinstance(t, TensorBase) else None
                  for t in inputs])
    node = Node(fn, ctx, nxt, nxt_nr, meta, tuple(out_meta))
    ctx._owner = weakref.ref(node)
    ctx._tensors = True
    if _state.recorder is not None:
        _state.recorder.append(node)
    if _state.hooks:
        node.scope = _state.scope
    return node


def save_tensors(ctx, node, outputs):
    """Turn the Tensors a custom function saved (``ctx._saved``) into version-checked records:
    an output of ``node`` is kept without its tensor (no reference cycle) and comes back as
    an output of ``node``; any other tensor is kept as is.

    Args:
        ctx: the function's Context (``ctx._saved`` holds Tensors or None).
        node: its Node.
        outputs: the forward's final outputs (any values).
    """
    records = []
    for t in ctx._saved:
        if t is None:
            records.append(None)
            continue
        if ctx._make is None:
            ctx._make = t._make
        rec = None
        for k, o in enumerate(outputs):
            if o is t and t.grad_fn is node:
                rec = _Saved(array=t._data, box=t._vc, node=weakref.ref(node), nr=k)
                break
        records.append(rec if rec is not None else _Saved(tensor=t, box=t._vc))
    ctx._records = records
    ctx._saved = ()


class Op:
    """Base class of every internal op; subclasses define static ``forward`` (on ndarrays) and
    ``backward`` (on Tensors).  Private: users subclass ``tinyconv.autograd.Function``."""

    category = "elementwise"
    n_differentiable = 1
    view = False
    # backward on Tensors with differentiable ops (True) or, for ops not converted yet, on
    # ndarrays (False: saved values and gradients are arrays, and create_graph refuses them)
    tensor_backward = False

    @staticmethod
    def forward(ctx, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
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
                arrays.append(t._data)
                if make is None:
                    make = t._make
            else:
                raise TypeError(
                    f"{cls.__name__}: expected Tensor inputs, got {type(t).__name__}")
        if make is None:
            raise TypeError(f"{cls.__name__}: expected at least one Tensor input")
        for i in range(1, len(arrays)):
            a = arrays[i]
            if a is not None and any(a is b for b in arrays[:i]):
                # two inputs holding one array (x * x.detach()): forward gets a view for the
                # second, so what it saves maps back to the right input
                arrays[i] = a.view()
        kept = None
        for v in params.values():
            if isinstance(v, TensorBase):
                kept = [v for v in params.values() if isinstance(v, TensorBase)]
                params = {k: v._data if isinstance(v, TensorBase) else v
                          for k, v in params.items()}
                break
        if _state.enabled:
            needs = tuple([t is not None and t.requires_grad for t in inputs])
            any_grad = True in needs
        else:
            needs = (False,) * len(inputs)
            any_grad = False
        ctx = Context(needs)
        ctx._tensors = cls.tensor_backward
        hooks = _state.hooks
        if hooks:
            for h in tuple(hooks.values()):
                h.forward_pre(cls)
        out = cls.forward(ctx, *arrays, **params)
        single = type(out) is not tuple
        arrs = (out,) if single else out
        n_diff = min(getattr(ctx, "n_differentiable", cls.n_differentiable), len(arrs))
        node = None
        if any_grad:
            nxt = tuple([(t.grad_fn or t) if n else None for t, n in zip(inputs, needs)])
            nxt_nr = tuple([t._output_nr if n else 0 for t, n in zip(inputs, needs)])
            meta = tuple([None if a is None else (a.shape, a.dtype) for a in arrays])
            out_meta = tuple([(a.shape, a.dtype) for a in arrs[:n_diff]])
            node = Node(cls, ctx, nxt, nxt_nr, meta, out_meta)
            if _state.recorder is not None:
                _state.recorder.append(node)
        outs = []
        for k, a in enumerate(arrs):
            if k < n_diff:
                version = base = None
                if cls.view and arrays[0] is not None and a is not arrays[0] \
                        and storage_root(a) is storage_root(arrays[0]):
                    src = inputs[0]
                    version = src._vc
                    base = src._base if src._base is not None else src
                outs.append(make(a, node is not None, node, k, version, base))
            else:
                outs.append(make(a, False, None))
        if node is not None:
            _record_saved(ctx, inputs, arrays, outs, n_diff, node, make, kept or ())
            _guard_attributes(ctx, inputs, kept or ())
            ctx._owner = weakref.ref(node)
        elif ctx._saved:
            ctx._saved = ()  # nothing will run backward: keep nothing alive
        if hooks:
            if node is not None:
                node.scope = _state.scope
            for h in tuple(hooks.values()):
                h.forward_post(cls, ctx, outs[0]._data, node)
        return outs[0] if single else tuple(outs)
