"""The backward walk: iterative, in topological order (Kahn's algorithm).

Graph depth is limited only by memory.  Gradients reaching a node's output from several
consumers are summed before the node runs; a leaf used several times gets one summed
accumulation into ``.grad`` (and its post-accumulate hooks run once), as torch's
AccumulateGrad does.

Gradients travel as Tensors.  Without ``create_graph`` the walk runs every backward under
no_grad and sums with in-place array arithmetic where it owns the array; with it, under grad
mode, so the gradients are graph tensors that can be differentiated again (sums, reductions
and casts then go through the tensors' own differentiable methods).
"""
import numpy as np

from .function import Node, Op
from .state import _state, set_grad_enabled

__all__ = ["run_backward", "graph_counts"]


def _reduce(g, shape, dtype, create_graph):
    """Sum a broadcast gradient back to ``shape`` and cast it to ``dtype``; (g, is_new)."""
    a = g._data
    if a.shape != shape:
        extra = a.ndim - len(shape)
        if extra < 0:
            raise RuntimeError(
                f"autograd: gradient of shape {a.shape} cannot be reduced to input shape {shape}")
        axes = tuple(range(extra)) + tuple(
            i + extra for i, s in enumerate(shape) if s == 1 and a.shape[i + extra] != 1)
        if create_graph:
            if axes:
                g = g.sum(dim=axes, keepdim=True)
            if extra:
                g = g.reshape(g.shape[extra:])
        else:
            if axes:
                a = a.sum(axis=axes, keepdims=True)
            if extra:
                a = a.reshape(a.shape[extra:])
            g = g._make(a, False, None)
        if g.shape != shape:
            raise RuntimeError(
                f"autograd: gradient of shape {g.shape} does not match input shape {shape}")
        if g._data.dtype != dtype:
            g = g.to(dtype) if create_graph else g._make(g._data.astype(dtype), False, None)
        return g, True
    if a.dtype != dtype:
        if create_graph:
            return g.to(dtype), True
        return g._make(a.astype(dtype), False, None), True
    return g, False


class _Sums:
    """Gradients being summed, keyed by a node output or a leaf; each (tensor, owned)."""

    __slots__ = ("store", "create_graph")

    def __init__(self, create_graph):
        self.store = {}
        self.create_graph = create_graph

    def add(self, key, g, owned):
        prev = self.store.get(key)
        if prev is None:
            self.store[key] = (g, owned)
        elif self.create_graph:
            self.store[key] = (prev[0] + g, True)
        elif prev[1]:
            prev[0]._data += g._data
        else:
            self.store[key] = (prev[0]._make(prev[0]._data + g._data, False, None), True)

    def pop(self, key):
        return self.store.pop(key, (None, False))


def _accumulate_leaf(t, g, owned, create_graph):
    """Add ``g`` into leaf ``t.grad`` and run its post-accumulate hooks."""
    if t.grad is None:
        if create_graph:
            t.grad = g
        else:
            t.grad = g if owned else g._make(g._data.copy(), False, None)
    elif create_graph or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad._data += g._data
    hooks = t._hooks
    if hooks:
        for h in list(hooks.values()):
            h(t)


def _run_hooks(hooks, g):
    for h in list(hooks.values()):
        r = h(g)
        if r is not None:
            g = r
    return g


def _run_node_hooks(hooks, grads, what, n, extra):
    """A node's pre-hooks (``hook(grad_outputs)``) or post-hooks (``hook(grad_inputs,
    grad_outputs)``, ``extra`` being the grad_outputs), each able to replace the gradients."""
    grads = tuple(grads)
    for h in list(hooks.values()):
        r = h(grads, tuple(extra)) if what == "hook" else h(grads)
        if r is None:
            continue
        if not isinstance(r, (tuple, list)) or len(r) != n:
            raise RuntimeError(f"a node {what} must return None or a tuple of {n} gradients, "
                               f"got {type(r).__name__}"
                               f"{'' if not isinstance(r, (tuple, list)) else f' of {len(r)}'}")
        grads = tuple(r)
    return list(grads)


def graph_counts(roots):
    """(deps, leaf_deps): how many consumers each node reachable from ``roots`` has, and
    each leaf (keyed by ``id``) they reach."""
    deps = {}
    leaf_deps = {}
    stack = []
    for node in roots:
        if node not in deps:
            deps[node] = 0
            stack.append(node)
    while stack:
        node = stack.pop()
        for nxt in node.next:
            if nxt is None:
                continue
            if type(nxt) is not Node:
                leaf_deps[id(nxt)] = leaf_deps.get(id(nxt), 0) + 1
            elif nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    return deps, leaf_deps


def _needed(deps, targets_node, targets_leaf):
    """Nodes whose backward leads to a target (the others are skipped)."""
    order = []  # reverse topological order: a node after every node it feeds
    counts = dict(deps)
    ready = [n for n, c in counts.items() if c == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for nxt in node.next:
            if type(nxt) is Node:
                counts[nxt] -= 1
                if counts[nxt] == 0:
                    ready.append(nxt)
    needed = set()
    target_nodes = {n for n, _ in targets_node}
    for node in reversed(order):
        if node in target_nodes or any(
                (type(x) is Node and x in needed) or (x is not None and type(x) is not Node
                                                      and id(x) in targets_leaf)
                for x in node.next):
            needed.add(node)
    return needed


def _wanted(node, needed, targets_leaf):
    """An op's ``needs_input_grad`` narrowed to the inputs whose edge leads to a target of
    ``grad(outputs, inputs)`` (torch's ``should_compute_output``): a gradient penalty's
    ``grad(score, x)`` then computes no weight gradient.  None when nothing narrows, or for
    a custom Function, whose ``needs_input_grad`` stays the forward's as in torch."""
    fn = node.fn
    if needed is None or not (isinstance(fn, type) and issubclass(fn, Op)):
        return None
    old = node.ctx.needs_input_grad
    new = tuple([n and ((type(x) is Node and x in needed)
                        or (x is not None and type(x) is not Node and id(x) in targets_leaf))
                 for n, x in zip(old, node.next)])
    return None if new == old else new


def _call(node, grads, retain_graph, create_graph, hooks, wanted=None):
    """Run one node's backward on its output gradients; the per-input gradients as Tensors.
    ``wanted`` (from ``_wanted``) replaces ``ctx.needs_input_grad`` while backward runs."""
    ctx = node.ctx
    if hooks:
        for h in tuple(hooks.values()):
            h.backward_pre(node, grads)
    make = None
    for g in grads:
        if g is not None:
            make = g._make
            break
    gys = list(grads)
    for k, g in enumerate(gys):
        if g is None and ctx.materialize_grads and node.out_meta[k] is not None:
            shape, dtype = node.out_meta[k]
            gys[k] = make(np.zeros(shape, dtype=dtype), False, None)
    ctx._check_guards()
    if wanted is not None:
        forward_needs, ctx.needs_input_grad = ctx.needs_input_grad, wanted
    try:
        if ctx._tensors:
            _state.backward_depth += 1
            try:
                with set_grad_enabled(create_graph):
                    gxs = node.fn.backward(ctx, *gys)
            finally:
                _state.backward_depth -= 1
        else:
            if create_graph:
                raise RuntimeError(
                    f"{node.name()}: this op's backward is not differentiable yet "
                    "(create_graph)")
            gxs = node.fn.backward(ctx, *[None if g is None else g._data for g in gys])
    finally:
        if wanted is not None:
            ctx.needs_input_grad = forward_needs
    if type(gxs) is not tuple:
        gxs = (gxs,)
    if len(gxs) != len(node.next):
        raise RuntimeError(
            f"{node.name()}: backward returned {len(gxs)} gradients for "
            f"{len(node.next)} inputs")
    if not ctx._tensors:
        gxs = tuple(None if g is None else make(np.asarray(g), False, None) for g in gxs)
    if hooks:
        for h in tuple(hooks.values()):
            h.backward_post(node, grads, gxs)
    saved = () if create_graph else _saved_arrays(ctx)
    if not retain_graph:
        ctx._free()
    return gxs, saved


def _saved_arrays(ctx):
    recs = ctx._records
    if not recs:
        return ctx._saved
    return tuple(r.tensor._data if r.tensor is not None else r.array for r in recs
                 if r is not None)


def run_backward(roots, seeds, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True):
    """Backpropagate ``seeds`` (Tensors shaped like ``roots``) through the roots' graph.

    Args:
        roots, seeds: the tensors to differentiate and their output gradients.
        retain_graph: keep saved values so backward can run through the graph again.
        create_graph: record the backward pass, for higher-order derivatives.
        inputs: None to accumulate into every leaf reached; else the tensors to compute
            gradients for (leaves or not).
        accumulate: with ``inputs``, add into their ``.grad`` (``backward(inputs=...)``) or
            return the gradients (``autograd.grad``).

    Returns:
        With ``inputs`` and not ``accumulate``: a list of gradients (None where none flowed).
    """
    hooks = _state.hooks
    targets_node, targets_leaf = {}, {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            if t.grad_fn is None:
                targets_leaf.setdefault(id(t), []).append(i)
            else:
                targets_node.setdefault((t.grad_fn, t._output_nr), []).append(i)
    captured = [None] * (0 if inputs is None else len(inputs))
    node_grads = _Sums(create_graph)  # (node, nr) -> gradient
    leaf_grads = _Sums(create_graph)  # id(leaf) -> gradient
    leaves = {}
    root_nodes = []
    for r, s in zip(roots, seeds):
        if r.grad_fn is None:
            leaves[id(r)] = r
            leaf_grads.add(id(r), s, False)
        else:
            node_grads.add((r.grad_fn, r._output_nr), s, False)
            root_nodes.append(r.grad_fn)
    deps, leaf_deps = graph_counts(root_nodes)
    needed = None if inputs is None else _needed(deps, targets_node, targets_leaf)

    def finish_leaf(t, k):
        g, owned = leaf_grads.pop(k)
        if g is None:
            return
        if t._grad_hooks:
            g2 = _run_hooks(t._grad_hooks, g)
            owned, g = owned and g2 is g, g2
        if inputs is not None:
            idx = targets_leaf.get(k)
            if idx is None:
                return
            if not accumulate:
                for i in idx:
                    captured[i] = g if create_graph or owned else g._make(g._data.copy(),
                                                                           False, None)
                return
        _accumulate_leaf(t, g, owned, create_graph)

    for r in roots:  # a leaf given as a root (and not reached through the graph)
        if r.grad_fn is None and id(r) not in leaf_deps:
            finish_leaf(r, id(r))

    ready = [n for n in root_nodes if deps[n] == 0]
    seen_ready = set(ready)
    ready = list(seen_ready)
    while ready:
        node = ready.pop()
        n_out = len(node.out_meta)
        grads = [None] * n_out
        for k in range(n_out):
            g, _ = node_grads.pop((node, k))
            if g is not None and node.tensor_hooks and node.tensor_hooks.get(k):
                g = _run_hooks(node.tensor_hooks[k], g)
            if g is not None and node.retained is not None:
                ref = node.retained.get(k)
                t = ref() if ref is not None else None
                if t is not None:
                    t.grad = g if create_graph else g._make(g._data.copy(), False, None)
            idx = targets_node.get((node, k))
            if idx is not None and g is not None:
                for i in idx:
                    captured[i] = g
            grads[k] = g
        if node.pre_hooks and (needed is None or node in needed):
            grads = _run_node_hooks(node.pre_hooks, grads, "pre-hook", len(grads), ())
        called = not (all(g is None for g in grads) or (needed is not None
                                                        and node not in needed))
        if called:
            gxs, saved = _call(node, grads, retain_graph, create_graph, hooks,
                               _wanted(node, needed, targets_leaf))
        else:
            gxs, saved = (None,) * len(node.next), ()
        handed = []
        incoming = [g._data for g in grads if g is not None]
        reduced = []
        for nxt, g, meta in zip(node.next, gxs, node.meta):
            owned = False
            if nxt is not None and g is not None:
                g, fresh = _reduce(g, meta[0], meta[1], create_graph)
                if not create_graph:
                    a = g._data
                    # a fresh array from backward (not an incoming gradient, not a view, not a
                    # saved buffer, not handed to another input) can be kept without a copy
                    owned = fresh or (a.base is None and a.flags.writeable
                                      and not any(a is b for b in incoming)
                                      and not any(a is b for b in handed)
                                      and not any(a is b for b in saved))
                    handed.append(a)
            reduced.append((g, owned))
        if node.post_hooks and called:
            new = _run_node_hooks(node.post_hooks, tuple(g for g, _ in reduced), "hook",
                                  len(reduced), grads)
            reduced = [(g, owned and g is old) for g, (old, owned) in zip(new, reduced)]
        for nxt, nr, (g, owned) in zip(node.next, node.next_nr, reduced):
            if nxt is None:
                continue
            if type(nxt) is Node:
                if g is not None:
                    node_grads.add((nxt, nr), g, owned)
                deps[nxt] -= 1
                if deps[nxt] == 0 and nxt not in seen_ready:
                    seen_ready.add(nxt)
                    ready.append(nxt)
            else:
                k = id(nxt)
                if g is not None:
                    leaf_grads.add(k, g, owned)
                leaf_deps[k] -= 1
                if leaf_deps[k] == 0:
                    finish_leaf(nxt, k)
    return captured
