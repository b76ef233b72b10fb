"""tc.utils.fc_to_conv: on the original size the converted network gives the original outputs;
on a larger image each cell of the output map equals the original network on the matching
crop (the sliding-window identity)."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv import nn

from .utils import assert_close


def _eval(model, x):
    model.eval()
    with tc.no_grad():
        return model(tc.tensor(x)).numpy()


def test_linear_to_conv_matches_linear_and_torch():
    rng = np.random.default_rng(0)
    lin = nn.Linear(3 * 4 * 5, 7).double()
    conv = tc.utils.fc_to_conv(lin, (3, 4, 5))
    assert isinstance(conv, nn.Conv2d) and conv.kernel_size == (4, 5)
    x = rng.standard_normal((2, 3, 4, 5))
    y = conv(tc.tensor(x))
    ref = torch.nn.functional.linear(torch.tensor(x).flatten(1), torch.tensor(lin.weight._data),
                                     torch.tensor(lin.bias._data))
    assert y.shape == (2, 7, 1, 1)
    assert_close(y.detach().reshape(2, 7), ref, dtype=np.float64)
    # on a larger map: one Linear evaluation per window
    xl = rng.standard_normal((1, 3, 6, 8))
    yl = conv(tc.tensor(xl)).detach().numpy()
    for i in range(3):
        for j in range(4):
            cell = lin(tc.tensor(xl[:, :, i:i + 4, j:j + 5]).flatten(1)).detach().numpy()
            np.testing.assert_allclose(yl[:, :, i, j], cell, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lenet5_original_size_identical(dtype):
    tc.manual_seed(0)
    m = tc.models.LeNet5(in_channels=1, num_classes=10, input_size=28)
    if dtype == np.float64:
        m.double()
    conv = tc.utils.fc_to_conv(m, (1, 28, 28))
    x = np.random.default_rng(1).standard_normal((3, 1, 28, 28)).astype(dtype)
    y = _eval(conv, x)
    assert y.shape == (3, 10, 1, 1) and y.dtype == dtype
    assert_close(y.reshape(3, 10), _eval(m, x), dtype=dtype,
                 tol=1e-12 if dtype == np.float64 else 1e-5)
    assert not any(isinstance(mod, nn.Linear) for mod in conv.modules())


def test_lenet5_sliding_window_on_larger_image():
    tc.manual_seed(1)
    m = tc.models.LeNet5(in_channels=3, num_classes=10, input_size=32).double()
    conv = tc.utils.fc_to_conv(m, (3, 32, 32))
    x = np.random.default_rng(2).standard_normal((2, 3, 44, 40))
    ymap = _eval(conv, x)
    stride = 4  # two 2x2 max pools
    assert ymap.shape == (2, 10, (44 - 32) // stride + 1, (40 - 32) // stride + 1)
    for i in range(ymap.shape[2]):
        for j in range(ymap.shape[3]):
            crop = x[:, :, i * stride:i * stride + 32, j * stride:j * stride + 32]
            assert_close(ymap[:, :, i, j], _eval(m, crop), dtype=np.float64, tol=1e-12,
                         what=f"cell {(i, j)}")


def test_sequential_with_batchnorm1d_and_dropout():
    tc.manual_seed(2)
    m = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(4 * 3 * 3, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5),
                      nn.Linear(16, 5)).double()
    # non-trivial running statistics
    m.train()
    m(tc.tensor(np.random.default_rng(3).standard_normal((8, 2, 8, 8))))
    conv = tc.utils.fc_to_conv(m, (2, 8, 8))
    assert m.training and conv.training          # training flags kept
    x = np.random.default_rng(4).standard_normal((2, 2, 12, 10))
    ymap = _eval(conv, x)
    for i in range(ymap.shape[2]):
        for j in range(ymap.shape[3]):
            crop = x[:, :, 2 * i:2 * i + 8, 2 * j:2 * j + 8]
            assert_close(ymap[:, :, i, j], _eval(m, crop), dtype=np.float64, tol=1e-12)


def test_converted_model_is_independent_and_trainable():
    m = tc.models.LeNet5(in_channels=1, num_classes=3, input_size=28)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    conv = tc.utils.fc_to_conv(m, (1, 1, 28, 28))
    out = conv(tc.randn(2, 1, 30, 30))
    out.sum().backward()
    assert all(p.grad is not None for p in conv.parameters())
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    with tc.no_grad():
        next(iter(conv.parameters()))._data[...] = 0.0
    assert not np.all(m.features[0].weight._data == 0.0)


def test_errors():
    with pytest.raises(RuntimeError, match="does not reproduce"):
        # its forward applies relu functionally: not a chain of its layers
        tc.utils.fc_to_conv(tc.models.ThreeLayerConvNet((1, 8, 8), num_filters=2, hidden_dim=4),
                            (1, 8, 8))
    with pytest.raises(TypeError, match="flattened"):
        tc.utils.fc_to_conv(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), (1, 2, 2))
    with pytest.raises(ValueError, match="12 input features"):
        tc.utils.fc_to_conv(nn.Linear(12, 2), (3, 3, 3))
    with pytest.raises(ValueError, match="input_shape"):
        tc.utils.fc_to_conv(nn.Linear(12, 2), (12,))
    with pytest.raises(TypeError, match="no Linear"):
        tc.utils.fc_to_conv(nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 5, 5))
