#!/usr/bin/env python3
"""Fail unless at least MIN_RATIO of the backend tests in a pytest JUnit XML report really ran.

Usage: scripts/junit_ran_ratio.py REPORT.xml [--min 0.9] [--prefix tests.backend]

A test "ran" when it was not skipped (passed or failed alike: failures fail the job on their own). The skip
reasons are printed, grouped, so a MongoDB run shows what it left out and why.
"""

import argparse
import sys
from collections import Counter
from xml.etree import ElementTree


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--min", type=float, default=0.9, dest="min_ratio")
    parser.add_argument("--prefix", default="tests.backend")
    args = parser.parse_args(argv)

    cases = list(ElementTree.parse(args.report).iter("testcase"))  # noqa: S314  our own report
    backend = [case for case in cases if case.get("classname", "").startswith(args.prefix)]
    skipped = [case for case in backend if case.find("skipped") is not None]
    total = len(backend)
    if total == 0:
        print(f"error: no {args.prefix} test cases in {args.report}", file=sys.stderr)
        return 1
    ran = total - len(skipped)
    ratio = ran / total
    reasons = Counter(case.find("skipped").get("message", "") for case in skipped)  # type: ignore[union-attr]
    for reason, count in reasons.most_common():
        print(f"  skipped {count:3d}: {reason}")
    verdict = "ok" if ratio >= args.min_ratio else "FAILED"
    print(f"{args.prefix}: {ran} of {total} ran ({ratio:.1%}; minimum {args.min_ratio:.0%}): {verdict}")
    return 0 if ratio >= args.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
