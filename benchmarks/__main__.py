"""``python -m benchmarks [--quick]``: run the benchmarks and write their tables into docs/performance.md."""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
from pathlib import Path

from benchmarks.engine import run_engine

DOC = Path(__file__).parents[1] / "docs" / "performance.md"


def table(rows: list[dict]) -> str:
    head = "| what | median | p95 | target | result | note |\n| --- | --- | --- | --- | --- | --- |\n"
    return head + "".join(
        f"| {r['what']} | {r['median']} | {r['p95']} | {r['target']} | {r['verdict']} | {r['note']} |\n" for r in rows)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "?")
    return (f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def replace_section(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}{end}"
    if start in text:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    return text + "\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and no 10,000-node pathway")
    parser.add_argument("--no-write", action="store_true", help="print the tables, do not update the doc")
    args = parser.parse_args(argv)
    body = f"Machine: {machine()}.\n\n" + table(run_engine(quick=args.quick))
    print(body)
    if not args.no_write:
        DOC.write_text(replace_section(DOC.read_text(encoding="utf-8"), "engine", body), encoding="utf-8")
        print(f"updated {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
