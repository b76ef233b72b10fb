"""The backward walk: iterative, in topological order (Kahn's algorithm).

Graph depth is limited only by memory.  Gradients reaching a node from several consumers are
summed before it runs; a leaf used several times gets one summed accumulation into ``.grad``
(and its post-accumulate hooks run once), as torch's AccumulateGrad does.
"""
import numpy as np

from .function import Node
from .state import _state

__all__ = ["backward"]


def _reduce_to(g, shape, dtype):
    """Sum a broadcast gradient back to ``shape`` and cast it to ``dtype``."""
    if g.shape != shape:
        extra = g.ndim - len(shape)
        if extra < 0:
            raise RuntimeError(
                f"autograd: gradient of shape {g.shape} cannot be reduced to input shape {shape}")
        axes = tuple(range(extra)) + tuple(
            i + extra for i, s in enumerate(shape) if s == 1 and g.shape[i + extra] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if extra:
            g = g.reshape(g.shape[extra:])
        if g.shape != shape:
            raise RuntimeError(
                f"autograd: gradient of shape {g.shape} does not match input shape {shape}")
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _accumulate_leaf(t, g, owned):
    """Add ``g`` into leaf ``t.grad``; ``owned`` says g may be kept without a copy."""
    if t.grad is None:
        t.grad = t._make(g if owned else g.copy(), False, None)
    else:
        t.grad.data += g
    hooks = t._hooks
    if hooks:
        for h in list(hooks.values()):
            h(t)


def _store_retained(t, gy):
    if t.grad is None:
        t.grad = t._make(np.array(gy, dtype=t.dtype, copy=True), False, None)
    else:
        t.grad.data += gy


def _dependencies(start):
    """Consumer counts of the nodes reachable from ``start`` and of the leaves (by id)."""
    deps = {start: 0}
    leaf_deps = {}
    stack = [start]
    while stack:
        node = stack.pop()
        for nxt in node.next:
            if nxt is None:
                continue
            if type(nxt) is not Node:
                k = id(nxt)
                leaf_deps[k] = leaf_deps.get(k, 0) + 1
            elif nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    return deps, leaf_deps


def _add(store, key, g, owned):
    """Sum ``g`` into ``store[key]`` = (gradient, owned by the engine)."""
    prev = store.get(key)
    if prev is None or prev[0] is None:
        store[key] = (g, owned)
    elif g is not None:
        if prev[1]:
            prev[0].__iadd__(g)
        else:
            store[key] = (prev[0] + g, True)


def _run_node(node, gy, retain_graph, hooks):
    ctx = node.ctx
    if node.retained is not None:
        t = node.retained()
        if t is not None:
            _store_retained(t, gy)
    if hooks:
        for h in tuple(hooks.values()):
            h.backward_pre(node, gy)
    gxs = node.fn.backward(ctx, gy)
    saved = ctx._saved
    if not retain_graph:
        ctx._free()
    if type(gxs) is not tuple:
        gxs = (gxs,)
    if len(gxs) != len(node.next):
        raise RuntimeError(
            f"{node.name()}: backward returned {len(gxs)} gradients for "
            f"{len(node.next)} inputs")
    if hooks:
        for h in tuple(hooks.values()):
            h.backward_post(node, gy, gxs)
    return gxs, saved


def backward(root, gradient, retain_graph=False):
    """Backpropagate ``gradient`` through the graph that produced ``root``.

    ``Tensor.backward`` calls this after checking its arguments; the walk is iterative (deep
    graphs do not hit the recursion limit), sums gradients arriving by several paths, and
    accumulates into the leaves' ``.grad``.

    Args:
        root: the Tensor to differentiate.
        gradient: an ndarray of ``root``'s shape (1.0 for a scalar loss).
        retain_graph: keep the saved arrays so the graph can be walked again.
    """
    start = root.grad_fn
    if start is None:
        # a leaf that requires grad: its gradient is the seed itself
        _accumulate_leaf(root, gradient.astype(root.dtype, copy=True), True)
        return
    hooks = _state.hooks
    deps, leaf_deps = _dependencies(start)
    leaf_grads = {}  # id(leaf) -> (summed gradient, owned)
    grads = {start: (gradient, True)}  # node -> (summed gradient, owned by the engine)
    ready = [start]
    while ready:
        node = ready.pop()
        gy, _ = grads.pop(node)
        if gy is None:
            # no gradient reached this node (every consumer returned None): pass nothing on
            gxs, saved = (None,) * len(node.next), ()
        else:
            gxs, saved = _run_node(node, gy, retain_graph, hooks)
        handed = []
        for nxt, g, meta in zip(node.next, gxs, node.meta):
            if nxt is None:
                continue
            owned = False
            if g is not None:
                if type(g) is not np.ndarray:
                    g = np.asarray(g)
                r = _reduce_to(g, *meta)
                if r is not g:
                    owned = True  # a new array made by the reduction or the cast
                else:
                    # a fresh array from backward (not gy, not a view, not a saved buffer,
                    # not handed to another input) can be kept without a copy
                    owned = (g is not gy and g.base is None and g.flags.writeable
                             and not any(g is h for h in handed)
                             and not any(g is a for a in saved))
                g = r
                handed.append(g)
            if type(nxt) is Node:
                _add(grads, nxt, g, owned)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    ready.append(nxt)
            else:
                k = id(nxt)
                if g is not None:
                    _add(leaf_grads, k, g, owned)
                leaf_deps[k] -= 1
                if leaf_deps[k] == 0:
                    done = leaf_grads.pop(k, None)
                    if done is not None:
                        _accumulate_leaf(nxt, done[0], done[1])
    del grads
