"""Gradient ops that compute only the gradients asked for (batch/group/layer norm, the
losses, SyncBatchNorm): they return one output per needed input, and the backward that called
them puts the outputs back at their inputs' positions."""

__all__ = ["return_needed", "spread"]


def return_needed(ctx, outs):
    """Finish a gradient op's forward: ``outs`` (the needed gradients, in order) are its
    differentiable outputs, and absent gradients of them stay None (no zeros made)."""
    ctx.n_differentiable = len(outs)
    ctx.set_materialize_grads(False)
    return tuple(outs)


def spread(outs, needs):
    """The gradients a gradient op returned (one per needed input, in order) placed at their
    inputs' positions, None elsewhere."""
    it = iter(outs if type(outs) is tuple else (outs,))
    return tuple(next(it) if n else None for n in needs)
