"""torch's entry points into the walk: ``backward`` and ``grad`` (re-exported by
``tinyconv.autograd``; ``Tensor.backward`` calls ``backward``)."""
import numpy as np

from .backward import run_backward
from .function import TensorBase

__all__ = ["backward", "grad"]


def _as_tuple(x, what):
    if isinstance(x, TensorBase):
        return (x,)
    if x is None:
        return None
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(f"{what}: expected a Tensor or a sequence of Tensors, got "
                        f"{type(x).__name__}") from None


def _seeds(outputs, grad_outputs, what, create_graph):
    """One seed Tensor per output: the given gradient (checked) or ones for a scalar."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{what}: got {len(grad_outputs)} gradients for {len(outputs)} "
                           f"outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, TensorBase):
            raise TypeError(f"{what}: output {i} is a {type(out).__name__}, not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has "
                    f"shape {tuple(out.shape)}); pass the gradient with that shape")
            seeds.append(out._make(np.ones(out._data.shape, dtype=out._data.dtype), False,
                                   None))
            continue
        if isinstance(g, TensorBase):
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"{what}: Mismatch in shape: grad_output[{i}] has a shape of "
                    f"{tuple(g.shape)} and output[{i}] has a shape of {tuple(out.shape)}.")
            if g._data.dtype != out._data.dtype:
                g = g.to(out._data.dtype) if create_graph else \
                    out._make(g._data.astype(out._data.dtype), False, None)
            seeds.append(g if create_graph else out._make(g._data, False, None))
        else:
            a = np.asarray(g)
            if a.shape != out._data.shape:
                raise RuntimeError(
                    f"{what}: Mismatch in shape: grad_output[{i}] has a shape of "
                    f"{tuple(a.shape)} and output[{i}] has a shape of {tuple(out.shape)}.")
            seeds.append(out._make(a.astype(out._data.dtype, copy=True), False, None))
    return seeds


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    Args:
        tensors: a Tensor or a sequence of Tensors to differentiate.
        grad_tensors: their gradients (None for scalars).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass, so the gradients can be differentiated again.
        inputs: accumulate only into these tensors' ``.grad`` (default: every leaf).
    """
    outs = _as_tuple(tensors, "backward")
    grads = _as_tuple(grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seeds(outs, grads, "backward", create_graph)
    ins = _as_tuple(inputs, "backward")
    if ins is not None and not ins:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    run_backward(outs, seeds, bool(retain_graph), bool(create_graph), inputs=ins,
                 accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors (leaves or not) to differentiate by.
        grad_outputs: the gradients of ``outputs`` (None for scalars).
        retain_graph: keep the graph (default: ``create_graph``).
        create_graph: record the computation, for higher-order derivatives.
        only_inputs: accepted for torch compatibility (deprecated there, always True).
        allow_unused: return None for inputs the outputs do not depend on (else raise).
        is_grads_batched: ``grad_outputs`` carry a leading batch dimension; the result is
            the stacked gradients (torch vmaps over it; here a loop, without a graph).
        materialize_grads: zeros instead of None for unused inputs (implies allow_unused).

    Returns:
        A tuple with one gradient per input.
    """
    outs = _as_tuple(outputs, "grad")
    ins = _as_tuple(inputs, "grad")
    if not ins:
        raise RuntimeError("grad requires non-empty inputs.")
    for i, t in enumerate(ins):
        if not isinstance(t, TensorBase):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if retain_graph is None:
        retain_graph = create_graph
    gouts = _as_tuple(grad_outputs, "grad")
    if is_grads_batched:
        return _batched(outs, ins, gouts, retain_graph, create_graph, allow_unused,
                        materialize_grads)
    seeds = _seeds(outs, gouts, "grad", create_graph)
    res = run_backward(outs, seeds, bool(retain_graph), bool(create_graph), inputs=ins,
                       accumulate=False)
    return _finish(res, ins, allow_unused, materialize_grads)


def _finish(res, ins, allow_unused, materialize_grads):
    out = []
    for g, t in zip(res, ins):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = t._make(np.zeros(t._data.shape, dtype=t._data.dtype), False, None)
        out.append(g)
    return tuple(out)


def _batched(outs, ins, gouts, retain_graph, create_graph, allow_unused, materialize_grads):
    if gouts is None:
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs")
    n = gouts[0].shape[0]
    per = []
    for b in range(n):
        gb = tuple(g[b] for g in gouts)
        seeds = _seeds(outs, gb, "grad", create_graph)
        res = run_backward(outs, seeds, True if b < n - 1 else bool(retain_graph),
                           bool(create_graph), inputs=ins, accumulate=False)
        per.append(_finish(res, ins, True, True))
    stacked = []
    for i, t in enumerate(ins):
        gs = [p[i] for p in per]
        stacked.append(t._make(np.stack([g._data for g in gs]), False, None))
    return tuple(stacked)
