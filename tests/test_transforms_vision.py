"""torchvision's transforms (torchvision cannot be installed beside this torch): deterministic
ones against torch ops where torchvision's tensor path uses them (interpolate with antialias,
grid_sample on torchvision's grid, F.pad, conv2d) and against formulas derived here; random ones
by fixing their drawn parameters (the same seed drawn through get_params and through the
transform); every image kind (Tensor, uint8 array, float array, PIL) comes back as it went in."""
import colorsys
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
from tinyconv import transforms as T
from tinyconv.transforms import functional as F
from tinyconv.transforms._fgeometry import _inverse_affine_matrix, _parse_padding

PIL = pytest.importorskip("PIL.Image")

RNG = np.random.default_rng(0)
X = RNG.random((3, 17, 23)).astype(np.float32)                     # a float CHW image
U8 = RNG.integers(0, 256, (17, 23, 3)).astype(np.uint8)             # a raw HWC image


def _tensor(x):
    return torch.tensor(x)[None]


# ------------------------------------------------------------------------------------ resize
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [(9, 11), (31, 40), (17, 7)])
def test_resize_is_interpolate(mode, antialias, size):
    aa = antialias and mode in ("bilinear", "bicubic")
    ac = False if mode in ("bilinear", "bicubic") else None
    ref = TF.interpolate(_tensor(X), size=size, mode=mode, align_corners=ac, antialias=aa)[0]
    out = T.Resize(size, interpolation=mode, antialias=antialias)(tc.tensor(X))
    assert isinstance(out, tc.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=2e-6)
    # a uint8 image: computed in float32, rounded back (torchvision's tensor path)
    ref8 = TF.interpolate(_tensor(U8.transpose(2, 0, 1).astype(np.float32)), size=size,
                          mode=mode, align_corners=ac, antialias=aa)[0]
    ref8 = ref8.round().clamp(0, 255).numpy().astype(np.uint8).transpose(1, 2, 0)
    out8 = T.Resize(size, interpolation=mode, antialias=antialias)(U8)
    assert out8.dtype == np.uint8 and out8.shape == size + (3,)
    assert np.abs(out8.astype(int) - ref8.astype(int)).max() <= 1
    assert np.mean(out8 != ref8) < 0.01


def test_resize_size_semantics_and_pil():
    img = np.zeros((30, 20, 3), np.uint8)
    assert T.Resize(10)(img).shape == (15, 10, 3)            # the smaller edge, ratio kept
    assert T.Resize([10])(img).shape == (15, 10, 3)
    assert T.Resize(10, max_size=12)(img).shape == (12, 8, 3)
    assert T.Resize((7, 9))(img).shape == (7, 9, 3)
    assert T.Resize(20)(img) is img                          # already that size
    with pytest.raises(ValueError, match="max_size = 10 must be strictly greater"):
        T.Resize(10, max_size=10)(img)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    pil = PIL.fromarray(U8)
    out = T.Resize((9, 11))(pil)          # Pillow resizes PIL images, as torchvision
    assert isinstance(out, PIL.Image) and out.size == (11, 9)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(pil.resize((11, 9), 2)))
    batch = RNG.random((4, 3, 17, 23)).astype(np.float32)
    np.testing.assert_allclose(T.apply_batch(T.Resize((9, 11)), batch),
                               np.stack([T.Resize((9, 11))(b) for b in batch]), atol=1e-6)


# ------------------------------------------------------------------------------ crop and pad
@pytest.mark.parametrize("size", [(5, 7), (17, 23), (20, 26), (4, 30), 6])
def test_center_crop_formula(size):
    h, w = (size, size) if isinstance(size, int) else size
    out = T.CenterCrop(size)(tc.tensor(X)).numpy()
    # reference: pad (left/top get the smaller half) then take the rounded centre
    ph, pw = max(h - 17, 0), max(w - 23, 0)
    padded = np.pad(X, ((0, 0), (ph // 2, (ph + 1) // 2), (pw // 2, (pw + 1) // 2)))
    top = int(round((padded.shape[1] - h) / 2.0))
    left = int(round((padded.shape[2] - w) / 2.0))
    np.testing.assert_array_equal(out, padded[:, top:top + h, left:left + w])
    assert T.CenterCrop(size)(U8).shape == (h, w, 3)


@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 4)])
@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                             ("reflect", "reflect")])
def test_pad_is_torch_pad(padding, mode, torch_mode):
    p = _parse_padding(padding)                             # (left, top, right, bottom)
    kw = {"value": 0.5} if mode == "constant" else {}
    ref = TF.pad(_tensor(X), (p[0], p[2], p[1], p[3]), mode=torch_mode, **kw)[0]
    out = T.Pad(padding, fill=0.5, padding_mode=mode)(tc.tensor(X))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_pad_symmetric_and_errors():
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 4)
    out = F.pad(x, (2, 0, 2, 0), padding_mode="symmetric")
    np.testing.assert_array_equal(out[0, 0], [1, 0, 0, 1, 2, 3, 3, 2])
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("2")
    with pytest.raises(ValueError, match="not a 3 element tuple"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge"):
        T.Pad(1, padding_mode="wrap")
    assert T.Pad((1, 2))(U8).shape == (21, 25, 3)


# ------------------------------------------------------------------------ rotation and affine
def _composed_inverse(angle, translate, scale, shear):
    """(T C R S SHy SHx C^-1)^-1 composed from its factors (centre at the image centre)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    r = np.array([[math.cos(rot), -math.sin(rot), 0], [math.sin(rot), math.cos(rot), 0],
                  [0, 0, 1]])
    shx = np.array([[1, -math.tan(sx), 0], [0, 1, 0], [0, 0, 1]])
    shy = np.array([[1, 0, 0], [-math.tan(sy), 1, 0], [0, 0, 1]])
    t = np.array([[1, 0, translate[0]], [0, 1, translate[1]], [0, 0, 1]])
    return np.linalg.inv(t @ r @ np.diag([scale, scale, 1.0]) @ shy @ shx)[:2].ravel()


def _grid_sample_reference(x, matrix, mode, fill):
    """torchvision's tensor affine: its grid, then torch's grid_sample (and the fill mask)."""
    h, w = x.shape[-2:]
    theta = torch.tensor(matrix, dtype=torch.float32).view(1, 2, 3)
    base = torch.empty(1, h, w, 3)
    base[..., 0] = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w)
    base[..., 1] = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h)[:, None]
    base[..., 2] = 1
    grid = base.view(1, h * w, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
    img = _tensor(x)
    if fill is not None:
        img = torch.cat([img, torch.ones(1, 1, h, w)], 1)
    out = TF.grid_sample(img, grid.view(1, h, w, 2), mode=mode, padding_mode="zeros",
                         align_corners=False)
    if fill is not None:
        mask, out = out[:, -1:].expand_as(out[:, :-1]), out[:, :-1]
        f = torch.tensor(fill, dtype=torch.float32).view(1, -1, 1, 1).expand_as(out)
        out = torch.where(mask < 0.5, f, out) if mode == "nearest" else out * mask + (1 - mask) * f
    return out[0].numpy()


AFFINE = [(30.0, [0, 0], 1.0, [0.0, 0.0]), (-17.5, [2, -3], 1.2, [10.0, -5.0]),
          (90.0, [0, 0], 0.8, [0.0, 20.0]), (45.0, [1, 1], 1.0, [0.0, 0.0])]


@pytest.mark.parametrize("args", AFFINE)
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.5, 0.2, 0.1]])
def test_affine_is_grid_sample_on_torchvisions_grid(args, mode, fill):
    angle, translate, scale, shear = args
    m = _inverse_affine_matrix([0.0, 0.0], angle, [float(t) for t in translate], scale, shear)
    np.testing.assert_allclose(m, _composed_inverse(angle, translate, scale, shear), atol=1e-12)
    out = F.affine(tc.tensor(X), angle, translate, scale, shear, interpolation=mode, fill=fill)
    np.testing.assert_allclose(out.numpy(), _grid_sample_reference(X, m, mode, fill), atol=1e-6)


@pytest.mark.parametrize("angle", [33.0, -90.0, 180.0])
@pytest.mark.parametrize("expand", [False, True])
def test_rotate_is_the_inverse_rotation_matrix(angle, expand):
    out = F.rotate(tc.tensor(X), angle, interpolation="bilinear", expand=expand)
    m = _inverse_affine_matrix([0.0, 0.0], -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    if not expand:
        np.testing.assert_allclose(out.numpy(), _grid_sample_reference(X, m, "bilinear", None),
                                   atol=1e-6)
    else:
        # the bounding box of the rotated image (PIL's rule)
        c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
        assert out.shape[1:] == (math.ceil(round(17 * c + 23 * s, 4)),
                                 math.ceil(round(23 * c + 17 * s, 4)))
    if angle == 180.0 and not expand:
        np.testing.assert_allclose(out.numpy(), X[:, ::-1, ::-1], atol=1e-5)


def test_random_rotation_and_affine_use_their_drawn_parameters():
    img = tc.tensor(X)
    for make, apply in (
        (lambda: T.RandomRotation(40, interpolation="bilinear", fill=0.3),
         lambda t, a: F.rotate(img, a, "bilinear", False, None, [0.3] * 3)),
        (lambda: T.RandomAffine(25, translate=(0.2, 0.1), scale=(0.8, 1.2), shear=(-5, 5, -3, 3)),
         lambda t, p: F.affine(img, p[0], list(p[1]), p[2], list(p[3]), "nearest", [0.0] * 3)),
    ):
        t = make()
        tc.manual_seed(7)
        if isinstance(t, T.RandomRotation):
            params = t.get_params(t.degrees)
            assert -40 <= params <= 40
        else:
            params = t.get_params(t.degrees, t.translate, t.scale, t.shear, [23, 17])
            assert abs(params[1][0]) <= round(0.2 * 23) and 0.8 <= params[2] <= 1.2
        tc.manual_seed(7)
        np.testing.assert_array_equal(t(img).numpy(), apply(t, params).numpy())
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="scale values should be positive"):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="If shear is a sequence, it must be of len 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))


def test_random_resized_crop_and_flips():
    t = T.RandomResizedCrop((8, 10), scale=(0.3, 0.9), ratio=(0.5, 2.0))
    for seed in range(5):
        tc.manual_seed(seed)
        i, j, h, w = t.get_params(X, t.scale, t.ratio)
        assert 0 <= i <= 17 - h and 0 <= j <= 23 - w
        assert 0.3 * 391 * 0.8 <= h * w <= 0.9 * 391 * 1.2
        tc.manual_seed(seed)
        np.testing.assert_array_equal(t(tc.tensor(X)).numpy(),
                                      F.resized_crop(tc.tensor(X), i, j, h, w, (8, 10)).numpy())
    # no window fits: the central crop at the clamped ratio
    assert T.RandomResizedCrop.get_params(np.zeros((1, 10, 100), np.float32), (2.0, 3.0),
                                          (0.5, 2.0)) == (0, 40, 10, 20)
    with pytest.warns(UserWarning, match=r"Scale and ratio should be of kind \(min, max\)"):
        T.RandomResizedCrop(8, scale=(1.0, 0.5))
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(U8), U8[::-1])
    assert T.RandomVerticalFlip(p=0.0)(U8) is U8
    batch = RNG.integers(0, 255, (6, 5, 4, 3)).astype(np.uint8)
    out = T.apply_batch(T.RandomVerticalFlip(p=0.5), batch)
    assert all(np.array_equal(o, b) or np.array_equal(o, b[::-1]) for o, b in zip(out, batch))


# -------------------------------------------------------------------------------------- color
def _gray_ref(x):
    return 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]


@pytest.mark.parametrize("factor", [0.0, 0.6, 1.7])
def test_brightness_contrast_saturation_formulas(factor):
    g = _gray_ref(X)
    for fn, ref in ((F.adjust_brightness, np.clip(factor * X, 0, 1)),
                    (F.adjust_contrast, np.clip(factor * X + (1 - factor) * g.mean(), 0, 1)),
                    (F.adjust_saturation, np.clip(factor * X + (1 - factor) * g, 0, 1))):
        np.testing.assert_allclose(fn(tc.tensor(X), factor).numpy(), ref, atol=1e-6)
    # uint8: computed in float32, truncated back (torch's .to(uint8))
    x8 = U8.transpose(2, 0, 1).astype(np.float32)
    ref8 = np.clip(factor * x8, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(F.adjust_brightness(U8, factor), ref8)


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_is_an_hsv_rotation(hue):
    out = F.adjust_hue(tc.tensor(X), hue).numpy()
    ref = np.empty_like(X)
    for i in range(X.shape[1]):
        for j in range(X.shape[2]):
            h, s, v = colorsys.rgb_to_hsv(*X[:, i, j])
            ref[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    with pytest.raises(ValueError, match=r"hue_factor \(0.6\) is not in \[-0.5, 0.5\]"):
        F.adjust_hue(X, 0.6)


def test_grayscale_sharpness_and_blur_formulas():
    g = F.rgb_to_grayscale(tc.tensor(X)).numpy()
    np.testing.assert_allclose(g[0], _gray_ref(X), atol=1e-6)
    g3 = T.Grayscale(3)(U8)
    assert g3.shape == U8.shape and np.all(g3[..., 0] == g3[..., 2])
    np.testing.assert_array_equal(
        g3[..., 0], _gray_ref(U8.transpose(2, 0, 1).astype(np.float32)).astype(np.uint8))
    # sharpness: blend with the 3x3 [1 1 1; 1 5 1; 1 1 1]/13 smoothing (borders kept)
    k = torch.ones(3, 1, 3, 3)
    k[:, :, 1, 1] = 5
    smooth = TF.conv2d(_tensor(X), k / 13, groups=3)[0].numpy()
    blurred = X.copy()
    blurred[:, 1:-1, 1:-1] = smooth
    np.testing.assert_allclose(F.adjust_sharpness(tc.tensor(X), 2.0).numpy(),
                               np.clip(2 * X - blurred, 0, 1), atol=1e-6)
    # gaussian blur: reflect padding, then the separable kernel
    kx = np.exp(-0.5 * (np.arange(-2, 3) / 1.3) ** 2)
    ky = np.exp(-0.5 * (np.arange(-1, 2) / 0.7) ** 2)
    k2 = torch.tensor(np.outer(ky / ky.sum(), kx / kx.sum()), dtype=torch.float32)
    ref = TF.conv2d(TF.pad(_tensor(X), (2, 2, 1, 1), mode="reflect"),
                    k2.expand(3, 1, 3, 5), groups=3)[0].numpy()
    np.testing.assert_allclose(F.gaussian_blur(tc.tensor(X), [5, 3], [1.3, 0.7]).numpy(), ref,
                               atol=1e-6)
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="sigma values should be positive and of the form"):
        T.GaussianBlur(3, sigma=(2.0, 1.0))
    tc.manual_seed(3)
    sigma = T.GaussianBlur.get_params(0.1, 2.0)
    tc.manual_seed(3)
    np.testing.assert_array_equal(T.GaussianBlur(5)(tc.tensor(X)).numpy(),
                                  F.gaussian_blur(tc.tensor(X), [5, 5], [sigma, sigma]).numpy())


def test_uint8_only_ops_match_pil_and_formulas():
    from PIL import ImageOps

    pil = PIL.fromarray(U8)
    np.testing.assert_array_equal(F.equalize(U8), np.asarray(ImageOps.equalize(pil)))
    np.testing.assert_array_equal(F.posterize(U8, 3), U8 & 0b11100000)
    np.testing.assert_array_equal(F.invert(U8), 255 - U8)
    np.testing.assert_array_equal(F.solarize(U8, 100), np.where(U8 >= 100, 255 - U8, U8))
    lo = U8.min(axis=(0, 1)).astype(np.float32)
    hi = U8.max(axis=(0, 1)).astype(np.float32)
    ref = np.clip((U8 - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(F.autocontrast(U8), ref)
    with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported"):
        F.equalize(tc.tensor(X))


def test_color_jitter_uses_its_drawn_parameters():
    t = T.ColorJitter(brightness=0.4, contrast=(0.5, 1.5), saturation=0.3, hue=0.1)
    assert t.brightness == (0.6, 1.4) and t.hue == (-0.1, 0.1)
    tc.manual_seed(11)
    order, b, c, s, h = t.get_params(t.brightness, t.contrast, t.saturation, t.hue)
    assert sorted(order) == [0, 1, 2, 3]
    ref = tc.tensor(X)
    for k in order:
        ref = [lambda y: F.adjust_brightness(y, b), lambda y: F.adjust_contrast(y, c),
               lambda y: F.adjust_saturation(y, s), lambda y: F.adjust_hue(y, h)][k](ref)
    tc.manual_seed(11)
    np.testing.assert_array_equal(t(tc.tensor(X)).numpy(), ref.numpy())
    assert T.ColorJitter().brightness is None
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non neg"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(TypeError, match="contrast should be a single number or a list/tuple"):
        T.ColorJitter(contrast=(1, 2, 3))


def test_random_erasing_and_random_grayscale():
    t = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))
    tc.manual_seed(5)
    tc.transforms._color.stream().random()     # the p draw the transform makes first
    i, j, h, w, v = t.get_params(X, t.scale, t.ratio, [0.1, 0.2, 0.3])
    tc.manual_seed(5)
    out = t(tc.tensor(X)).numpy()
    ref = X.copy()
    ref[:, i:i + h, j:j + w] = v
    np.testing.assert_array_equal(out, ref)
    assert 0.02 * 391 * 0.7 <= h * w <= 0.33 * 391 * 1.3
    noisy = T.RandomErasing(p=1.0, value="random")(tc.tensor(X)).numpy()
    assert noisy.shape == X.shape and np.any(noisy != X)
    assert T.RandomErasing(p=0.0)(U8) is U8
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=1.5)
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1, 2))(tc.tensor(X))
    gray = T.RandomGrayscale(p=1.0)(U8)
    assert gray.shape == U8.shape and np.all(gray[..., 0] == gray[..., 1])


# ------------------------------------------------------------------------------ conversions
def test_dtype_and_pil_conversions():
    f = F.convert_image_dtype(tc.tensor(U8.transpose(2, 0, 1).copy()), np.float32)
    np.testing.assert_allclose(f.numpy(), U8.transpose(2, 0, 1) / np.float32(255), rtol=1e-7)
    back = T.ConvertImageDtype(np.uint8)(f)
    np.testing.assert_array_equal(back.numpy(), (f.numpy() * 255.999).astype(np.uint8))
    np.testing.assert_array_equal(back.numpy(), U8.transpose(2, 0, 1))
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(tc.tensor(X), np.int32)
    pil = PIL.fromarray(U8)
    t = T.PILToTensor()(pil)
    assert t.dtype == np.uint8 and t.shape == (3, 17, 23)
    np.testing.assert_array_equal(t.numpy(), U8.transpose(2, 0, 1))
    np.testing.assert_array_equal(T.ToTensor()(pil).numpy(), T.ToTensor()(U8).numpy())
    np.testing.assert_array_equal(T.ToTensor()(pil.convert("L")).numpy()[0],
                                  np.asarray(pil.convert("L")) / np.float32(255))
    img = T.ToPILImage()(T.ToTensor()(U8))
    assert isinstance(img, PIL.Image) and img.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(img), U8)
    assert T.ToPILImage()(U8[..., 0]).mode == "L"
    with pytest.raises(ValueError, match="Only modes"):
        T.ToPILImage(mode="RGBA")(U8)
    # every kind of image comes back as the kind it was
    for img in (pil, U8, tc.tensor(X), X):
        out = T.Compose([T.CenterCrop(9), T.RandomRotation(10), T.ColorJitter(0.2, 0.2, 0.2),
                         T.GaussianBlur(3)])(img)
        assert type(out) is type(img) if not isinstance(img, PIL.Image) else \
            isinstance(out, PIL.Image)


def test_containers():
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    assert T.Lambda(lambda x: x * 2)(3) == 6
    assert T.RandomApply([T.Lambda(lambda x: x + 1)], p=1.0)(1) == 2
    assert T.RandomApply([T.Lambda(lambda x: x + 1)], p=0.0)(1) == 1
    picks = {T.RandomChoice([T.Lambda(lambda x: "a"), T.Lambda(lambda x: "b")])(0)
             for _ in range(40)}
    assert picks == {"a", "b"}
    assert T.RandomChoice([T.Lambda(lambda x: "a"), T.Lambda(lambda x: "b")], p=[0, 1])(0) == "b"
    with pytest.raises(TypeError, match="Argument p should be a sequence"):
        T.RandomChoice([T.Lambda(str)], p=0.5)
    orders = {T.RandomOrder([T.Lambda(lambda s: s + "x"), T.Lambda(lambda s: s + "y")])("")
              for _ in range(40)}
    assert orders == {"xy", "yx"}


# ------------------------------------------------------------------------------ auto augment
def test_autoaugment_cifar10_and_trivialaugment():
    from tinyconv.transforms.autoaugment import _apply_op

    batch = RNG.integers(0, 256, (8, 12, 12, 3)).astype(np.uint8)
    for t in (T.AutoAugment(T.AutoAugmentPolicy.CIFAR10), T.TrivialAugmentWide(),
              T.AutoAugment(T.AutoAugmentPolicy.CIFAR10, interpolation="bilinear", fill=128)):
        tc.manual_seed(0)
        a = T.apply_batch(t, batch)
        tc.manual_seed(0)
        b = T.apply_batch(t, batch)
        assert a.dtype == np.uint8 and a.shape == batch.shape and np.array_equal(a, b)
        assert not np.array_equal(a, batch)
        for img in (PIL.fromarray(batch[0]), tc.tensor(batch[0].transpose(2, 0, 1).copy())):
            assert type(t(img)) is type(img)
    assert len(T.AutoAugment(T.AutoAugmentPolicy.CIFAR10).policies) == 25
    space = T.AutoAugment._augmentation_space(10, (32, 32))
    assert space["TranslateX"][0][-1] == pytest.approx(150 / 331 * 32)
    assert list(space["Posterize"][0]) == [8, 8, 7, 7, 6, 6, 5, 5, 4, 4]
    img = batch[0]
    # ShearX by tangent 0.3 about the top-left corner, as torchvision's _apply_op
    np.testing.assert_array_equal(
        _apply_op(img, "ShearX", 0.3, "nearest", None),
        F.affine(img, 0.0, [0, 0], 1.0, [math.degrees(math.atan(0.3)), 0.0], center=[0, 0]))
    np.testing.assert_array_equal(_apply_op(img, "TranslateY", -4.7, "nearest", None),
                                  F.affine(img, 0.0, [0, -4], 1.0, [0.0, 0.0]))
    with pytest.raises(ValueError, match="The provided operator Blur is not recognized"):
        _apply_op(img, "Blur", 0.0, "nearest", None)


@pytest.mark.parametrize("t", [T.CenterCrop((9, 30)), T.Pad((1, 2, 3, 4), padding_mode="reflect"),
                               T.Grayscale(3), T.ConvertImageDtype(np.float64),
                               T.Resize(8, interpolation="bicubic")])
def test_vectorised_batches_equal_one_image_at_a_time(t):
    for batch in (RNG.integers(0, 256, (5, 17, 23, 3)).astype(np.uint8),
                  RNG.random((5, 3, 17, 23)).astype(np.float32)):
        whole = t.apply_batch(batch)
        ones = np.stack([t(b) for b in batch])
        assert whole.dtype == ones.dtype
        np.testing.assert_allclose(whole, ones, atol=1e-6)
