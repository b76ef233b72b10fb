"""linear with torch's signature (op: ``tinyconv.ops.linalg.Linear``)."""
from ..._checks import check_float, check_tensor
from ...ops import linalg as L

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
    return L.Linear.apply(input, weight, bias)
