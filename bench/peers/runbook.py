"""The runbook case for the Python peers: a fresh python3 that runs one command on every host of
--hosts-file and exits. Timed inside from the first line of this script (the tool's imports included)
to every host's result in hand; the harness times the whole process around it. started_at and
ended_at (Unix seconds: this script's first line, its last) let it tell the interpreter's start-up
and exit from the rest.

  fabric    fabric.ThreadingGroup(...).run(cmd, hide=True): one thread per host (Fabric has no pool
            size); strict host keys: load_host_keys(<known_hosts>) + RejectPolicy (Fabric 2 sets
            AutoAddPolicy in Connection.__init__, replaced after construction).
  asyncssh  asyncio.gather of asyncssh.connect + conn.run(cmd) over every host at once;
            known_hosts=<the shared file>, client_keys=[<key>].

A host counts as answered only when its command exited 0 and printed exactly --expect."""
import time
START = time.perf_counter()   # the first line run after the interpreter's own start-up: imports count
STARTED_AT = time.time()
import sys  # noqa: E402
from benchcommon import parser, emit, read_hosts  # noqa: E402


def run_fabric(args, hosts):
    import fabric
    import paramiko
    imported = time.perf_counter()
    group = fabric.ThreadingGroup(*hosts, user=args.user, port=args.port,
                                  connect_kwargs={"key_filename": args.key, "allow_agent": False, "look_for_keys": False})
    for c in group:
        c.client.load_host_keys(args.known_hosts)
        c.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        results = group.run(args.command, hide=True, warn=True)
    except fabric.exceptions.GroupException as e:
        results = e.result
    done = time.perf_counter()
    answered = sum(1 for r in results.values() if not isinstance(r, Exception) and r.exited == 0 and r.stdout == args.expect)
    errors = [str(r) for r in results.values() if isinstance(r, Exception)]
    group.close()
    return imported, done, answered, errors


def run_asyncssh(args, hosts):
    import asyncio
    import warnings
    warnings.simplefilter("ignore")   # python3-cryptography's deprecation warnings on import
    import asyncssh
    imported = time.perf_counter()

    async def one(host):
        async with asyncssh.connect(host, port=args.port, username=args.user, client_keys=[args.key],
                                    known_hosts=args.known_hosts, agent_path=None) as conn:
            return await conn.run(args.command)

    async def everything():
        return await asyncio.gather(*(one(h) for h in hosts), return_exceptions=True)

    results = asyncio.run(everything())
    done = time.perf_counter()
    answered = sum(1 for r in results if not isinstance(r, BaseException) and r.exit_status == 0 and r.stdout == args.expect)
    errors = [str(r) for r in results if isinstance(r, BaseException)]
    return imported, done, answered, errors


def main():
    p = parser(__doc__)
    p.add_argument("tool", choices=["fabric", "asyncssh"])
    p.add_argument("--expect", default="ok\n")
    args = p.parse_args()
    hosts = read_hosts(args.hosts_file)
    imported, done, answered, errors = (run_fabric if args.tool == "fabric" else run_asyncssh)(args, hosts)
    emit(seconds=done - START, import_seconds=imported - START, work_seconds=done - imported, count=len(hosts),
         failures=len(hosts) - answered, first_error=errors[0] if errors else None, started_at=STARTED_AT,
         ended_at=time.time())


if __name__ == "__main__":
    sys.exit(main())
