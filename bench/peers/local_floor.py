"""The floor: spawn `bash -c true` locally --count times (subprocess.run, timed inside Python)."""
import subprocess
import sys

from benchcommon import emit, now
import argparse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, required=True)
    args = p.parse_args()
    failures = 0
    start = now()
    for _ in range(args.count):
        failures += subprocess.run(["bash", "-c", "true"]).returncode != 0
    emit(seconds=now() - start, count=args.count, failures=failures)


if __name__ == "__main__":
    sys.exit(main())
