"""Fabric peer: Connection.run(hide=True), strict host keys from one known_hosts file.

Fabric 2 hard-codes AutoAddPolicy in Connection.__init__; the harness replaces it with RejectPolicy
after construction and loads the shared known_hosts file, so every tool has the same host-key policy.
Modes: seq (N commands over one Connection; connect not timed), cold (N x connect/run/close, timed)."""
import sys

import fabric
import paramiko

from benchcommon import parser, emit, now


def connection(args, host=None):
    c = fabric.Connection(host or args.host, user=args.user, port=args.port,
                          connect_kwargs={"key_filename": args.key, "allow_agent": False, "look_for_keys": False})
    c.client.load_host_keys(args.known_hosts)
    c.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return c


def main():
    p = parser(__doc__)
    p.add_argument("mode", choices=["seq", "cold"])
    args = p.parse_args()
    failures = 0
    if args.mode == "seq":
        c = connection(args)
        c.open()
        start = now()
        for _ in range(args.count):
            failures += c.run(args.command, hide=True, warn=True).exited != 0
        seconds = now() - start
        c.close()
    else:
        start = now()
        for _ in range(args.count):
            c = connection(args)
            failures += c.run(args.command, hide=True, warn=True).exited != 0
            c.close()
        seconds = now() - start
    emit(seconds=seconds, count=args.count, failures=failures, version=fabric.__version__)


if __name__ == "__main__":
    sys.exit(main())
