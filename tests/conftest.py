"""Session set-up for the tests."""
# Import tinyconv before any test module imports torch: the first of the two to load picks the
# process's libgomp (both link libgomp.so.1), and tinyconv's many small OpenMP regions run
# about ten times slower on the copy bundled with torch's wheel than on the system's.
import tinyconv  # noqa: F401
