"""tutor: the platform-agnostic core."""

import os

# numpy's OpenBLAS runs its products on a thread per core and leaves those threads spinning after each call.
# The tutor's products are single-question sized (a question against a concept's sentences), too small to
# gain from threads, and the spinning threads take the cores the embedding model (torch) needs next: with a
# course of 100,000 passages that made each question's encode 8 -> 70 ms. Set before numpy loads OpenBLAS;
# an operator's own OPENBLAS_NUM_THREADS wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
