"""What the fault-injection tests share: child processes that import this checkout's tinyconv
(``PYTHONPATH``, one thread each), and a file-size limit standing for a full disk."""
import os
import resource
import signal
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env():
    """The environment of a child process: this checkout first on the path, one thread."""
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def file_size_limit(nbytes):
    """preexec_fn: writes past ``nbytes`` fail with EFBIG (an OSError) instead of SIGXFSZ."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]   # raising it needs privileges
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))

    return apply


def run_py(code, *args, timeout=120, preexec_fn=None):
    """Run ``code`` in a fresh interpreter; returns the CompletedProcess (text output)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          env=child_env(), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn, cwd=ROOT)
