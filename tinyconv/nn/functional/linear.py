"""linear with torch's signature, recorded as torch records it: ``addmm(bias, input,
weight.t())`` (``mm`` without a bias) on the input's rows, so the graph (``grad_fn``,
``next_functions``) has torch's nodes in torch's order."""
from ..._checks import check_float, check_tensor
from ...ops import linalg as L
from ...ops import shape as S

__all__ = ["linear"]


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias.

    Args:
        input: (*, in_features) float tensor.
        weight: (out_features, in_features).
        bias: optional (out_features,).

    Returns:
        (*, out_features) tensor.
    """
    check_float("linear", input, exact=False)
    check_tensor("linear", "weight", weight)
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} has "
            f"{input.shape[-1] if input.ndim else 0} features but weight of shape "
            f"{tuple(weight.shape)} expects in_features={weight.shape[1]}")
    check_tensor("linear", "bias", bias, optional=True)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match "
                           f"out_features={weight.shape[0]} (weight shape "
                           f"{tuple(weight.shape)})")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(f"linear: expected {name} to have the input's dtype "
                               f"{input.dtype}, but got {t.dtype}")
    out_f, in_f = weight.shape
    wt = S.T.apply(weight, dims=(1, 0))  # (in_features, out_features)
    if input.ndim == 2:
        x = input
    elif input.ndim == 1 and bias is None:
        x = S.Unsqueeze.apply(input, shape=(1, in_f))
    else:
        x = S.Reshape.apply(input, shape=(-1, in_f))  # (R, in_features)
    if bias is None:
        y = L.MatMul.apply(x, wt)  # (R, out_features)
    else:
        y = L.Addmm.apply(bias, x, wt)
    if input.ndim == 2:
        return y
    shape = tuple(input.shape[:-1]) + (out_f,)
    if bias is not None:
        return S.Reshape.apply(y, shape=shape)
    if input.ndim == 1:
        return S.SqueezeDim.apply(y, shape=shape)
    return S.UnsafeView.apply(y, shape=shape)
