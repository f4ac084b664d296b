"""Captum timings: CPU seconds per attribute() call of one thread (torch.set_num_threads(1), with
OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1 set before torch is imported, captum_parity.py). CPU
time (time.process_time) rather than wall time, because the machine is shared: a process waiting for
a core accrues wall time but no CPU time. Ours is the same measure: BM_Explain's CPU time of its one
thread."""

import statistics
import time


def captum_seconds(run, min_total=0.5, max_calls=20):
    """Median CPU seconds of run() over calls until min_total CPU seconds or max_calls (at least 3)."""
    run()  # warm-up (hooks, allocator)
    samples = []
    while len(samples) < 3 or (sum(samples) < min_total and len(samples) < max_calls):
        start = time.process_time()
        run()
        samples.append(time.process_time() - start)
    return statistics.median(samples)
