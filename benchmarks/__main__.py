"""`python -m benchmarks [--quick] [--json PATH] [--markdown PATH] [--only NAME ...]`

Runs every benchmark in this one process, each comparing jointops with a baseline measured
alongside it, prints one table and, when asked, writes the figures as JSON (and the table as
Markdown). Benchmarks report; they never fail on a timing. They do fail (exit status 1) when
the system under test misbehaves: a reply missing, an API violation, a wrong count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path

from benchmarks import (
    export,
    fanout,
    faults,
    load,
    memory,
    replicas,
    slack_rt,
    summary,
    sweep,
    telegram_rt,
)
from benchmarks.common import (
    DEFAULT_PG_URL,
    Result,
    Row,
    Sizes,
    machine,
    postgres_reachable,
    steady,
)

NAMES = (
    "telegram",
    "slack",
    "fanout",
    "summary",
    "sweep",
    "memory",
    "load",
    "replicas",
    "faults",
    "export",
)
USE_POSTGRES = ("summary", "load", "replicas")
HEADER = ("benchmark", "measure", "jointops", "baseline", "ratio", "target", "met")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="jointops benchmarks against bare baselines"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (CI, a few minutes)")
    parser.add_argument("--json", metavar="PATH", help="write {machine, figures} as JSON here")
    parser.add_argument("--markdown", metavar="PATH", help="write the table as Markdown here")
    parser.add_argument(
        "--only", nargs="+", choices=NAMES, metavar="NAME", help=f"run only some of {NAMES}"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("JOINTOPS_BENCH_PG_URL", DEFAULT_PG_URL),
        metavar="URL",
        help="PostgreSQL for the summary, load and replicas benchmarks, used when it answers "
        "('' to skip)",
    )
    return parser


def _cells(row: Row) -> tuple[str, ...]:
    met = "" if row.met is None else ("yes" if row.met else "NO")
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
    return (row.bench, row.measure, row.value, row.baseline, ratio, row.target, met)


def text_table(rows: list[Row]) -> str:
    cells = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = []
    for index, cell in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    sizes = Sizes.make(args.quick)
    chosen = args.only or list(NAMES)
    pg_url = (
        args.postgres
        if any(name in chosen for name in USE_POSTGRES) and await postgres_reachable(args.postgres)
        else None
    )
    runners: dict[str, Callable[[], Awaitable[Result]]] = {
        "telegram": lambda: telegram_rt.run(sizes),
        "slack": lambda: slack_rt.run(sizes),
        "fanout": lambda: fanout.run(sizes),
        "summary": lambda: summary.run(sizes, pg_url),
        "sweep": lambda: sweep.run(sizes),
        "memory": lambda: memory.run(sizes),
        "load": lambda: load.run(sizes, pg_url),
        "replicas": lambda: replicas.run(sizes, pg_url),
        "faults": lambda: faults.run(sizes),
        "export": lambda: export.run(sizes),
    }
    described = machine()
    print(f"jointops benchmarks ({'quick' if sizes.quick else 'full'}) on {described}", flush=True)
    started = time.perf_counter()
    results: list[Result] = []
    failed: list[str] = []
    for name in NAMES:
        if name not in chosen:
            continue
        print(f"- {name} ...", end=" ", flush=True)
        steady()
        began = time.perf_counter()
        try:
            result = await runners[name]()
        except Exception:
            failed.append(name)
            print("FAILED", flush=True)
            traceback.print_exc()
            continue
        result.seconds = time.perf_counter() - began
        results.append(result)
        print(f"{result.seconds:.1f} s", flush=True)
    total = time.perf_counter() - started
    rows = [row for r in results for row in r.rows]
    print()
    print(text_table(rows))
    notes = [note for r in results for note in r.notes]
    for note in notes:
        print(f"\nnote: {note}")
    print(
        f"\n{len(results)} benchmark(s) in {total:.1f} s"
        + (f"; FAILED: {failed}" if failed else "")
    )
    figures: dict[str, float] = {}
    for r in results:
        figures.update(r.figures)
    if args.json:
        document = {
            "machine": described,
            "mode": "quick" if sizes.quick else "full",
            "seconds": round(total, 1),
            "sizes": asdict(sizes),
            "figures": figures,
            "notes": notes,
            "failed": failed,
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    if args.markdown:
        mode = "quick" if sizes.quick else "full"
        text = f"Machine: {described}\n\nMode: {mode}, {total:.0f} s in all.\n\n{markdown_table(rows)}\n"
        if notes:
            text += "\n" + "\n".join(f"- {note}" for note in notes) + "\n"
        Path(args.markdown).write_text(text)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # python-telegram-bot announces a future type change of RetryAfter.retry_after
    warnings.filterwarnings("ignore", message="Deprecated since version v22.2")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
