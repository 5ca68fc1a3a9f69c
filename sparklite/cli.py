"""The ``sparklite`` command: ``sparklite quickstart`` runs the quickstart job, ``sparklite version``
prints the version. (``submit``, ``shell`` and ``bench`` arrive with their issues.)"""
from __future__ import annotations

import argparse
import sys


def quickstart(master: str) -> int:
    """Word count over generated text: the job the README's first command runs."""
    import random
    from operator import add

    from sparklite import SparkContext

    rng = random.Random(7)
    words = ["spark", "arrow", "python", "ray", "shuffle", "stage", "task", "block", "cache", "lineage"]
    lines = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(20000)]
    with SparkContext(master, "sparklite-quickstart") as sc:
        counts = (sc.parallelize(lines, 8).flatMap(str.split).map(lambda w: (w, 1))
                  .reduceByKey(add).sortBy(lambda kv: -kv[1]))
        top = counts.take(5)
        total = counts.values().sum()
    print(f"sparklite quickstart: {total} words over {len(lines)} lines; most common:")
    for word, n in top:
        print(f"  {word:10s} {n}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="sparklite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    qs = sub.add_parser("quickstart", help="run a small word count job")
    qs.add_argument("--master", default="local[2]")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)
    if args.command == "quickstart":
        return quickstart(args.master)
    from sparklite import __version__
    print(__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
