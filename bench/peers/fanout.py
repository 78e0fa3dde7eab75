"""The wide fan-out case for AsyncSSH: a fresh python3 runs one command on every host of --hosts-file,
at most --parallel at once (an asyncio.Semaphore around connect + run), and exits.

Run by Invoke-FanOutBench.ps1 inside the wide fleet's network namespace. --connect-timeout N gives
asyncssh.connect(connect_timeout=N) (TCP connect, handshake and authentication); 0 leaves it out, so a
host that never answers waits for the kernel's SYN retries and AsyncSSH's 2-minute login timeout.
Timed from just before the fan-out to every result in hand (the import apart). A host is ok when its
command exited 0 and printed exactly --expect (trimmed); every other host is lost. Errors are counted
by exception class. Peak memory is this process's VmHWM; import_rss_mib its resident set right after the
import, before any host; cpu_seconds this process's CPU over the fan-out (time.process_time, the import
apart). Prints one JSON line."""
import time
START = time.perf_counter()
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from benchcommon import parser, emit, read_hosts, process_status  # noqa: E402


def main():
    p = parser(__doc__)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--expect", default="ok")
    args = p.parse_args()
    hosts = read_hosts(args.hosts_file)

    import asyncio
    import warnings
    warnings.simplefilter("ignore")   # python3-cryptography's deprecation warnings on import
    import asyncssh
    imported = time.perf_counter()
    import_rss = process_status()["rss_mib"]
    timeout = {"connect_timeout": args.connect_timeout} if args.connect_timeout > 0 else {}

    async def one(host, gate):
        async with gate:
            async with asyncssh.connect(host, port=args.port, username=args.user, client_keys=[args.key],
                                        known_hosts=args.known_hosts, agent_path=None, **timeout) as conn:
                return await conn.run(args.command)

    async def everything():
        gate = asyncio.Semaphore(args.parallel)
        return await asyncio.gather(*(one(h, gate) for h in hosts), return_exceptions=True)

    began = time.perf_counter()
    cpu_began = time.process_time()
    results = asyncio.run(everything())
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    ok = sum(1 for r in results if not isinstance(r, BaseException) and r.exit_status == 0
             and (r.stdout or "").strip() == args.expect)
    failures = [(h, r) for h, r in zip(hosts, results) if isinstance(r, BaseException)]
    errors = Counter(type(r).__name__ for _, r in failures)
    emit(seconds=seconds, import_seconds=imported - START, count=len(hosts), ok=ok, lost=len(hosts) - ok,
         errors=dict(errors.most_common()), peak_mib=process_status()["peak_mib"], import_rss_mib=import_rss,
         cpu_seconds=cpu_seconds,
         first_error=f"{failures[0][0]}: {type(failures[0][1]).__name__}: {failures[0][1]}" if failures else None)


if __name__ == "__main__":
    sys.exit(main())
