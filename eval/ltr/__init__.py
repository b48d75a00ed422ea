"""Learning to rank concepts: an experiment beside `Retriever.scores` (see ltr/run.py)."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # a shared two-core machine
    os.environ.setdefault(_var, "1")
