"""linear with torch's signature (op: ``tinyconv.ops.linalg.Linear``)."""
from ..._checks import check_float, check_tensor
from ...ops import linalg as L
from ...ops import matrix as Mx

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
    return L.Linear.apply(input, weight, bias)


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
