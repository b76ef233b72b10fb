"""Test stand-in for ``torchvision.utils`` (see the package docstring): ``make_grid`` after
torchvision's documented behaviour, with torch ops."""
import torch


def _rescale(images, value_range, scale_each):
    """Clamp to the range (given, else the min and max) and map it to [0, 1], in place."""
    for part in (images if scale_each else [images]):
        low, high = value_range if value_range is not None else (float(part.min()),
                                                                 float(part.max()))
        part.clamp_(min=low, max=high).sub_(low).div_(max(high - low, 1e-5))
    return images


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile images (B, C, H, W), a list of (C, H, W), or one image, into one (3 or C, H', W')
    image: ``nrow`` images per row, each framed by ``padding`` pixels of ``pad_value``;
    single-channel images become three channels; one image is returned as it is (after that
    conversion). ``normalize`` maps ``value_range`` (default: min and max, per image if
    ``scale_each``) to [0, 1]."""
    images = torch.stack(list(tensor)) if isinstance(tensor, (list, tuple)) else tensor
    if images.dim() == 2:          # one (H, W) image
        images = images.unsqueeze(0)
    if images.dim() == 3:          # one (C, H, W) image
        images = images.unsqueeze(0)
    if images.size(1) == 1:        # grey to RGB
        images = images.expand(-1, 3, -1, -1)
    if normalize:
        images = _rescale(images.clone(), value_range, scale_each)
    n, c, h, w = images.shape
    if n == 1:
        return images[0]
    cols = min(nrow, n)
    rows = -(-n // cols)
    grid = torch.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                      pad_value, dtype=images.dtype)
    for i in range(n):
        top = (i // cols) * (h + padding) + padding
        left = (i % cols) * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = images[i]
    return grid
