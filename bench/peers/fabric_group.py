"""Fabric fan-out peer: ThreadingGroup.run over every host in --hosts-file (Fabric starts one thread
per host; it has no pool-size setting). Strict host keys as in fabric_seq.py. Timed inside Python
(interpreter start and imports excluded)."""
import sys

import fabric
import paramiko

from benchcommon import parser, emit, now, read_hosts


def main():
    args = parser(__doc__).parse_args()
    hosts = read_hosts(args.hosts_file)
    start = now()
    group = fabric.ThreadingGroup(*hosts, user=args.user, port=args.port,
                                  connect_kwargs={"key_filename": args.key, "allow_agent": False, "look_for_keys": False})
    for c in group:
        c.client.load_host_keys(args.known_hosts)
        c.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    failures = 0
    try:
        results = group.run(args.command, hide=True, warn=True)
        failures = sum(1 for r in results.values() if getattr(r, "exited", 1) != 0)
    except fabric.exceptions.GroupException as e:
        failures = sum(1 for r in e.result.values() if isinstance(r, Exception) or r.exited != 0)
    seconds = now() - start
    group.close()
    emit(seconds=seconds, count=len(hosts), failures=failures)


if __name__ == "__main__":
    sys.exit(main())
