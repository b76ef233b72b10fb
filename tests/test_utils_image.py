"""tc.utils.make_grid / save_image with torchvision's signatures and layout: grid size, where
each image lands, padding, normalisation (global, per image, by a range), grayscale made RGB,
and the PNG written (x * 255 + 0.5, clamped)."""
import io

import numpy as np
import pytest

import tinyconv as tc
from tinyconv.utils import make_grid, save_image

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n,nrow,padding", [(5, 8, 2), (7, 3, 1), (6, 2, 0), (2, 1, 4)])
def test_grid_layout(n, nrow, padding):
    x = RNG.random((n, 3, 4, 5)).astype(np.float32)
    g = make_grid(tc.tensor(x), nrow=nrow, padding=padding, pad_value=0.25).numpy()
    cols = min(nrow, n)
    rows = -(-n // cols)
    assert g.shape == (3, rows * (4 + padding) + padding, cols * (5 + padding) + padding)
    assert g.dtype == np.float32
    seen = np.zeros(g.shape[1:], bool)
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = r * (4 + padding) + padding, c * (5 + padding) + padding
        np.testing.assert_array_equal(g[:, top:top + 4, left:left + 5], x[k])
        seen[top:top + 4, left:left + 5] = True
    assert np.all(g[:, ~seen] == np.float32(0.25))       # padding and unused cells


def test_grid_inputs_and_normalisation():
    x = RNG.random((4, 1, 3, 3)).astype(np.float64) * 4 - 1
    g = make_grid([tc.tensor(a) for a in x], nrow=2, padding=1).numpy()
    assert g.shape == (3, 9, 9) and np.array_equal(g[0], g[2])        # gray made RGB
    norm = make_grid(tc.tensor(x), normalize=True, padding=0, nrow=4).numpy()
    np.testing.assert_allclose(norm[0], np.concatenate(list((x[:, 0] - x.min())
                                                            / (x.max() - x.min())), 1))
    each = make_grid(tc.tensor(x), normalize=True, scale_each=True, padding=0, nrow=4).numpy()
    for k in range(4):
        tile = each[0][:, 3 * k:3 * k + 3]
        assert tile.min() == 0.0 and tile.max() == pytest.approx(1.0)
    ranged = make_grid(tc.tensor(x), normalize=True, value_range=(0.0, 2.0), padding=0).numpy()
    np.testing.assert_allclose(ranged[0][:, :3], np.clip(x[0, 0], 0, 2) / 2)
    one = make_grid(tc.tensor(x[:1]))
    assert one.shape == (3, 3, 3)                                     # one image, squeezed
    assert make_grid(np.zeros((5, 6))).shape == (3, 5, 6)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(tc.tensor(x), normalize=True, value_range=[0, 1])
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got a list "
                                        "containing"):
        make_grid([1, 2])
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid("images")


def test_save_image_writes_the_rounded_grid(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    x = RNG.random((3, 3, 6, 7)).astype(np.float32) * 1.2 - 0.1
    save_image(tc.tensor(x), tmp_path / "grid.png", nrow=2, padding=1)
    got = np.asarray(Image.open(tmp_path / "grid.png"))
    grid = make_grid(tc.tensor(x), nrow=2, padding=1).numpy()
    ref = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(got, ref)
    buf = io.BytesIO()
    save_image(tc.tensor(x[0]), buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
