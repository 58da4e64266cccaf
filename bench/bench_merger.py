"""Cost of the merger feature (issue 16): package import, first load of the map, and per-message cost of the
recogniser on ordinary questions, which must stay tiny because every message passes through it.

    .venv/bin/python bench/bench_merger.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def main() -> None:
    runs = 3
    package = [fresh("import time; t=time.perf_counter(); import vietnamadminunits; print(time.perf_counter()-t)")
               for _ in range(runs)]  # fmt: skip
    first = [
        fresh(
            "import time\nfrom knowledge import merger\nt=time.perf_counter()\n"
            "merger.answer('xã Đăk Cấm, TP Kon Tum')\nprint(time.perf_counter()-t)"
        )
        for _ in range(runs)
    ]
    print(f"import vietnamadminunits itself (we never do): {1e3 * min(package):.0f} ms (best of {runs})")
    print(f"first address question (map loaded from the package's files): {1e3 * min(first):.0f} ms")

    from knowledge import merger

    data = yaml.safe_load((ROOT / "tests/data/dev_questions.yaml").read_text(encoding="utf-8"))["questions"]
    questions = [q.split("] ", 1)[-1] for qs in data.values() for q in qs]
    addresses = [a["text"] for a in yaml.safe_load((ROOT / "tests/data/addresses.yaml").read_text())["addresses"]]
    merger.answer(addresses[0])
    ordinary = [q for q in questions if not merger.is_candidate(q)]
    per = []
    for _ in range(20):
        t = time.perf_counter()
        for q in ordinary:
            merger.answer(q)
        per.append((time.perf_counter() - t) / len(ordinary))
    gated = [q for q in questions if merger.is_candidate(q)]
    t = time.perf_counter()
    for q in gated:
        merger.answer(q)
    deep = (time.perf_counter() - t) / max(1, len(gated))
    t = time.perf_counter()
    for a in addresses:
        merger.answer(a)
    addr = (time.perf_counter() - t) / len(addresses)
    print(f"dev questions: {len(ordinary)} stop at the gate, {len(gated)} are parsed (and not taken)")
    print(f"answer() on an ordinary question: median {1e6 * statistics.median(per):.1f} µs per message")
    print(f"answer() on a question that passes the gate: {1e3 * deep:.2f} ms")
    print(f"answer() on an address (map loaded): {1e3 * addr:.2f} ms")


if __name__ == "__main__":
    main()
