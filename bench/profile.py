"""Summarise py-spy's collapsed stacks (``python -m bench --profile PATH`` writes them):
``python -m bench.profile PATH [--top N] [--match TEXT]``. Prints the functions by their own
samples (where the CPU went) and by inclusive samples (what caused it), as shares of all."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# py-spy names a frame "function (path/to/file.py:line)"; the line is dropped to add them up.
_LINE = re.compile(r":\d+\)$")


def summarise(path: Path, top: int, match: str | None) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("own samples", own), ("inclusive samples", inclusive)):
        lines.append(f"\n-- by {title}")
        shown = 0
        for frame, count in counter.most_common():
            if match and match not in frame:
                continue
            lines.append(f"{100 * count / max(total, 1):6.2f}%  {frame}")
            shown += 1
            if shown >= top:
                break
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", help="only frames whose text contains this (e.g. /bot/)")
    args = parser.parse_args()
    print(summarise(args.path, args.top, args.match))


if __name__ == "__main__":
    main()
