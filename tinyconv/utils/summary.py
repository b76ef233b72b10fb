"""``summary(model, input_shape)``: per-layer output shapes, parameter counts and FLOPs.

FLOPs count multiply-adds as two operations, per forward pass of the whole batch:
convolution ``2 * N * OH * OW * F * (C / groups) * KH * KW`` (+ ``N * F * OH * OW`` for the bias),
linear ``2 * N * in * out`` (+ ``N * out``), batch norm ``2`` per element (normalise + affine,
with the statistics folded), ReLU-like activations ``1`` per element, pooling one per window
element read. Layers not listed count zero.
"""
import numpy as np

from .. import autograd
from ..tensor import Tensor

__all__ = ["summary", "ModelSummary"]


def _numel(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _flops(module, inputs, output):
    """FLOPs of one call of a leaf module (see the module docstring)."""
    kind = type(module).__name__
    out_shape = output.shape if isinstance(output, Tensor) else ()
    n_out = _numel(out_shape)
    if kind in ("Conv2d", "ConvTranspose2d"):
        kh, kw = _pair(module.kernel_size)
        groups = getattr(module, "groups", 1)
        if kind == "Conv2d":
            per_out = (module.in_channels // groups) * kh * kw
            flops = 2 * n_out * per_out
        else:  # every input element is scattered over F/groups * KH * KW outputs
            n_in = _numel(inputs[0].shape)
            flops = 2 * n_in * (module.out_channels // groups) * kh * kw
        return flops + (n_out if getattr(module, "bias", None) is not None else 0)
    if kind == "Linear":
        flops = 2 * n_out * module.in_features
        return flops + (n_out if getattr(module, "bias", None) is not None else 0)
    if kind in ("BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm"):
        return 2 * n_out
    if kind in ("ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh"):
        return n_out
    if kind in ("MaxPool2d", "AvgPool2d"):
        kh, kw = _pair(module.kernel_size)
        return n_out * kh * kw
    if kind == "AdaptiveAvgPool2d":
        return _numel(inputs[0].shape)
    return 0


class ModelSummary:
    """The table built by ``summary``.

    Attributes:
        rows (list[dict]): one per leaf-module call: ``name``, ``type``, ``output_shape``,
            ``params`` (the module's own parameters), ``flops``.
        total_params (int): all parameters.
        trainable_params (int): parameters that require grad.
        total_flops (int): forward FLOPs, summed over the rows.
        input_shape (tuple): the full input shape used, batch included.
    """

    def __init__(self, rows, total_params, trainable_params, input_shape):
        self.rows = rows
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.total_flops = sum(r["flops"] for r in rows)
        self.input_shape = input_shape

    def __str__(self):
        head = ("Layer (type)", "Output Shape", "Param #", "FLOPs")
        body = [(f"{r['name']} ({r['type']})", str(tuple(r["output_shape"])),
                 f"{r['params']:,}", f"{r['flops']:,}") for r in self.rows]
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
                  for i, h in enumerate(head)]
        line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                         for i, (h, w) in enumerate(zip(head, widths)))
        rule = "-" * len(line)
        out = [rule, line, "=" * len(line)]
        for b in body:
            out.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                                 for i, (v, w) in enumerate(zip(b, widths))))
        out += ["=" * len(line),
                f"Input shape: {tuple(self.input_shape)}",
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                f"Total FLOPs (forward): {self.total_flops:,}",
                rule]
        return "\n".join(out)

    __repr__ = __str__


def summary(model, input_shape, batch_size=1, dtype=None, verbose=True):
    """Run one forward pass and tabulate every leaf layer.

    The model runs in eval mode under ``no_grad`` on zeros (its training flags are restored
    afterwards), with forward hooks on all modules that have no children.

    Args:
        model (nn.Module): the network.
        input_shape (tuple): one sample's shape, batch dimension excluded (e.g. ``(1, 28, 28)``).
        batch_size (int): batch dimension prepended to ``input_shape``.
        dtype: input dtype (default: the dtype of the model's first parameter, else float32).
        verbose (bool): print the table.
    Returns:
        ModelSummary: ``str()`` gives the table; ``rows``/``total_params``/``total_flops`` the data.
    """
    shape = (int(batch_size),) + tuple(int(s) for s in input_shape)
    params = list(model.parameters())
    if dtype is None:
        dtype = params[0].dtype if params else np.float32
    rows, handles = [], []
    names = {id(m): n for n, m in model.named_modules()}

    def hook(module, inputs, output):
        out = output[0] if isinstance(output, (tuple, list)) else output
        own = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append({"name": names.get(id(module), "") or type(module).__name__,
                     "type": type(module).__name__,
                     "output_shape": tuple(out.shape) if isinstance(out, Tensor) else (),
                     "params": int(own),
                     "flops": int(_flops(module, inputs, out))})

    modes = [(m, m.training) for m in model.modules()]
    try:
        for m in model.modules():
            if not list(m.children()):
                handles.append(m.register_forward_hook(hook))
        model.eval()
        with autograd.no_grad():
            model(Tensor._make(np.zeros(shape, dtype=dtype), False, None))
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.training = mode
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    result = ModelSummary(rows, int(total), int(trainable), shape)
    if verbose:
        print(result)
    return result
