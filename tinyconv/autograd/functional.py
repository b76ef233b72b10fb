"""``tinyconv.autograd.functional``: derivatives of whole functions, with torch's signatures.

``vjp``, ``jvp``, ``vhp``, ``hvp``, ``jacobian`` and ``hessian`` take a function of Tensors and
the point to differentiate at.  All of them are built on ``autograd.grad``:

- a vector-Jacobian product is one backward pass;
- a Jacobian-vector product is two (the double-vjp trick): ``u -> J^T u`` is linear in ``u``,
  so differentiating ``<J^T u, v>`` by ``u`` gives ``J v``;
- a Hessian-vector product differentiates the gradient (``create_graph=True``) once more;
- ``jacobian`` and ``hessian`` stack one vector-Jacobian product per output element.

As in torch, ``inputs`` (a Tensor or a tuple of Tensors) are differentiated at a detached
copy, so the caller's graph is untouched unless ``create_graph=True``; results mirror the
structure of ``inputs`` and of ``func``'s outputs (a Tensor for a Tensor, a tuple for a
tuple).  ``strict=True`` raises where an output does not depend on an input; otherwise such
derivatives are zeros.
"""
import numpy as np

from .._engine import TensorBase, enable_grad
from .._engine import grad as _grad
from .._functions.shape import reshape, stack

__all__ = ["vjp", "jvp", "vhp", "hvp", "jacobian", "hessian"]


def _as_tuple(x, arg, fn):
    """``(tuple_of_tensors, was_tuple)``, checking that every element is a Tensor."""
    was_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if was_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, TensorBase):
            where = f"{arg}[{i}]" if was_tuple else arg
            raise TypeError(f"{fn}: the {where} given to {fn} must be a Tensor or a tuple of "
                            f"Tensors, got {type(t).__name__}")
    return items, was_tuple


def _prepare(inputs, create_graph):
    """The point to differentiate at: tensors that require grad, detached from the caller's
    graph unless ``create_graph`` (then a view keeps the link, as torch does)."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _zeros_like(t):
    return t._make(np.zeros(t._data.shape, dtype=t._data.dtype), False, None)


def _finish(grads, like, create_graph):
    """None (unused) as zeros, and detached results unless ``create_graph``."""
    res = []
    for g, t in zip(grads, like):
        if g is None:
            g = _zeros_like(t)
        elif not create_graph:
            g = g.detach()
        res.append(g)
    return tuple(res)


def _check_v(v, like, arg, fn):
    """``v`` as a tuple matching ``like`` in number and shapes; ``None`` only for a single
    one-element tensor (then ones)."""
    if v is None:
        if len(like) != 1 or like[0]._data.size != 1:
            shapes = [tuple(t.shape) for t in like]
            raise RuntimeError(f"{fn}: the vector v can only be None if the {arg} is a single "
                               f"Tensor with a single element; got shapes {shapes}")
        return (like[0]._make(np.ones(like[0]._data.shape, dtype=like[0]._data.dtype), False,
                              None),)
    vs, _ = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v has {len(vs)} Tensors but the {arg} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{fn}: the shape of v[{i}] {tuple(a.shape)} does not match the "
                               f"shape of the {arg} {tuple(b.shape)}")
    return vs


def _grad_of(outputs, inputs, grad_outputs, create_graph, strict, fn, what):
    """``autograd.grad`` that tolerates outputs without a graph (zeros, or an error with
    ``strict``)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        if strict:
            raise RuntimeError(f"{fn}: the output of the user-provided function does not "
                               f"require gradients ({what}); it is independent of the inputs "
                               f"(strict=True)")
        return (None,) * len(inputs)
    grads = _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                  create_graph=create_graph, allow_unused=True)
    if strict:
        for i, g in enumerate(grads):
            if g is None:
                raise RuntimeError(f"{fn}: the output of the user-provided function is "
                                   f"independent of input {i} ({what}); this is not allowed "
                                   f"in strict mode")
    return grads


def _call(func, inputs, fn):
    outs = func(*inputs)
    out_t, was_tuple = _as_tuple(outs, "output", fn)
    return out_t, was_tuple


def _shape(items, was_tuple):
    return items if was_tuple else items[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        v: the vector(s), shaped like ``func``'s outputs (may be None for a one-element
            output).
        create_graph: make the results differentiable (a graph through ``inputs``).
        strict: raise where an output does not depend on an input (else zeros).

    Returns:
        ``(func_output, vjp)``, ``vjp`` shaped like ``inputs``.
    """
    ins, in_tuple = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        x = _prepare(ins, create_graph)
        outs, out_tuple = _call(func, x, "vjp")
        vs = _check_v(v, outs, "output of the function", "vjp")
        grads = _grad_of(outs, x, vs, create_graph, strict, "vjp", "vjp")
    outs = _finish(outs, outs, create_graph)
    return _shape(outs, out_tuple), _shape(_finish(grads, x, create_graph), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (two backward passes).

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        v: the vector(s), shaped like ``inputs`` (may be None for a one-element input).
        create_graph: make the results differentiable (a graph through ``inputs``).
        strict: raise where an output does not depend on an input (else zeros).

    Returns:
        ``(func_output, jvp)``, ``jvp`` shaped like ``func``'s output.
    """
    ins, in_tuple = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, ins, "input", "jvp")
    with enable_grad():
        x = _prepare(ins, create_graph)
        outs, out_tuple = _call(func, x, "jvp")
        # u -> J^T u is linear in u: its derivative along v is J v
        us = tuple(_zeros_like(o).requires_grad_(True) for o in outs)
        gx = _grad_of(outs, x, us, True, strict, "jvp", "jvp")
        live = [(g, vv) for g, vv in zip(gx, vs) if g is not None and g.requires_grad]
        if live:
            jv = _grad([g for g, _ in live], us, [vv for _, vv in live], retain_graph=True,
                       create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
    if strict:
        for i, (g, o) in enumerate(zip(jv, outs)):
            if g is None and o.requires_grad:
                raise RuntimeError(f"jvp: output {i} of the user-provided function is "
                                   f"independent of the inputs; not allowed in strict mode")
    outs_f = _finish(outs, outs, create_graph)
    return _shape(outs_f, out_tuple), _shape(_finish(jv, outs, create_graph), out_tuple)


def _scalar_output(func, x, fn):
    outs, out_tuple = _call(func, x, fn)
    if out_tuple or outs[0]._data.size != 1:
        shape = tuple(outs[0].shape) if not out_tuple else f"a tuple of {len(outs)}"
        raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor "
                           f"with a single element, got {shape}")
    return outs[0]


def _second(func, inputs, v, create_graph, strict, fn):
    """(output, gradient, v·gradient's derivative) for vhp/hvp (symmetric Hessian: equal)."""
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    vs = _check_v(v, ins, "input", fn)
    with enable_grad():
        x = _prepare(ins, create_graph)
        out = _scalar_output(func, x, fn)
        one = out._make(np.ones(out._data.shape, dtype=out._data.dtype), False, None)
        gx = _grad_of((out,), x, (one,), True, strict, fn, "the gradient")
        live = [(g, vv) for g, vv in zip(gx, vs) if g is not None and g.requires_grad]
        if strict and len(live) < len(gx):
            raise RuntimeError(f"{fn}: the gradient of the function is independent of an "
                               f"input; not allowed in strict mode")
        hv = _grad([g for g, _ in live], x, [vv for _, vv in live], retain_graph=True,
                   create_graph=create_graph, allow_unused=True) if live else (None,) * len(x)
    return (_finish((out,), (out,), create_graph)[0],
            _shape(_finish(hv, x, create_graph), in_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Hessian product ``v^T H`` of a scalar function at ``inputs``.

    Args:
        func: a function of Tensors returning a one-element Tensor.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        v: the vector(s), shaped like ``inputs`` (may be None for a one-element input).
        create_graph: make the results differentiable.
        strict: raise where the gradient does not depend on an input (else zeros).

    Returns:
        ``(func_output, vhp)``, ``vhp`` shaped like ``inputs``.
    """
    return _second(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Hessian-vector product ``H v`` of a scalar function at ``inputs`` (the Hessian of
    a twice-differentiable function is symmetric, so this equals ``vhp``).

    Args:
        func: a function of Tensors returning a one-element Tensor.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        v: the vector(s), shaped like ``inputs`` (may be None for a one-element input).
        create_graph: make the results differentiable.
        strict: raise where the gradient does not depend on an input (else zeros).

    Returns:
        ``(func_output, hvp)``, ``hvp`` shaped like ``inputs``.
    """
    return _second(func, inputs, v, create_graph, strict, "hvp")


def _rows(outs, x, create_graph, strict, fn):
    """Per output, per input: the Jacobian block ``out.shape + in.shape``, one backward pass
    per output element."""
    blocks = []
    for i, o in enumerate(outs):
        n = o._data.size
        per_in = [np.zeros((n,) + t._data.shape, dtype=t._data.dtype) for t in x]
        graph_rows = [[] for _ in x]
        for k in range(n):
            seed = np.zeros(n, dtype=o._data.dtype)
            seed[k] = 1
            g = o._make(seed.reshape(o._data.shape), False, None)
            gs = _grad_of((o,), x, (g,), create_graph, strict, fn, f"output {i}")
            for j, gj in enumerate(gs):
                if create_graph:
                    graph_rows[j].append(gj if gj is not None else _zeros_like(x[j]))
                elif gj is not None:
                    per_in[j][k] = gj._data
        row = []
        for j, t in enumerate(x):
            shape = o._data.shape + t._data.shape
            if create_graph:
                row.append(reshape(stack(graph_rows[j]), shape) if n else
                           t._make(per_in[j].reshape(shape), False, None))
            else:
                row.append(t._make(per_in[j].reshape(shape), False, None))
        blocks.append(tuple(row))
    return blocks


def _nest(blocks, out_tuple, in_tuple):
    if out_tuple and in_tuple:
        return tuple(blocks)
    if out_tuple:
        return tuple(b[0] for b in blocks)
    if in_tuple:
        return blocks[0]
    return blocks[0][0]


def _strategy(strategy, vectorize, fn, arg):
    if strategy not in ("reverse-mode", "forward-mode"):
        # torch raises AssertionError here (an assert); the same type, raised explicitly
        raise AssertionError(f'{fn}: expected {arg} to be either "forward-mode" or '
                             f'"reverse-mode", got {strategy!r}')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f'{fn}: `{arg}="forward-mode"` is only implemented for '
                                  f'vectorize=True (as in torch)')


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for each output and input, a Tensor of shape
    ``output.shape + input.shape``.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        create_graph: make the Jacobian differentiable.
        strict: raise where an output does not depend on an input (else zeros).
        vectorize: accepted for torch's signature (the rows are computed one by one; the
            result is the same).
        strategy: ``"reverse-mode"`` or ``"forward-mode"`` (the latter needs
            ``vectorize=True``, as torch; both are computed by reverse mode here, with the
            same result).

    Returns:
        A Tensor when ``inputs`` and the output are single Tensors; a tuple over the inputs
        (or over the outputs); a tuple of tuples ``[output][input]`` when both are tuples.
    """
    _strategy(strategy, vectorize, "jacobian", "strategy")
    ins, in_tuple = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        x = _prepare(ins, create_graph)
        outs, out_tuple = _call(func, x, "jacobian")
        blocks = _rows(outs, x, create_graph, strict, "jacobian")
    return _nest(blocks, out_tuple, in_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function at ``inputs``: for each pair of inputs, a Tensor of
    shape ``input_i.shape + input_j.shape``.

    Args:
        func: a function of Tensors returning a one-element Tensor.
        inputs: a Tensor or a tuple of Tensors, ``func``'s arguments.
        create_graph: make the Hessian differentiable.
        strict: raise where the gradient does not depend on an input (else zeros).
        vectorize: accepted for torch's signature (same result).
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"`` (needs
            ``vectorize=True``, as torch).

    Returns:
        A Tensor for a single input; a tuple of tuples ``[i][j]`` for a tuple of inputs.
    """
    _strategy(outer_jacobian_strategy, vectorize, "hessian", "outer_jacobian_strategy")
    ins, in_tuple = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = _scalar_output(func, xs, "hessian")
        one = out._make(np.ones(out._data.shape, dtype=out._data.dtype), False, None)
        gs = _grad_of((out,), xs, (one,), True, strict, "hessian", "the gradient")
        return tuple(g if g is not None else _zeros_like(t) for g, t in zip(gs, xs))

    res = jacobian(gradient, ins, create_graph=create_graph, strict=strict)  # [i][j]
    return res if in_tuple else res[0][0]
