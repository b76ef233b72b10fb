"""Timing helpers shared by the benchmarks: medians, ratios, one table format.

Every benchmark runs tinyconv and torch on the same work in the same process run, alternating
between them, so that a noisy shared machine slows both alike; it reports medians and the
ratio tinyconv/torch.

Every benchmark measures tinyconv as users run it: numpy and torch are imported before
tinyconv, and no tinyconv-specific environment variable is set (``import_order.py`` checks
that the other order gives the same speed).  The header line names the CPU, its vector ISA and
the load average, since the machine is shared.
"""
import gc
import os
import statistics
import time


def time_fn(fn, repeat=7, warmup=2, min_time=0.0):
    """Median wall time of ``fn()`` in seconds (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t_end = time.perf_counter() + min_time
        while len(times) < repeat or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times)


def compare(fn_tc, fn_torch, repeat=7, warmup=2, rounds=3):
    """Medians of tinyconv and torch, interleaved over ``rounds`` to share the noise."""
    a, b = [], []
    for _ in range(rounds):
        a.append(time_fn(fn_tc, repeat=repeat, warmup=warmup))
        b.append(time_fn(fn_torch, repeat=repeat, warmup=warmup))
        warmup = 1
    return statistics.median(a), statistics.median(b)


def run_cases(case_list, repeat=7, rounds=3, repeat_for=None):
    """Rows (name, tinyconv ms, torch ms, ratio) for (name, tc_fn, torch_fn) cases.

    ``repeat_for(name)`` may give a case its own repeat count (sub-millisecond cases)."""
    rows = []
    for name, fn_tc, fn_torch in case_list:
        reps = repeat_for(name) if repeat_for is not None else repeat
        a, b = compare(fn_tc, fn_torch, repeat=reps, rounds=rounds)
        rows.append((name, a * 1e3, b * 1e3, a / b))
    return rows


CASE_HEADERS = ["case", "tinyconv ms (median)", "torch ms (median)", "ratio tc/torch"]


def format_table(rows, headers):
    """A Markdown table from a list of row tuples."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def _fmt(c):
    if isinstance(c, float):
        return f"{c:.3g}" if abs(c) < 1000 else f"{c:.0f}"
    return str(c)


def cpu_isa():
    """The widest x86 vector ISA the CPU reports ("AVX-512", "AVX2", ...), from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((ln.split(":", 1)[1].split() for ln in f if ln.startswith("flags")), [])
    except OSError:
        return "?"
    for isa, flag in (("AVX-512", "avx512f"), ("AVX2", "avx2"), ("AVX", "avx"),
                      ("SSE4.2", "sse4_2")):
        if flag in flags:
            return isa
    return "?"


def load_average():
    """The 1-minute load average (os.getloadavg), or None where there is none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def machine_line():
    """Date, CPU, ISA, load and thread settings, for the header of a results table."""
    import platform

    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = load_average()
    import tinyconv as tc

    load_text = f"load {load:.1f}" if load is not None else "load ?"
    return (f"{time.strftime('%Y-%m-%d')}, {cpu} ({cpu_isa()}), {os.cpu_count()} cores, "
            f"{load_text}, numpy {np.__version__}, "
            f"BLAS threads: {tc.backends.kernels.blas_threads}, "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}")
