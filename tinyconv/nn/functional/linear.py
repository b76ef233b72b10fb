"""linear with torch's signature, recorded as torch records it: ``addmm(bias, input,
weight.t())`` (``mm`` without a bias) on the input's rows, so the graph (``grad_fn``,
``next_functions``) has torch's nodes in torch's order."""
from ..._checks import check_float, check_tensor
from ...ops import linalg as L
from ...ops import matrix as Mx
from ...ops import shape as S

__all__ = ["linear", "bilinear"]


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


def bilinear(input1, input2, weight, bias=None):
    """``y_k = input1 @ weight[k] @ input2 + bias_k``.

    Args:
        input1: (*, in1_features).
        input2: (*, in2_features), the same leading shape.
        weight: (out_features, in1_features, in2_features).
        bias: optional (out_features,).

    Returns:
        Tensor: (*, out_features).
    """
    op = "bilinear"
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor(op, name, t)
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or \
            input2.shape[-1] != weight.shape[2] or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"{op}: input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)} "
                           f"and weight {tuple(weight.shape)} do not fit (weight must be "
                           f"(out, in1, in2), inputs (*, in1) and (*, in2))")
    lead = "abcdefgh"[:input1.ndim - 1]  # the batch dimensions' letters
    y = Mx.Einsum.apply(input1, weight, input2, subscripts=f"{lead}i,kij,{lead}j->{lead}k")
    if bias is not None:
        check_tensor(op, "bias", bias)
        y = y + bias
    return y
