"""Build of the Cython kernels; everything else lives in pyproject.toml.

OpenMP is used where the compiler accepts ``-fopenmp``; without it the kernels still build
and run single-threaded (``prange`` falls back to a plain loop).
"""
import os
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup


def _openmp_flags():
    if os.environ.get("TINYCONV_NO_OPENMP"):
        return [], []
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None or sys.platform == "win32":
        return [], []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n")
        ok = subprocess.run([cc, "-fopenmp", src, "-o", os.path.join(tmp, "t")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    return (["-fopenmp"], ["-fopenmp"]) if ok else ([], [])


def _extensions():
    from Cython.Build import cythonize

    cflags, lflags = _openmp_flags()
    ext = Extension(
        "tinyconv.ops._im2col",
        ["tinyconv/ops/_im2col.pyx"],
        extra_compile_args=["-O3"] + cflags,
        extra_link_args=lflags,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    return cythonize(
        [ext],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    )


setup(ext_modules=_extensions())
