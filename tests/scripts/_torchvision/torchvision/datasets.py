"""Test stand-in for ``torchvision.datasets`` (see the package docstring): CIFAR10 and MNIST
read from their official file formats. Images are handed to the transform as uint8 arrays
(``(32, 32, 3)`` and ``(28, 28)``) where torchvision hands PIL images; ``ToTensor`` treats
both alike. Nothing is downloaded: ``download=True`` only extracts a CIFAR-10 archive already
in ``root``, as torchvision does when the archive is present."""
import gzip
import os
import pickle
import tarfile

import numpy as np


class _ImageDataset:
    data: np.ndarray
    targets: list

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)


class CIFAR10(_ImageDataset):
    """CIFAR-10 from ``root/cifar-10-batches-py`` (the python version's pickled batches)."""

    base_folder = "cifar-10-batches-py"
    filename = "cifar-10-python.tar.gz"
    train_list = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                  "data_batch_5"]
    test_list = ["test_batch"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        folder = os.path.join(self.root, self.base_folder)
        archive = os.path.join(self.root, self.filename)
        if download and not os.path.isdir(folder) and os.path.isfile(archive):
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(self.root, filter="data")
        if not os.path.isdir(folder):
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to "
                               "download it")
        rows, self.targets = [], []
        for name in self.train_list if train else self.test_list:
            with open(os.path.join(folder, name), "rb") as f:
                entry = pickle.load(f, encoding="latin1")
            rows.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # stored channel-planar; kept as (N, 32, 32, 3) images like torchvision
        self.data = np.vstack(rows).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        with open(os.path.join(folder, "batches.meta"), "rb") as f:
            self.classes = pickle.load(f, encoding="latin1")["label_names"]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class MNIST(_ImageDataset):
    """MNIST from ``root/MNIST/raw`` (the IDX files, gzipped or not)."""

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        raw = os.path.join(self.root, type(self).__name__, "raw")
        prefix = "train" if train else "t10k"
        arrays = []
        for stem in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
            path = os.path.join(raw, stem)
            if not os.path.isfile(path):
                path += ".gz"
            if not os.path.isfile(path):
                raise RuntimeError("Dataset not found. You can use download=True to download it")
            arrays.append(_read_idx(path))
        self.data, labels = arrays
        self.targets = labels.astype(np.int64).tolist()
