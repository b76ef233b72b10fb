"""Image datasets in their official file formats: CIFAR-10 (python batches), MNIST and
Fashion-MNIST (IDX, optionally gzipped).

Where the files are looked for, in order: ``root`` (if given), ``$TINYCONV_DATA``,
``~/.cache/tinyconv``, and for Fashion-MNIST the directory of the Debian package
``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``). Inside each base directory the
dataset's own folder (``FashionMNIST/raw``, ``FashionMNIST``, ``MNIST/raw``, ...,
``cifar-10-batches-py``) and the base itself are tried.

``download=True`` fetches the official files into the first base directory (``root``, else
``$TINYCONV_DATA``, else ``~/.cache/tinyconv``): a tqdm progress bar, a ``.part`` file that is
resumed with an HTTP Range request (or restarted when the server ignores it), kept when the
connection drops, and renamed only once it has the published size and md5 (a mirror serving
other bytes is followed by the next one), and, for CIFAR-10, a tar extraction into a staging
folder that refuses absolute paths, ``..`` components, special files and paths or links that
lead outside the target (through chains of the archive's own symlinks too), then checks the
files' md5s and only then renames the folder into place.
Without the files and without ``download=True`` the error names each file, where to put it, its
size and md5.

Integrity: CIFAR-10's files are checked against the official per-file md5s every time they
are read (a folder holding other data lists its own in ``MD5SUMS``, as ``write_fake_cifar10``
does); with ``download=True`` a damaged copy is extracted afresh, otherwise the error names the
damaged files. The IDX readers check the header against the size and, for ``.gz`` files,
gzip's CRC; a damaged file is an error naming it (re-downloaded with ``download=True``).

Images are kept as uint8 arrays: ``(N, 28, 28)`` for the MNIST family, ``(N, 32, 32, 3)`` for
CIFAR-10 (``data``), labels as int64 (``targets``). ``ds[i]`` is ``(image, label)``; the
``DataLoader`` gathers whole batches with one fancy index and applies the transform batched.

``write_fake_cifar10`` and ``write_fake_mnist`` write small random datasets in the official
formats (used by the tests, handy for trying the pipeline offline).
"""
from ._files import DEBIAN_FASHION_MNIST, download_url, md5sum, safe_extract_tar
from .cifar import CIFAR10, cifar10_archive, write_fake_cifar10
from .mnist import MNIST, FashionMNIST, write_fake_mnist

__all__ = ["CIFAR10", "MNIST", "FashionMNIST", "DEBIAN_FASHION_MNIST", "download_url", "md5sum",
           "safe_extract_tar", "write_fake_cifar10", "write_fake_mnist", "cifar10_archive"]
