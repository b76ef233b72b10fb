"""Writing into an op's input between forward and backward, over the whole op registry.

For every sample of every op and every tensor input (differentiable or not: targets, class
weights, masks, indices, running statistics), both libraries run the op, write new values into
that input under no_grad, and backpropagate.  An op that saved the input must raise torch's
"modified by an inplace operation" error; one that did not must not.  tinyconv's outcome must
be torch's, except where the tables below say why not; and whenever tinyconv does not raise,
its gradients must be those of the same run without the write (no silently wrong gradient).
"""
import numpy as np
import pytest

from tinyconv import testing

COPIED_INDEX = "tinyconv copies the index (int64) in forward and keeps the copy"
FLAT_POSITIONS = "tinyconv turns the indices into flat positions in forward and keeps those"

# torch raises, tinyconv computes the right gradient: its backward does not read that input
# (it kept something else, computed in forward), so the write cannot change the gradient
KEEPS_SOMETHING_ELSE = {
    ("Tensor.clamp", "min"): "tensor bounds: tinyconv keeps where each bound was hit, not the "
                             "bound",
    ("Tensor.clamp", "max"): "tensor bounds: tinyconv keeps where each bound was hit, not the "
                             "bound",
    ("Tensor.__getitem__", "mask"): "tinyconv copies an index taken from a Tensor",
    ("Tensor.amax", "input"): "tinyconv keeps the mask of the maxima, torch the input",
    ("Tensor.max", "input"): "tinyconv keeps the mask of the maxima, torch the input",
    ("Tensor.min", "input"): "tinyconv keeps the mask of the minima, torch the input",
    ("Tensor.clamp", "input"): "tinyconv keeps the mask of the values inside the bounds",
    ("clamp_min", "input"): "clamp(min=): tinyconv keeps the mask of the values inside the bound",
    ("clamp_min", "min"): "clamp(min=): a tensor bound: tinyconv keeps where it was hit",
    ("clamp_max", "input"): "clamp(max=): tinyconv keeps the mask of the values inside the bound",
    ("clamp_max", "max"): "clamp(max=): a tensor bound: tinyconv keeps where it was hit",
    ("Tensor.maximum", "input"): "tinyconv keeps the mask of where each side won",
    ("Tensor.maximum", "other"): "tinyconv keeps the mask of where each side won",
    ("Tensor.minimum", "input"): "tinyconv keeps the mask of where each side won",
    ("Tensor.minimum", "other"): "tinyconv keeps the mask of where each side won",
    ("adaptive_avg_pool2d", "input"): "the backward needs only the input's shape",
    ("avg_pool2d", "input"): "the backward needs only the input's shape",
    ("interpolate", "input"): "mode='area' is an adaptive average pool: only the shape is "
                              "needed",
    ("pad", "input"): "reflect/replicate padding: the backward needs only the input's shape",
    ("max_pool2d", "input"): "tinyconv keeps the argmax positions, torch the input too",
    ("max_unpool2d", "input"): "the backward gathers at the indices; the values are not needed",
    ("leaky_relu", "input"): "tinyconv keeps the output (its sign is the input's), torch the "
                             "input",
    ("layer_norm", "bias"): "the bias's gradient needs no saved value (torch keeps the bias)",
    ("batch_norm", "running_mean"): "training normalises with the batch statistics, which "
                                    "tinyconv keeps (torch keeps the running ones as well)",
    ("batch_norm", "running_var"): "tinyconv keeps 1/sqrt(var + eps), computed in forward",
    ("nll_loss", "input"): "the gradient is -weight at the target: no input value is needed",
    ("nll_loss", "target"): "with ignore_index or weights tinyconv keeps the picked rows (a "
                            "copy)",
    ("nll_loss", "weight"): "tinyconv keeps the weights picked per row (a copy)",
    ("cross_entropy", "target"): "tinyconv keeps the picked rows of class indices (a copy)",
    ("grid_sample", "input"): "tinyconv keeps the values picked at the corners (copies)",
    ("grid_sample", "grid"): "tinyconv keeps the corner positions and the interpolation "
                             "weights, computed in forward",
    ("index_put", "rows"): FLAT_POSITIONS,
    ("index_put", "cols"): FLAT_POSITIONS,
    ("index_put", "mask"): FLAT_POSITIONS,
    # pools
    ("max_pool1d", "input"): "max_pool2d over a height-1 view: tinyconv keeps the argmax "
                             "positions, torch the input too",
    ("max_pool3d", "input"): "max_pool2d per depth plane (keeps the argmax positions), then the "
                             "max over the depth taps (keeps which tap won); torch keeps the "
                             "input too",
    ("adaptive_max_pool1d", "input"): "each bin's max taken one axis at a time: tinyconv keeps "
                                      "the argmax positions, torch the input too",
    ("adaptive_max_pool2d", "input"): "each bin's max taken one axis at a time: tinyconv keeps "
                                      "the argmax positions, torch the input too",
    ("adaptive_max_pool3d", "input"): "each bin's max taken one axis at a time: tinyconv keeps "
                                      "the argmax positions, torch the input too",
    ("avg_pool1d", "input"): "avg_pool2d over a height-1 view: the backward needs only the "
                             "input's shape",
    ("avg_pool3d", "input"): "avg_pool2d per depth plane, then a sum over the depth taps: the "
                             "backward needs only the input's shape",
    ("adaptive_avg_pool1d", "input"): "adaptive_avg_pool2d over a height-1 view: the backward "
                                      "needs only the input's shape",
    ("adaptive_avg_pool3d", "input"): "bin means one axis at a time: the backward needs only the "
                                      "input's shape",
    # convolutions and distances
    ("conv3d", "input"): "conv2d over the input's depth slices, regrouped as (N*OD, C, H, W) or "
                         "zero-padded in depth: copies, which tinyconv keeps (views when N or OD "
                         "is 1 and there is no depth padding: then it raises too)",
    ("conv_transpose3d", "input"): "conv_transpose2d over the input regrouped as (N*D, Cin, H, "
                                   "W): a copy, which tinyconv keeps (a view when N or D is 1: "
                                   "then it raises too)",
    ("cdist", "x1"): "tinyconv keeps the differences x1 - x2 and the distances, computed in "
                     "forward; torch keeps x1, x2 and the distances",
    ("cdist", "x2"): "tinyconv keeps the differences x1 - x2 and the distances, computed in "
                     "forward; torch keeps x1, x2 and the distances",
    # reductions and scans
    ("amax", "input"): "tinyconv keeps the mask of the maxima (ties share the gradient), torch "
                       "the input and the result",
    ("amin", "input"): "tinyconv keeps the mask of the minima (ties share the gradient), torch "
                       "the input and the result",
    ("aminmax", "input"): "tinyconv keeps the masks of the minima and of the maxima, torch the "
                          "input and both results",
    ("median", "input"): "all elements: tinyconv keeps the mask of the median's positions (ties "
                         "share), torch the input and the result",
    ("nanmedian", "input"): "all elements: tinyconv keeps the mask of the median's positions "
                            "(ties share), torch the input and the result",
    ("cov", "fweights"): "tinyconv multiplies by the integer fweights converted to float (a "
                         "copy, kept); torch keeps fweights",
    ("cummax", "input"): "tinyconv keeps the positions of the running maximum, computed in "
                         "forward; torch keeps the input too",
    ("cummin", "input"): "tinyconv keeps the positions of the running minimum, computed in "
                         "forward; torch keeps the input too",
    ("nansum", "input"): "tinyconv keeps the mask of the non-NaN elements (nothing but the shape "
                         "without a NaN), torch the input",
    ("nanmean", "input"): "nansum (the non-NaN mask) divided by the non-NaN count, both computed "
                          "in forward; torch keeps the input",
    # pointwise
    ("div", "input"): "rounding_mode='trunc'/'floor': the gradient is zero, so tinyconv keeps "
                      "nothing (torch keeps both operands)",
    ("div", "other"): "rounding_mode='trunc'/'floor': the gradient is zero, so tinyconv keeps "
                      "nothing (torch keeps both operands)",
    ("sgn", "input"): "the gradient is zero: tinyconv keeps nothing (torch keeps the input and "
                      "the result)",
    ("erfinv", "input"): "tinyconv keeps the result y (the derivative is sqrt(pi)/2 * exp(y^2)), "
                         "torch the input",
    ("lerp", "input"): "tensor weight: tinyconv computes input + weight * (end - input), whose "
                       "product keeps weight and end - input, computed in forward (torch keeps "
                       "all three)",
    ("lerp", "end"): "tensor weight: tinyconv computes input + weight * (end - input), whose "
                     "product keeps weight and end - input, computed in forward (torch keeps "
                     "all three)",
    ("nan_to_num", "input"): "tinyconv keeps the mask of the finite elements, torch the input",
    # activations
    ("hardsigmoid", "input"): "tinyconv keeps the mask -3 < input < 3, torch the input",
    ("hardtanh", "input"): "tinyconv keeps the mask of the inputs strictly inside the bounds, "
                           "torch the input",
    ("relu6", "input"): "hardtanh(0, 6): tinyconv keeps the mask 0 < input < 6, torch the input",
    ("threshold", "input"): "tinyconv keeps the mask input > threshold, torch the input",
    ("hardshrink", "input"): "tinyconv keeps the mask |input| > lambd, torch the input",
    ("softshrink", "input"): "tinyconv keeps the mask |input| > lambd, torch the input",
    ("rrelu", "input"): "eval mode is leaky_relu with the mean slope: tinyconv keeps the output "
                        "(its sign is the input's), torch the input and its noise",
    # losses
    ("huber_loss", "input"): "tinyconv keeps d = input - target and the mask |d| < delta, "
                             "computed in forward; torch keeps input and target",
    ("huber_loss", "target"): "tinyconv keeps d = input - target and the mask |d| < delta, "
                              "computed in forward; torch keeps input and target",
    ("soft_margin_loss", "input"): "softplus(-target * input): the product keeps -target and "
                                   "softplus the product, computed in forward (torch keeps input "
                                   "and target)",
    ("soft_margin_loss", "target"): "softplus(-target * input): the product keeps -target and "
                                    "softplus the product, computed in forward (torch keeps "
                                    "input and target)",
    ("multi_margin_loss", "input"): "tinyconv keeps the mask of the active hinges (and, for p=2, "
                                    "the hinge values), computed in forward; torch the input",
    ("multi_margin_loss", "target"): "tinyconv keeps a copy of the targets (int64), as the index "
                                     "of the true class's score",
    ("multi_margin_loss", "weight"): "tinyconv keeps the weights picked per row (a copy)",
    ("multilabel_margin_loss", "input"): "tinyconv keeps the masks of the active hinges and of "
                                         "the (label, non-label) pairs, computed in forward",
    ("multilabel_margin_loss", "target"): "tinyconv reads the targets in forward only, into the "
                                          "mask of (label, non-label) pairs",
    # indexing
    ("embedding", "input"): "tinyconv keeps a copy of the indices (int64)",
    ("embedding_bag", "input"): "tinyconv keeps copies of the indices (int64)",
    ("embedding_bag", "offsets"): "tinyconv reads the offsets in forward only, as the bags' "
                                  "bounds",
    ("gather", "index"): COPIED_INDEX,
    ("gather", "input"): "the backward adds the gradient into zeros of the input's shape at the "
                         "(copied) index: no input value is needed",
    ("take_along_dim", "indices"): "tinyconv copies the indices (int64) in forward and keeps the "
                                   "copy",
    ("take_along_dim", "input"): "the backward adds the gradient into zeros of the input's shape "
                                 "at the (copied) indices: no input value is needed",
    ("take", "index"): "tinyconv copies the index (int64, negative positions wrapped) and keeps "
                       "the copy",
    ("take", "input"): "the backward adds the gradient into zeros of the input's shape at the "
                       "(copied) positions: no input value is needed",
    ("index_select", "index"): COPIED_INDEX,
    ("index_add", "index"): COPIED_INDEX,
    ("index_add", "source"): "the source's gradient is the gradient picked at the index: no "
                             "source value is needed (torch keeps the source)",
    ("index_copy", "index"): COPIED_INDEX,
    ("index_copy", "source"): "the source's gradient is the gradient picked at the index: no "
                              "source value is needed (torch keeps the source)",
    ("index_fill", "index"): "tinyconv turns the index into a mask in forward and keeps the mask",
    ("masked_fill", "mask"): "tinyconv keeps a copy of the mask",
    ("masked_scatter", "mask"): "tinyconv keeps the positions of the mask's True elements, "
                                "computed in forward",
    ("masked_select", "mask"): "tinyconv keeps the positions of the mask's True elements, "
                               "computed in forward",
    ("masked_select", "input"): "the backward puts the gradient at the mask's positions in zeros "
                                "of the input's shape: no input value is needed",
    ("scatter_reduce", "index"): COPIED_INDEX,
    ("scatter_reduce", "input"): "reduce='sum'/'mean': the backward needs only where the index "
                                 "wrote and the counts, computed in forward (prod/amax/amin "
                                 "keep input and src, as torch)",
    ("scatter_reduce", "src"): "reduce='sum'/'mean': the backward needs only where the index "
                               "wrote and the counts, computed in forward (prod/amax/amin keep "
                               "input and src, as torch)",
}

# tinyconv raises, torch does not: torch's backward reads a copy it made in forward, or (for
# one-operand einsums) no value at all; for kron torch misses the write (see there)
SAVES_THE_INPUT = {
    ("conv2d", "input"): "padding='same' with an even kernel: torch pads the input into a "
                         "copy and keeps the copy",
    ("conv1d", "input"): "as conv2d: padding='same' with an even kernel (conv1d runs the 2-D "
                         "kernels over a height-1 image)",
    ("instance_norm", "weight"): "torch runs instance norm as batch norm over the weight "
                                 "repeated per sample, and keeps that copy",
    ("Tensor.div", "input"): "scalar / tensor: torch goes through reciprocal and keeps its "
                             "result; tinyconv keeps the divisor",
    ("Tensor.matmul", "input"): "broadcast batched matmul: torch expands and reshapes the "
                                "operands into copies and keeps those",
    ("Tensor.matmul", "other"): "broadcast batched matmul: torch expands and reshapes the "
                                "operands into copies and keeps those",
    ("einsum", "in1"): "'...ij,...jk->...ik' with broadcast batch dims: torch permutes and "
                       "reshapes in1 into a copy for bmm and keeps the copy",
    ("tensordot", "a"): "contracted dims not the last ones: torch permutes and reshapes a into a "
                        "copy for mm and keeps the copy; tinyconv's einsum keeps a",
    ("tensordot", "b"): "contracted dims not the first ones: torch permutes and reshapes b into a "
                        "copy for mm and keeps the copy; tinyconv's einsum keeps b",
    ("kron", "in0"): "torch reshapes the operands with _unsafe_view, whose saved views share the "
                     "memory but not the version counter: torch misses the write and its "
                     "gradient is silently wrong",
    ("kron", "in1"): "torch reshapes the operands with _unsafe_view, whose saved views share the "
                     "memory but not the version counter: torch misses the write and its "
                     "gradient is silently wrong",
    ("scaled_dot_product_attention", "query"): "torch's CPU math path (all samples but "
                                               "is_causal) scales query by sqrt(scale) into a "
                                               "copy and keeps the copy",
    ("scaled_dot_product_attention", "key"): "torch's CPU math path (all samples but is_causal) "
                                             "scales key^T by sqrt(scale) into a copy and keeps "
                                             "the copy",
}


# Ops skipped: torch's own run of the write scenario stops with another error than the
# in-place one for some samples, so there is nothing to compare.  torch refuses the outputs
# of chunk/split/unbind (multi-output views) once their base was written; scatter(reduce=),
# remainder by a tensor and floor_divide have no derivative in torch, and torch's
# scatter/scatter_add backward rejects its own gradient for a src larger than the index (these
# fail without any write too)
TORCH_CANNOT_RUN_THE_WRITE = {
    "chunk": "torch refuses in-place writes into outputs of chunk (multi-output views)",
    "split": "torch refuses in-place writes into outputs of split (multi-output views)",
    "unbind": "torch refuses in-place writes into outputs of unbind (multi-output views)",
    "scatter": "torch's own backward fails (invalid gradient shape) on the samples "
               "whose src is larger than the index, write or not",
    "scatter_add": "torch's own backward fails (invalid gradient shape) on the samples "
                   "whose src is larger than the index, write or not",
    "remainder": "torch: derivative for aten::remainder is not implemented (tensor divisor)",
    "floor_divide": "torch: derivative for aten::floor_divide is not implemented",
}


@pytest.mark.parametrize("op", testing.OPS, ids=lambda o: o.name)
def test_writing_into_an_input_after_forward(op):
    if op.name in TORCH_CANNOT_RUN_THE_WRITE:
        pytest.skip(TORCH_CANNOT_RUN_THE_WRITE[op.name])
    mismatched = set()
    problems = []
    for sample in op.samples():
        for which, (name, _, _) in enumerate(sample.inputs):
            t_out, c_out, bad = testing.check_saved_versions(sample, which)
            problems += [f"{sample.id}: {p}" for p in bad]
            if t_out == c_out:
                continue
            key = (op.name, name)
            if (t_out, c_out) == ("error", "ok") and key in KEEPS_SOMETHING_ELSE:
                mismatched.add(key)
            elif (t_out, c_out) == ("ok", "error") and key in SAVES_THE_INPUT:
                mismatched.add(key)
            else:
                problems.append(f"{sample.id}: writing into {name} after forward: torch "
                                f"{t_out}, tinyconv {c_out}")
    assert not problems, "\n".join(problems)
    listed = {k for k in (*KEEPS_SOMETHING_ELSE, *SAVES_THE_INPUT) if k[0] == op.name}
    assert listed <= mismatched, f"listed but behaving as torch now: {listed - mismatched}"


# --- second order: a write between a create_graph backward and the next one ---------------
# The backward ops of losses, norms and unpooling read targets, class weights, running
# statistics and indices in their own backward: they save them too.  Torch raises for each
# case below; tinyconv must raise, or (where it kept a copy) give the same second derivatives
# as without the write.
def _f64(M, a, grad=False):
    return M.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# case: (the call, its inputs, which input is written); an input is a shape (float64 normal
# values requiring grad) or (kind, argument): "idx" int64 values, "prob" values in [0, 1)
# requiring grad, "pos" positive constants, "const" normal constants
SECOND_ORDER = {
    "bce weight": (lambda F, x, t, w: F.binary_cross_entropy_with_logits(x, t, weight=w),
                   [(4, 5), ("prob", (4, 5)), ("pos", (4, 5))], 2),
    "bce pos_weight": (lambda F, x, t, w: F.binary_cross_entropy_with_logits(x, t, pos_weight=w),
                       [(4, 5), ("prob", (4, 5)), ("pos", (5,))], 2),
    "cross_entropy weight": (lambda F, x, t, w: F.cross_entropy(x, t, weight=w),
                             [(4, 3), ("idx", [0, 1, 2, 0]), ("pos", (3,))], 2),
    "cross_entropy weight smoothing": (
        lambda F, x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2),
        [(4, 3), ("idx", [0, 1, 2, 0]), ("pos", (3,))], 2),
    "cross_entropy target": (lambda F, x, t: F.cross_entropy(x, t, reduction="none"),
                             [(4, 3), ("idx", [0, 1, 2, 0])], 1),
    "cross_entropy probabilities weight": (lambda F, x, t, w: F.cross_entropy(x, t, weight=w),
                                           [(4, 3), ("prob", (4, 3)), ("pos", (3,))], 2),
    "nll_loss target": (lambda F, x, t: F.nll_loss(x, t, reduction="none"),
                        [(4, 3), ("idx", [0, 1, 2, 0])], 1),
    "nll_loss weight": (lambda F, x, t, w: F.nll_loss(x, t, weight=w),
                        [(4, 3), ("idx", [0, 1, 2, 0]), ("pos", (3,))], 2),
    "batch_norm eval running_mean": (lambda F, x, m, v, w: F.batch_norm(x, m, v, w),
                                     [(3, 2, 4), ("const", (2,)), ("pos", (2,)), (2,)], 1),
    "batch_norm eval running_var": (lambda F, x, m, v, w: F.batch_norm(x, m, v, w),
                                    [(3, 2, 4), ("const", (2,)), ("pos", (2,)), (2,)], 2),
    "max_unpool2d indices": (lambda F, y, i: F.max_unpool2d(y, i, 2),
                             [(1, 2, 2, 2), ("idx", [[[[0, 3], [9, 10]], [[1, 7], [8, 15]]]])],
                             1),
}


def _second_order(M, F, case, write):
    fn, specs, which = SECOND_ORDER[case]
    rng = np.random.default_rng(0)
    ins = []
    for spec in specs:
        kind, arg = spec if isinstance(spec[0], str) else ("grad", spec)
        if kind == "idx":
            ins.append(M.tensor(np.array(arg, dtype=np.int64)))
        elif kind == "prob":
            ins.append(_f64(M, rng.random(arg), grad=True))
        elif kind == "pos":
            ins.append(_f64(M, rng.random(arg) + 0.5))
        else:
            ins.append(_f64(M, rng.standard_normal(arg), grad=kind == "grad"))
    out = fn(F, *ins)
    diff = [t for t in ins if t.requires_grad]
    gy = _f64(M, rng.standard_normal(tuple(out.shape)), grad=True)
    gs = M.autograd.grad(out, diff, gy, create_graph=True)
    if write:
        with M.no_grad():
            t = ins[which]
            t.copy_(M.zeros_like(t) if t.dtype == M.int64 else t + 1.0)
    total = sum((g * _f64(M, rng.standard_normal(tuple(g.shape)))).sum() for g in gs)
    try:
        second = M.autograd.grad(total, diff + [gy], allow_unused=True)
    except RuntimeError as e:
        if "modified by an inplace operation" not in str(e):
            raise
        return "error"
    return [None if g is None else g.detach().numpy() for g in second]


@pytest.mark.parametrize("case", sorted(SECOND_ORDER))
def test_writing_into_a_parameter_between_backward_and_double_backward(case):
    import torch
    import torch.nn.functional as TF

    import tinyconv
    import tinyconv.nn.functional as F

    assert _second_order(torch, TF, case, True) == "error"
    written = _second_order(tinyconv, F, case, True)
    if written == "error":
        return
    clean = _second_order(tinyconv, F, case, False)
    for g, e in zip(written, clean):
        assert (g is None) == (e is None)
        if g is not None:
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
