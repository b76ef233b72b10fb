"""The base class of the image datasets: uint8 images and int64 labels as whole arrays."""
import numpy as np

from .. import transforms as _transforms
from ..utils.data import Dataset


# --------------------------------------------------------------------------- base class

class _ImageArrayDataset(Dataset):
    """uint8 images + int64 labels held as arrays; batched fast path for the DataLoader."""

    data: np.ndarray
    targets: np.ndarray
    classes: list = []

    def _set_split(self, train, transform, target_transform):
        """Record the split and the transforms (every image dataset's first step)."""
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index):
        img = self.data[index]
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return int(self.data.shape[0])

    def _get_batch(self, indices):
        imgs = self.data[indices]
        if self.transform is not None:
            imgs = _transforms.apply_batch(self.transform, imgs)
        targets = self.targets[indices]
        if self.target_transform is not None:
            targets = np.asarray([self.target_transform(int(t)) for t in targets])
        return imgs, targets

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")
