"""How the bench measures: warm timings, one bulletin, its peak memory, bench/results.json.

``bulletin_child`` is run in a fresh process (ranking.py ``--child-bulletin``) so that
the loader's memory does not count in the bulletin's peak.
"""

import json
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    """(first run, the warm runs, last result): the first run warms caches and is not counted."""
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        warm.append(time.perf_counter() - t0)
    return first, warm, result


def fmt_times(first: float, warm: list[float]) -> str:
    return (
        f"best {min(warm):.3f} s, median {statistics.median(warm):.3f} s "
        f"(first {first:.3f} s; runs {', '.join(f'{t:.3f}' for t in warm)})"
    )


def xlsx_function():
    try:
        from supervision.ranking.exports import bulletin_xlsx
    except ImportError:
        return None
    return bulletin_xlsx


def one_bulletin(period, xlsx) -> tuple[object, int, float, float]:
    from supervision.ranking.bulletins import bulletin_generate

    t0 = time.perf_counter()
    bulletin = bulletin_generate(period=period, publish=False)  # a draft is replaced on every run
    generated = time.perf_counter() - t0
    size = 0
    if xlsx is not None:
        t1 = time.perf_counter()
        size = len(xlsx(bulletin))
        return bulletin, size, generated, time.perf_counter() - t1
    return bulletin, size, generated, 0.0


def _vm(field: str) -> float | None:
    """VmRSS / VmHWM of this process in MiB (Linux), None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    # Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS,
    # so the peak read afterwards is the bulletin's own, not Django's start-up.
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def bulletin_child(period) -> dict:
    """Run in a fresh process: the bulletin's peak memory, not the loader's."""
    import gc
    import tracemalloc

    from django.db import connection

    xlsx = xlsx_function()
    connection.ensure_connection()
    one_bulletin(period, xlsx)  # imports, translations, caches: paid once per process
    gc.collect()
    reset = _reset_peak_rss()
    rss_before = _vm("VmRSS")
    _bulletin, size, _g, _x = one_bulletin(period, xlsx)
    rss_peak = _vm("VmHWM") if reset else None
    gc.collect()
    tracemalloc.start()
    one_bulletin(period, xlsx)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "rss_before_mib": rss_before and round(rss_before, 1),
        "rss_peak_delta_mib": round(rss_peak - rss_before, 1) if rss_peak and rss_before else None,
        "xlsx_bytes": size,
        "xlsx": xlsx is not None,
    }


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def record_result(scale: float, entry: dict) -> dict:
    """Store this run's figures under its scale in bench/results.json; return every scale measured here."""
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    history[str(scale)] = entry
    RESULTS.write_text(json.dumps(history, indent=2, sort_keys=True) + "\n")
    return history
