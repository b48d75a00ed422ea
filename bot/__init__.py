"""tutor: the platform-agnostic core."""

import os

# numpy's OpenBLAS runs its products on a thread per core and leaves those threads spinning after each call.
# The tutor's products are single-question sized (a question against a concept's sentences), too small to
# gain from threads, and the spinning threads take the cores the embedding model (torch) needs next: with a
# course of 100,000 passages that made each question's encode 8 -> 70 ms. Set before numpy loads OpenBLAS;
# an operator's own OPENBLAS_NUM_THREADS wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _bound_malloc() -> None:
    """glibc gives each thread that allocates an arena of its own, up to eight per core, and keeps what a freed
    large buffer held when its threshold has grown. A worker answering a burst of 300 questions on 300 threads
    grew by 76 MiB, and one batch of passages by 91 MiB more, none of it given back. Two arenas and a fixed
    threshold (large buffers are mapped and unmapped, not kept in the heap) hold both to about half.
    Linux with glibc only; an operator's own MALLOC_ARENA_MAX wins."""
    import sys

    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD: fixed, so it no longer grows with each large free
    except (OSError, AttributeError):  # not glibc (musl, for one): its own allocator's defaults stand
        pass


_bound_malloc()
