"""SHA-256 of the Cython kernel sources: recorded by setup.py at build time, checked by doctor.

Standard library only and free of package-relative imports: setup.py loads this file by path
(before the extension exists, possibly without NumPy), so importing ``tinyconv`` is not an
option there; ``tinyconv.__main__`` imports it as a normal module.
"""
import glob
import hashlib
import os

__all__ = ["OPS_DIR", "kernel_sources", "sources_sha256"]

OPS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops")


def kernel_sources(ops_dir=OPS_DIR):
    """The kernel source files the extension is built from.

    Args:
        ops_dir: directory holding the ``*.pyx`` / ``*.pxi`` files.

    Returns:
        Their paths, sorted (the order the hash reads them in).
    """
    paths = glob.glob(os.path.join(ops_dir, "*.pyx")) + glob.glob(os.path.join(ops_dir, "*.pxi"))
    return sorted(paths)


def sources_sha256(ops_dir=OPS_DIR):
    """SHA-256 over the kernel sources' names and contents.

    Args:
        ops_dir: directory holding the ``*.pyx`` / ``*.pxi`` files.

    Returns:
        The hex digest; it changes when a source is edited, added, removed or renamed.
    """
    h = hashlib.sha256()
    for path in kernel_sources(ops_dir):
        # the name is hashed too, and NUL-terminated so that no name/content split is ambiguous
        h.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()
