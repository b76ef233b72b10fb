"""Fully connected layers as convolutions: run a classifier on larger images (sliding window).

A Linear layer that reads a flattened (C, H, W) feature map computes the same numbers as a
Conv2d with an (H, W) kernel evaluated at one position; the Linear layers after it become 1x1
convolutions.  On a larger image the converted network then evaluates the original classifier
at every window position at once and outputs a map of predictions (OverFeat, FCN).
"""
import copy

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["fc_to_conv"]


def _linear_as_conv(linear, in_chw):
    from .. import nn  # (tinyconv.nn imports tinyconv.utils: import at call time)

    """A Conv2d computing ``linear`` on a flattened (C, H, W) input (kernel (H, W))."""
    C, H, W = in_chw
    out_f, in_f = linear.weight.shape
    if C * H * W != in_f:
        raise ValueError(f"fc_to_conv: Linear expects {in_f} input features but the feature "
                         f"map (C, H, W) = {tuple(in_chw)} has {C * H * W}")
    conv = nn.Conv2d(C, out_f, (H, W), bias=linear.bias is not None,
                     dtype=linear.weight.dtype)
    with no_grad():
        # flatten order is (c, h, w) row-major, the same as the conv weight's (C, KH, KW)
        conv.weight._data[...] = linear.weight._data.reshape(out_f, C, H, W)
        if linear.bias is not None:
            conv.bias._data[...] = linear.bias._data
    conv.weight.requires_grad_(linear.weight.requires_grad)
    if linear.bias is not None:
        conv.bias.requires_grad_(linear.bias.requires_grad)
    return conv


def _bn1d_as_bn2d(bn):
    from .. import nn

    new = nn.BatchNorm2d(bn.num_features, eps=bn.eps, momentum=bn.momentum, affine=bn.affine,
                         track_running_stats=bn.track_running_stats,
                         dtype=bn.running_mean.dtype if bn.running_mean is not None else None)
    new.load_state_dict(bn.state_dict())
    new.train(bn.training)
    return new


def _trace(model, x):
    """Leaf modules in call order with their input and output shapes."""
    calls, handles = [], []
    for m in model.modules():
        if next(iter(m.children()), None) is None:
            handles.append(m.register_forward_hook(
                lambda mod, args, out: calls.append((mod, tuple(args[0].shape),
                                                     tuple(out.shape)))))
    try:
        with no_grad():
            y = model(x)
    finally:
        for h in handles:
            h.remove()
    return calls, y


def fc_to_conv(model_or_linear, input_shape):
    """Convert the Linear layers after a flatten into equivalent convolutions.

    Args:
        model_or_linear: an ``nn.Linear`` (then ``input_shape`` is the (C, H, W) map it reads
            after flattening) or a model whose forward is a chain of its layers, such as an
            ``nn.Sequential`` or ``tc.models.LeNet5`` (conv/pool layers, a flatten, then Linear
            layers with pointwise layers, Dropout or BatchNorm1d between them).
        input_shape: the (C, H, W) (or (N, C, H, W)) input the model was built for.

    Returns:
        A new module (the original is not modified; weights are copied): a Conv2d for a
        Linear, else an ``nn.Sequential`` of the feature layers followed by the converted
        classifier.  On an input of ``input_shape`` it outputs (N, classes, 1, 1) with the
        original's values; on a larger image (N, classes, OH, OW), one prediction per window
        position (windows step by the feature layers' total stride).

    Raises:
        TypeError: for a layer after the flatten that cannot act on a map.
        RuntimeError: when the model's forward is not the chain of its layers (e.g. residual
            connections or functional activations), detected by comparing outputs.
    """
    from .. import nn

    # layers that act elementwise (or per channel along dim 1): they work unchanged on a map
    pointwise = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.Sigmoid, nn.Tanh, nn.Dropout, nn.Identity)
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"fc_to_conv: input_shape must be (C, H, W) or (N, C, H, W), got "
                         f"{tuple(input_shape)}")
    if isinstance(model_or_linear, nn.Linear):
        return _linear_as_conv(model_or_linear, shape)
    model = model_or_linear
    if not isinstance(model, nn.Module):
        raise TypeError(f"fc_to_conv: expected an nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    dtype = params[0].dtype if params else np.float32
    x = Tensor._make(np.random.default_rng(0).standard_normal((2,) + shape).astype(dtype),
                     False, None)
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        calls, y_ref = _trace(model, x)
        layers, fc_seen = [], False
        for pos, (mod, in_shape, out_shape) in enumerate(calls):
            if isinstance(mod, nn.Flatten):
                continue
            if isinstance(mod, nn.Linear):
                if not fc_seen:
                    if len(in_shape) != 2 or not layers:
                        raise TypeError("fc_to_conv: the first Linear layer must follow a "
                                        "flattened feature map")
                    prev = next((s for (_, _, s) in reversed(calls[:pos]) if len(s) == 4), None)
                    if prev is None:
                        raise TypeError("fc_to_conv: no 4-D feature map before the first "
                                        "Linear layer")
                    layers.append(_linear_as_conv(mod, prev[1:]))
                    fc_seen = True
                else:
                    layers.append(_linear_as_conv(mod, (mod.in_features, 1, 1)))
                continue
            if fc_seen:
                if isinstance(mod, pointwise):
                    layers.append(copy.deepcopy(mod))
                elif isinstance(mod, nn.BatchNorm1d):
                    layers.append(_bn1d_as_bn2d(mod))
                elif isinstance(mod, (nn.Softmax, nn.LogSoftmax)) and mod.dim in (1, -len(
                        out_shape) + 1):
                    layers.append(type(mod)(dim=1))
                else:
                    raise TypeError(f"fc_to_conv: cannot run {type(mod).__name__} on a map of "
                                    f"predictions (only pointwise layers, Dropout and "
                                    f"BatchNorm1d may sit between Linear layers)")
            else:
                layers.append(copy.deepcopy(mod))
        if not fc_seen:
            raise TypeError(f"fc_to_conv: {type(model).__name__} has no Linear layer to convert")
        new = nn.Sequential(*layers)
        new.eval()
        with no_grad():
            y_new = new(x)
        if y_new.shape[2:] != (1, 1) or y_new.shape[:2] != y_ref.shape:
            raise RuntimeError(f"fc_to_conv: converted model outputs {tuple(y_new.shape)} for "
                               f"input {(2,) + shape}, expected {tuple(y_ref.shape)} + (1, 1)")
        a, b = y_new._data.reshape(y_ref.shape), y_ref._data
        tol = (1e-9 if dtype == np.float64 else 1e-4) * max(1.0, float(np.abs(b).max()))
        if not np.all(np.abs(a - b) <= tol):
            raise RuntimeError(
                f"fc_to_conv: the chain of {type(model).__name__}'s layers does not reproduce "
                f"its forward (max difference {float(np.abs(a - b).max()):.3g}); only models "
                f"whose forward applies their layers in sequence (no residual connections or "
                f"functional ops) can be converted")
    finally:
        for m, t in modes.items():
            m.training = t
    new.train(model.training)
    return new
