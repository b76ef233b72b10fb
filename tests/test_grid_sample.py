"""affine_grid and grid_sample beyond the registry's comparisons with torch
(tinyconv.testing.opinfo.vision): torch's warnings, identities and empty shapes."""
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc
import tinyconv.nn.functional as F

IDENTITY = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]


@pytest.mark.parametrize("call", [
    lambda M: M.nn.functional.affine_grid(M.tensor(IDENTITY), (1, 1, 3, 4)),
    lambda M: M.nn.functional.grid_sample(M.ones(1, 1, 3, 4), M.zeros(1, 2, 2, 2)),
], ids=["affine_grid", "grid_sample"])
def test_align_corners_none_warns_and_means_false(call):
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        ours = call(tc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = call(torch)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=1e-6)


def test_unit_size_with_align_corners_warns_as_torch():
    with pytest.warns(UserWarning, match="unit-size grids"):
        ours = F.affine_grid(tc.tensor(IDENTITY), (1, 1, 1, 3), align_corners=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.affine_grid(torch.tensor(IDENTITY), (1, 1, 1, 3),
                                                 align_corners=True)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-7)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_the_identity_transform_gives_the_input_back(mode, align_corners):
    x = tc.randn(2, 3, 5, 7, dtype=tc.float64)
    grid = F.affine_grid(tc.tensor(IDENTITY * 2, dtype=tc.float64), (2, 3, 5, 7),
                         align_corners=align_corners)
    y = F.grid_sample(x, grid, mode=mode, align_corners=align_corners)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-12)


def test_empty_channels_and_outputs_as_torch():
    for M in (tc, torch):
        y = M.nn.functional.grid_sample(M.zeros(1, 0, 4, 4), M.zeros(1, 2, 2, 2),
                                        align_corners=False)
        assert tuple(y.shape) == (1, 0, 2, 2)
        y = M.nn.functional.grid_sample(M.ones(1, 1, 4, 4), M.zeros(1, 0, 2, 2),
                                        align_corners=False)
        assert tuple(y.shape) == (1, 1, 0, 2)


def test_a_spatial_transformer_learns_a_shift():
    """Gradient descent on theta recovers the translation between two images."""
    tc.manual_seed(0)
    img = F.avg_pool2d(tc.randn(1, 1, 20, 20, dtype=tc.float64), 3, 1, 1)
    true = tc.tensor([[[1.0, 0.0, 0.15], [0.0, 1.0, -0.1]]], dtype=tc.float64)
    target = F.grid_sample(img, F.affine_grid(true, (1, 1, 20, 20), align_corners=False),
                           align_corners=False, padding_mode="border")
    theta = tc.tensor(IDENTITY, dtype=tc.float64, requires_grad=True)
    opt = tc.optim.Adam([theta], lr=0.01)
    for _ in range(150):
        opt.zero_grad()
        out = F.grid_sample(img, F.affine_grid(theta, (1, 1, 20, 20), align_corners=False),
                            align_corners=False, padding_mode="border")
        loss = F.mse_loss(out, target)
        loss.backward()
        opt.step()
    np.testing.assert_allclose(theta.detach().numpy()[0, :, 2], [0.15, -0.1], atol=0.03)
