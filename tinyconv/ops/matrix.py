"""einsum as one op: NumPy's einsum forward; each operand's gradient is an einsum of the
output gradient with the other operands (so it differentiates again).

Subscripts arrive canonical (explicit ``->``, no ellipsis: the public function rewrites
them, and broadcasts operands whose ellipsis dims differ).  A letter repeated inside one
operand (a diagonal, ``'ii->i'``) gets its gradient scattered back onto that diagonal; a
letter summed away inside one operand only (``'ij->i'``) gets its gradient broadcast.
"""
import numpy as np

from .._engine import Op
from .shape import Expand, IndexScatter, Reshape


def _unique(s):
    return "".join(dict.fromkeys(s))


class Einsum(Op):
    category = "linear"
    node_name = "EinsumBackward0"  # torch's einsum records its products; one node here
    tensor_backward = True

    @staticmethod
    def forward(ctx, *arrays, subscripts):
        ins, out = subscripts.split("->")
        ctx.ins, ctx.out = ins.split(","), out
        ctx.shapes = [a.shape for a in arrays]
        # operand j is read by the gradients of the others only (torch keeps no value when
        # no other operand needs a gradient, e.g. one-operand sums, diagonals, transposes)
        needs = ctx.needs_input_grad
        ctx.save_for_backward(*(a if any(n for i, n in enumerate(needs) if i != j) else None
                                for j, a in enumerate(arrays)))
        return np.asarray(np.einsum(subscripts, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, gy):
        xs = ctx.saved_tensors
        grads = []
        for i, need in enumerate(ctx.needs_input_grad):
            grads.append(_operand_grad(ctx, xs, gy, i) if need else None)
        return tuple(grads)


def _operand_grad(ctx, xs, gy, i):
    sub = ctx.ins[i]
    shape = ctx.shapes[i]
    letters = _unique(sub)
    size = {c: shape[sub.index(c)] for c in letters}
    others = [s for j, s in enumerate(ctx.ins) if j != i]
    avail = set(ctx.out).union(*others) if others else set(ctx.out)
    kept = "".join(c for c in letters if c in avail)
    operands = [gy] + [x for j, x in enumerate(xs) if j != i]
    g = Einsum.apply(*operands, subscripts=",".join([ctx.out] + others) + "->" + kept)
    if kept != letters:  # letters summed inside this operand only: broadcast back
        g = Reshape.apply(g, shape=tuple(size[c] if c in kept else 1 for c in letters))
        g = Expand.apply(g, shape=tuple(size[c] for c in letters))
    if letters != sub:  # repeated letters: the gradient lives on the diagonal
        grids = np.ix_(*[np.arange(size[c]) for c in letters])
        index = tuple(grids[letters.index(c)] for c in sub)
        g = IndexScatter.apply(g, shape=shape, index=index)
    return g
