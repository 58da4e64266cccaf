"""A few counters and a histogram in Prometheus text format: no dependency needed for this much."""

from __future__ import annotations

import bisect
import threading
from collections import Counter

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.questions: Counter[tuple[str, str]] = Counter()  # (channel, status)
        self.errors: Counter[str] = Counter()  # kind
        self.latency_counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self.latency_sum = 0.0

    def question(self, channel: str, status: str) -> None:
        with self._lock:
            self.questions[(channel, status)] += 1

    def error(self, kind: str) -> None:
        with self._lock:
            self.errors[kind] += 1

    def reply_latency(self, seconds: float) -> None:
        with self._lock:
            self.latency_counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self.latency_sum += seconds

    def render(self, extra: dict[str, float] | None = None) -> str:
        with self._lock:
            lines = [
                "# HELP trolyso_questions_total Questions answered, by channel and outcome.",
                "# TYPE trolyso_questions_total counter",
            ]
            lines += [
                f'trolyso_questions_total{{channel="{c}",status="{s}"}} {n}'
                for (c, s), n in sorted(self.questions.items())
            ]
            lines += [
                "# HELP trolyso_errors_total Failures while handling updates or writing records.",
                "# TYPE trolyso_errors_total counter",
            ]
            lines += [f'trolyso_errors_total{{kind="{k}"}} {n}' for k, n in sorted(self.errors.items())]
            lines += [
                "# HELP trolyso_reply_seconds Time from receiving a question to the reply being sent.",
                "# TYPE trolyso_reply_seconds histogram",
            ]
            running = 0
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), self.latency_counts, strict=True):
                running += count
                label = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'trolyso_reply_seconds_bucket{{le="{label}"}} {running}')
            lines += [f"trolyso_reply_seconds_sum {self.latency_sum:.6f}", f"trolyso_reply_seconds_count {running}"]
        for name, value in (extra or {}).items():
            lines += [f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"


METRICS = Metrics()  # one per process, like the logging module's loggers
