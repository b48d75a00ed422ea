"""Counters and latency histograms per command, rendered in Prometheus' text format (no dependency needed)."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[str, int] = defaultdict(int)
        self.errors: dict[tuple[str, str], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, command: str, seconds: float) -> None:
        with self._lock:
            self.requests[command] += 1
            self.sums[command] += seconds
            counts = self.buckets[command]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1

    def error(self, command: str, kind: str) -> None:
        with self._lock:
            self.errors[(command, kind)] += 1

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        with self._lock:
            lines = [
                "# HELP tutor_requests_total Events handled, by command.",
                "# TYPE tutor_requests_total counter",
            ]
            lines += [f'tutor_requests_total{{command="{c}"}} {n}' for c, n in sorted(self.requests.items())]
            lines += [
                "# HELP tutor_errors_total Events that failed, by command and kind.",
                "# TYPE tutor_errors_total counter",
            ]
            lines += [
                f'tutor_errors_total{{command="{c}",kind="{k}"}} {n}'
                for (c, k), n in sorted(self.errors.items())
            ]
            lines += [
                "# HELP tutor_request_seconds Time to handle an event, by command.",
                "# TYPE tutor_request_seconds histogram",
            ]
            for c in sorted(self.requests):
                for bound, n in zip(BUCKETS, self.buckets[c], strict=True):
                    lines.append(f'tutor_request_seconds_bucket{{command="{c}",le="{bound}"}} {n}')
                lines.append(f'tutor_request_seconds_bucket{{command="{c}",le="+Inf"}} {self.requests[c]}')
                lines.append(f'tutor_request_seconds_sum{{command="{c}"}} {self.sums[c]:.6f}')
                lines.append(f'tutor_request_seconds_count{{command="{c}"}} {self.requests[c]}')
            return "\n".join(lines) + "\n"
