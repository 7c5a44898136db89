"""Summary scaling: `summary CODE` through the dispatcher, as the admin, on an operation with
158 agencies and 1,000 / 10,000 / 100,000 tasks, against one raw SQL GROUP BY over the same
rows (assignee agency x status counts). SQLite always, PostgreSQL too when it answers.

Each size is its own operation in one database (as in production, other operations' tasks
share the table). Figures are medians of several timings after one warm-up run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from benchmarks.common import (
    Result,
    Row,
    Sizes,
    Stack,
    bulk_tasks,
    median,
    open_stack,
    say,
    seed_operation,
    spread_due,
    sqlite_url,
    temp_dir,
)

AGENCIES = 158
RAW = text(
    "SELECT assignee_agency_id, status, count(*) FROM task "
    "WHERE operation_id = :op GROUP BY assignee_agency_id, status"
)


def label(count: int) -> str:
    return f"{count // 1_000_000}m" if count >= 1_000_000 else f"{count // 1000}k"


async def timed(
    ours: Callable[[], Awaitable[object]], base: Callable[[], Awaitable[object]], repeats: int
) -> tuple[float, float]:
    """Median seconds of each of two calls, timed in turns (ABBA) after one warm-up each."""
    await ours()
    await base()
    times: tuple[list[float], list[float]] = ([], [])
    pair = ((ours, times[0]), (base, times[1]))
    for repeat in range(repeats):
        for fn, into in pair if repeat % 2 == 0 else pair[::-1]:
            started = time.perf_counter()
            await fn()
            into.append(time.perf_counter() - started)
    return median(times[0]), median(times[1])


async def check(stack: Stack, code: str, operation_id: int) -> None:
    """The summary's agency lines and done count (written 2,500) agree with the raw query."""
    reply = await say(stack, f"summary {code}")
    async with stack.sessions() as session:
        rows = (await session.execute(RAW, {"op": operation_id})).all()
    done = sum(n for _, status, n in rows if status == "done")
    tasks = next(f.value for f in reply.fields if f.label == "Tasks")
    if f"{done:,} done" not in tasks or len(reply.sections[0].lines) != AGENCIES:
        raise RuntimeError(f"summary disagrees with the raw counts: {tasks!r}, {done} done")


async def measure(stack: Stack, sizes: Sizes, result: Result, backend: str) -> None:
    now = stack.dispatcher.clock.now()
    points: list[tuple[int, float, float]] = []
    for index, count in enumerate(sizes.summary_tasks):
        seeded = await seed_operation(
            stack, f"SUM-{label(count).upper()}", AGENCIES, prefix=f"S{index}"
        )
        await bulk_tasks(stack, seeded, count, due=spread_due(now))

        async def summary(code: str = seeded.code) -> object:
            reply = await say(stack, f"summary {code}")
            return reply

        async def raw(operation_id: int = seeded.operation_id) -> object:
            async with stack.sessions() as session:
                return (await session.execute(RAW, {"op": operation_id})).all()

        await check(stack, seeded.code, seeded.operation_id)
        ours, base = await timed(summary, raw, sizes.summary_repeats)
        points.append((count, ours, base))
    largest, ours, base = points[-1]
    for count, ours_s, base_s in points:
        key = f"summary_{backend}_{label(count)}"
        result.figures[f"{key}_ms"] = round(ours_s * 1000, 2)
        result.figures[f"{key}_raw_ms"] = round(base_s * 1000, 2)
        result.figures[f"{key}_ratio"] = round(ours_s / base_s, 2)
        is_largest = count == largest
        result.rows.append(
            Row(
                f"Summary ({backend})",
                f"{count:,} tasks x {AGENCIES} agencies",
                f"{ours_s * 1000:.1f} ms",
                f"{base_s * 1000:.1f} ms (raw GROUP BY)",
                ours_s / base_s,
                "≤ 2x raw" if is_largest else "",
                ours_s / base_s <= 2 if is_largest else None,
            )
        )
    (c0, o0, b0), (c1, o1, b1) = points[0], points[-1]
    result.figures[f"summary_{backend}_growth"] = round(o1 / o0, 2)  # for x(c1 / c0) tasks
    result.rows.append(
        Row(
            f"Summary ({backend})",
            f"growth {c0:,} -> {c1:,} tasks (x{c1 // c0})",
            f"x{o1 / o0:.1f}",
            f"x{b1 / b0:.1f} (raw)",
            None,
            f"≤ x{c1 // c0} (linear)",
            o1 / o0 <= (c1 / c0) * 1.1,
        )
    )
    if backend == "sqlite":
        result.figures["summary_100k_ms"] = round(ours * 1000, 2)
        result.figures["summary_100k_ratio"] = round(ours / base, 2)
        result.figures["summary_100k_tasks"] = largest


async def run(sizes: Sizes, pg_url: str | None) -> Result:
    result = Result("summary")
    with temp_dir("summary") as tmp:
        await _sqlite(sizes, tmp, result)
    if pg_url:
        async with open_stack(pg_url) as stack:
            await measure(stack, sizes, result, "postgresql")
    else:
        result.notes.append("PostgreSQL not reachable: summary measured on SQLite only.")
    return result


async def _sqlite(sizes: Sizes, tmp: Path, result: Result) -> None:
    async with open_stack(sqlite_url(tmp / "summary.db")) as stack:
        await measure(stack, sizes, result, "sqlite")
