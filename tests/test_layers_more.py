"""The issue's additional layers against their torch twins: each is built with the same
constructor call on both sides (weights copied through ``state_dict``), and its repr,
state_dict keys, forward and every gradient are compared, in train and eval mode."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_module import build_pair, check_state_dicts_equal, run_forward_backward

LAYERS = [
    ("nn.SiLU()", (3, 4)), ("nn.Mish()", (3, 4)),
    ("nn.Hardswish()", (3, 4)), ("nn.Hardsigmoid()", (3, 4)),
    ("nn.Hardtanh(-2.0, 1.5)", (3, 4)), ("nn.ReLU6()", (3, 4)),
    ("nn.ELU(alpha=0.5)", (3, 4)), ("nn.SELU()", (3, 4)), ("nn.CELU(1.5)", (3, 4)),
    ("nn.Softplus(beta=2.0, threshold=4.0)", (3, 4)), ("nn.Softsign()", (3, 4)),
    ("nn.Tanhshrink()", (3, 4)), ("nn.Threshold(0.1, 20.0)", (3, 4)), ("nn.GLU()", (3, 4)),
    ("nn.GLU(dim=1)", (3, 4, 5)), ("nn.LogSigmoid()", (3, 4)), ("nn.Softmin(dim=1)", (3, 4)),
    ("nn.Softmax2d()", (2, 3, 4, 5)), ("nn.Hardshrink()", (3, 4)),
    ("nn.Softshrink(0.3)", (3, 4)), ("nn.PReLU()", (3, 4)), ("nn.PReLU(3, init=0.1)", (2, 3, 4)),
]
LAYERS += [
    ("nn.Conv1d(4, 6, 3)", (2, 4, 9)),
    ("nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)", (2, 4, 11)),
    ("nn.Conv1d(4, 6, 4, padding='same', padding_mode='reflect')", (2, 4, 9)),
    ("nn.Conv1d(3, 5, 3, padding=2, padding_mode='circular')", (3, 7)),
    ("nn.Conv3d(4, 6, 3)", (2, 4, 5, 6, 5)),
    ("nn.Conv3d(4, 6, (2, 3, 2), stride=(2, 1, 2), padding=(1, 0, 1), groups=2)", (2, 4, 5, 6, 7)),
    ("nn.Conv3d(2, 3, 3, padding='same', padding_mode='replicate', bias=False)", (2, 4, 5, 4)),
    ("nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1)", (2, 4, 5)),
    ("nn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2)", (4, 5)),
    ("nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1)", (2, 4, 3, 4, 3)),
    ("nn.ConvTranspose3d(4, 6, (2, 3, 2), groups=2, dilation=(2, 1, 1), bias=False)",
     (2, 4, 3, 3, 4)),
]
# modules with randomness in training: compared in eval mode only
EVAL_ONLY = [("nn.RReLU(0.1, 0.3)", (3, 4))]


def _check(src, shape, mode):
    ctor = eval("lambda nn: " + src)  # noqa: S307 - the test's own literal table
    tm, cm = build_pair(ctor)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm, "initial")
    getattr(tm, mode)()
    getattr(cm, mode)()
    for seed in (1, 2):
        tm.zero_grad()
        cm.zero_grad()
        run_forward_backward(tm, cm, shape, seed=seed)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("src,shape", LAYERS, ids=[s for s, _ in LAYERS])
def test_layer_matches_torch(src, shape, mode):
    _check(src, shape, mode)


@pytest.mark.parametrize("src,shape", EVAL_ONLY, ids=[s for s, _ in EVAL_ONLY])
def test_random_layer_in_eval_matches_torch(src, shape):
    _check(src, shape, "eval")


def test_rrelu_training_draws_slopes_in_range_and_is_seeded():
    m = tc.nn.RReLU(0.1, 0.3)
    x = -tc.ones(1000)
    tc.manual_seed(3)
    y = m(x)
    slopes = -y.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    tc.manual_seed(3)
    assert np.array_equal(m(x).numpy(), y.numpy())
    assert np.array_equal(m(tc.ones(5)).numpy(), np.ones(5, np.float32))


def test_inplace_activation_modules_write_into_their_input():
    for name in ("SiLU", "Hardswish", "Hardsigmoid", "ReLU6", "SELU", "ELU", "CELU", "Mish"):
        x = tc.tensor([-1.0, 0.5, 2.0])
        t = torch.tensor([-1.0, 0.5, 2.0])
        y = getattr(tc.nn, name)(inplace=True)(x)
        getattr(torch.nn, name)(inplace=True)(t)
        assert y is x
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6, err_msg=name)


def test_conv_transpose_nd_output_size_argument():
    for n, shape in ((1, (2, 4, 5)), (3, (2, 4, 3, 4, 3))):
        tm = getattr(torch.nn, f"ConvTranspose{n}d")(4, 3, 3, stride=2, padding=1)
        cm = getattr(tc.nn, f"ConvTranspose{n}d")(4, 3, 3, stride=2, padding=1)
        want = [2 * s for s in shape[2:]]
        assert tuple(cm(tc.zeros(*shape), output_size=want).shape) == \
            tuple(tm(torch.zeros(*shape), output_size=want).shape)
