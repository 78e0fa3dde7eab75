"""Shared helpers for the peer scripts: argument parsing, JSON result, paramiko kex capture."""
import argparse
import json
import logging
import sys
import time


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--hosts-file", help="one address per line (fan-out)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="sentinel")
    p.add_argument("--key", required=True)
    p.add_argument("--known-hosts", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--parallel", type=int, default=32)
    p.add_argument("--command", default="true")
    p.add_argument("--cipher")
    p.add_argument("--kex", help="offer only this key exchange algorithm (comma-separated list)")
    p.add_argument("--bytes", type=int, default=0)
    p.add_argument("--sha256")
    return p


def emit(**fields):
    json.dump(fields, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()


def read_hosts(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


class KexCapture(logging.Handler):
    """Collects what paramiko's transport logs about the negotiated algorithms."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
        except Exception:
            pass

    def kex(self):
        for line in self.lines:
            if line.startswith("Kex agreed:") or line.startswith("Kex:"):
                return line.split(":", 1)[1].strip()
        return None


def capture_paramiko():
    handler = KexCapture()
    log = logging.getLogger("paramiko.transport")
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    log.propagate = False
    return handler


def now():
    return time.perf_counter()


def process_status():
    """This process's peak and current resident set (VmHWM, VmRSS, MiB) and thread count, from /proc/self/status.
    VmHWM, not ru_maxrss: on Linux ru_maxrss carries the parent's peak across fork and exec."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return {"peak_mib": int(fields["VmHWM"][0]) / 1024, "rss_mib": int(fields["VmRSS"][0]) / 1024,
            "threads": int(fields["Threads"][0])}
