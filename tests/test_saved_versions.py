"""Writing into an op's input between forward and backward, over the whole op registry.

For every sample of every op and every tensor input (differentiable or not: targets, class
weights, masks, indices, running statistics), both libraries run the op, write new values into
that input under no_grad, and backpropagate.  An op that saved the input must raise torch's
"modified by an inplace operation" error; one that did not must not.  tinyconv's outcome must
be torch's, except where the tables below say why not; and whenever tinyconv does not raise,
its gradients must be those of the same run without the write (no silently wrong gradient).
"""
import pytest

from tinyconv import testing

# torch raises, tinyconv computes the right gradient: its backward does not read that input
# (it kept something else, computed in forward), so the write cannot change the gradient
KEEPS_SOMETHING_ELSE = {
    ("Tensor.__getitem__", "mask"): "tinyconv copies an index taken from a Tensor",
    ("Tensor.amax", "input"): "tinyconv keeps the mask of the maxima, torch the input",
    ("Tensor.max", "input"): "tinyconv keeps the mask of the maxima, torch the input",
    ("Tensor.min", "input"): "tinyconv keeps the mask of the minima, torch the input",
    ("Tensor.clamp", "input"): "tinyconv keeps the mask of the values inside the bounds",
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
    ("leaky_relu", "input"): "tinyconv keeps the mask of the negative inputs",
    ("layer_norm", "bias"): "the bias's gradient needs no saved value (torch keeps the bias)",
    ("batch_norm", "running_mean"): "training normalises with the batch statistics, which "
                                    "tinyconv keeps (torch keeps the running ones as well)",
    ("batch_norm", "running_var"): "tinyconv keeps 1/sqrt(var + eps), computed in forward",
    ("nll_loss", "input"): "the gradient is -weight at the target: no input value is needed",
    ("nll_loss", "target"): "with ignore_index or weights tinyconv keeps the picked rows (a "
                            "copy)",
    ("nll_loss", "weight"): "tinyconv keeps the weights picked per row (a copy)",
    ("cross_entropy", "target"): "tinyconv keeps the picked rows of class indices (a copy)",
}

# tinyconv raises, torch does not: torch's backward reads a copy it made in forward
SAVES_THE_INPUT = {
    ("conv2d", "input"): "padding='same' with an even kernel: torch pads the input into a "
                         "copy and keeps the copy",
    ("instance_norm", "weight"): "torch runs instance norm as batch norm over the weight "
                                 "repeated per sample, and keeps that copy",
    ("Tensor.div", "input"): "scalar / tensor: torch goes through reciprocal and keeps its "
                             "result; tinyconv keeps the divisor",
    ("Tensor.matmul", "input"): "broadcast batched matmul: torch expands and reshapes the "
                                "operands into copies and keeps those",
    ("Tensor.matmul", "other"): "broadcast batched matmul: torch expands and reshapes the "
                                "operands into copies and keeps those",
}


@pytest.mark.parametrize("op", testing.OPS, ids=lambda o: o.name)
def test_writing_into_an_input_after_forward(op):
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
