"""torch's custom autograd Function, on Tensors: ``class Exp(tc.autograd.Function)``.

A subclass defines static ``forward`` and ``backward`` exactly as for torch::

    class Exp(tc.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    y = Exp.apply(x)

``forward`` receives the arguments of ``apply`` as given (Tensors and any Python values,
positional or keyword) and runs under no_grad; ``backward`` receives one gradient per output
and returns one per input (None for non-Tensors and inputs that need none).  Or, torch's newer
style, ``forward(*args)`` without ``ctx`` and ``setup_context(ctx, inputs, output)``.

This module is a thin adapter over the engine: ``apply`` records one engine ``Node`` whose
backward calls the subclass's, the saved tensors are the engine's version-checked records,
and in-place forwards (``mark_dirty``) rebase the graph as the engine's in-place ops do.
Internal ops are ``tinyconv._engine.Op`` subclasses on ndarrays (faster, not this contract).
"""
import functools
import inspect
import warnings

import numpy as np

from .._engine import (Context, TensorBase, custom_node, is_grad_enabled, no_grad,
                       save_tensors)
from .._functions.inplace import rebase_history

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx(Context):
    """The ``ctx`` of a custom Function: what ``forward`` (or ``setup_context``) leaves for
    ``backward``.  Any attribute may be set on it (``ctx.constant = c``).

    Attributes:
        needs_input_grad: per input of ``apply``, whether it is a Tensor that requires grad.
        saved_tensors: the tensors given to ``save_for_backward`` (checked: one modified in
            place since raises torch's "modified by an inplace operation" error).
    """

    _dirty = ()
    _non_differentiable = ()

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for ``backward``, where ``ctx.saved_tensors`` returns them.

        Args:
            *tensors: inputs, outputs or intermediate Tensors of ``forward``, or None.
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, TensorBase):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self._saved = tensors

    def mark_dirty(self, *tensors):
        """Declare the input Tensors ``forward`` modified in place (and returns).

        Args:
            *tensors: the modified inputs.
        """
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that have no gradient (indices, masks): they do not require grad,
        and ``backward`` receives zeros (or None) for them.

        Args:
            *tensors: the outputs.
        """
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """Whether ``backward`` receives zeros (True, the default) or None for outputs that
        got no gradient.

        Args:
            value: the setting.
        """
        self.materialize_grads = bool(value)


def _is(t, group):
    return any(t is g for g in group)


class _Backward:
    """What a custom Function's graph node runs: the subclass's backward, with torch's checks
    on what it returns."""

    category = "custom"
    custom_function = True  # its outputs that alias inputs refuse in-place writes (torch's)

    def __init__(self, cls):
        self.cls = cls
        self.__name__ = cls.__name__
        self.node_name = getattr(cls, "_node_name", None) or cls.__name__ + "Backward"

    def backward(self, ctx, *grads):
        gxs = self.cls.backward(ctx, *grads)
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        inputs = ctx._input_meta
        n = len(inputs)
        if len(gxs) > n and all(g is None for g in gxs[n:]):
            gxs = gxs[:n]
        if len(gxs) != n:
            raise RuntimeError(f"function {self.node_name} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(gxs)})")
        for i, (g, meta) in enumerate(zip(gxs, inputs)):
            if g is None:
                continue
            if not isinstance(g, TensorBase):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if meta is None:
                raise RuntimeError(
                    f"function {self.node_name} returned a gradient different than None at "
                    f"position {i + 1}, but the corresponding forward input was not a Variable")
            if g.shape != meta and not _expandable(meta, g.shape):
                raise RuntimeError(
                    f"Function {self.node_name} returned an invalid gradient at index {i} - "
                    f"got {list(g.shape)} but expected shape compatible with {list(meta)}")
        return gxs


def _expandable(shape, to):
    """Whether ``shape`` broadcasts to ``to`` (a gradient of shape ``to`` sums back)."""
    try:
        return np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


def _alias(t, requires_grad=False, node=None, nr=0):
    """A new Tensor viewing ``t``'s storage (torch returns an input returned as is so)."""
    base = t._base if t._base is not None else t
    return t._make(t._data, requires_grad, node, nr, t._vc, base)


class Function:
    """Base class of custom autograd operations, with torch's contract.

    Subclasses define static ``forward(ctx, *args, **kwargs)`` (or ``forward(*args,
    **kwargs)`` with ``setup_context(ctx, inputs, output)``) and ``backward(ctx,
    *grad_outputs)``, and are called through ``apply``.  ``forward`` works on Tensors with
    tensor operations, under no_grad; ``backward`` returns one gradient per input of
    ``apply`` (None for non-Tensors and inputs needing none; extra trailing Nones are
    allowed) and is itself differentiable (``create_graph``) when written with tensor
    operations, unless decorated with ``once_differentiable``.
    """

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      f"are all static, so you should invoke them on the class itself.",
                      DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method.")

    @staticmethod
    def forward(*args, **kwargs):
        """Compute the outputs from the inputs (Tensors and Python values), under no_grad.

        Args:
            *args: ``ctx`` then the arguments of ``apply`` (without ``ctx`` when the class
                defines ``setup_context``).
            **kwargs: keyword arguments of ``apply``.

        Returns:
            a Tensor, or a tuple of Tensors and other values.
        """
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Fill ``ctx`` from the inputs and the output (the newer style: ``forward`` then
        takes no ``ctx``).

        Args:
            ctx: the context.
            inputs: the arguments of ``apply`` (defaults filled in).
            output: what ``forward`` returned.
        """
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradients of the inputs from the gradients of the outputs.

        Args:
            ctx: the context ``forward`` filled.
            *grad_outputs: one gradient per output of ``forward``.

        Returns:
            one gradient (a Tensor or None) per input of ``apply``.
        """
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and record the operation for backward when an input requires grad.

        Args:
            *args: the inputs: Tensors and any Python values.
            **kwargs: keyword inputs (each counts as one more input for ``backward``).

        Returns:
            what ``forward`` returned, its Tensors connected to the graph.
        """
        setup = cls.setup_context is not Function.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        inputs = args + tuple(kwargs.values())
        needs = tuple([isinstance(a, TensorBase) and a.requires_grad for a in inputs])
        ctx = FunctionCtx(needs)
        with no_grad():
            if setup:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = [out] if single else list(out)
        node = None
        if is_grad_enabled() and True in needs:
            ctx._input_meta = tuple([a._data.shape if isinstance(a, TensorBase) else None
                                     for a in inputs])
            out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, TensorBase) else None
                        for o in outs]
            node = custom_node(_backward_fn(cls), ctx, inputs, out_meta)
        _wrap_outputs(outs, inputs, ctx, node)
        if node is None:
            ctx._saved = ()
        else:
            save_tensors(ctx, node, outs)
        return outs[0] if single else tuple(outs)


def _backward_fn(cls):
    fn = cls.__dict__.get("_backward_fn")
    if fn is None:
        fn = _Backward(cls)
        cls._backward_fn = fn
    return fn


def _wrap_outputs(outs, inputs, ctx, node):
    """Connect the Tensors of ``outs`` (in place in the list) to ``node`` as torch's
    ``_wrap_outputs`` does: differentiable outputs get the node as grad_fn, inputs returned
    as is become aliases (torch's views), dirty inputs are rebased onto the node; without a
    node (nothing recorded) or for non-differentiable outputs, nothing requires grad."""
    dirty, nondiff = ctx._dirty, ctx._non_differentiable
    n_tensors = sum(isinstance(o, TensorBase) for o in outs)
    seen = []
    for k, o in enumerate(outs):
        if not isinstance(o, TensorBase):
            continue
        is_input, is_dirty = _is(o, inputs) or _is(o, seen), _is(o, dirty)
        seen.append(o)
        if node is None or _is(o, nondiff) or o._data.dtype.kind not in "fc":
            if o.requires_grad:
                if is_input:
                    outs[k] = _alias(o)
                elif o._base is None:
                    o.grad_fn, o.requires_grad = None, False
            elif is_input and not is_dirty:
                outs[k] = _alias(o)
        elif is_dirty:
            _rebase_dirty(o, node, k, is_input, n_tensors)
        elif is_input:
            outs[k] = _alias(o, True, node, k)
        else:
            o.grad_fn, o._output_nr, o.requires_grad = node, k, True


def _rebase_dirty(t, node, k, is_input, n_tensors):
    """An input ``forward`` modified in place (``mark_dirty``): its history continues from
    the node (a view's base too, as for the engine's in-place ops)."""
    base = t._base
    if t.requires_grad and t.grad_fn is None:  # a leaf, also one made from a view
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                           "operation.")
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if not is_input:
        warnings.warn("Only input Tensors should be given to ctx.mark_dirty(). If a Tensor is "
                      "not an input, there is no need to pass it to mark_dirty().",
                      stacklevel=4)
    if base is not None and n_tensors > 1:
        raise RuntimeError("If your Function modifies inplace an input that is a view of "
                           "another Tensor, your Function cannot return more than one Tensor. "
                           "Clone the input first, or split the Function in two.")
    t.grad = None
    rebase_history(t, t._make(t._data, True, node, k, t._vc))


class _DelayedError(Function):
    """Identity whose backward raises: what ``once_differentiable`` puts after a backward
    computed without a graph, so that differentiating it again fails loudly."""

    _node_name = "Error"

    @staticmethod
    def forward(ctx, *args):
        return args

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn):
    """Decorate a custom Function's ``backward`` that is not itself differentiable: it runs
    under no_grad, and differentiating its result again (``create_graph``) raises.

    Args:
        fn: the ``backward(ctx, *grad_outputs)`` staticmethod's function.

    Returns:
        the wrapped backward.
    """
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        if not any(isinstance(a, TensorBase) and a.requires_grad for a in args):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)

        def fake_requires_grad(v):
            if v is not None:
                v = v.detach()
                v.requires_grad = True
            return v

        return _DelayedError.apply(*[fake_requires_grad(v) for v in outs])

    return wrapper
