"""AsyncSSH peer (Debian's python3-asyncssh). Strict host keys: known_hosts=<the shared file>, so a host
without an entry is refused; the lab key as client_keys; no agent; AsyncSSH's defaults otherwise.

Modes: seq (N sequential `await conn.run(cmd)` over one connection, after --warm-up untimed ones;
connect not timed), cold (N x connect, run, close, one after another, timed: wall time and this
process's CPU), memory (--count connections over --hosts-file in one asyncio process, `true` run on
each, then peak RSS and threads), baseline (asyncssh imported, no connection: peak RSS and threads),
info (version and the negotiated algorithms)."""
import asyncio
import logging
import sys
import time
import warnings

warnings.simplefilter("ignore")   # python3-cryptography's deprecation warnings about ciphers asyncssh registers
import asyncssh  # noqa: E402

from benchcommon import parser, emit, now, read_hosts, process_status  # noqa: E402


def options(args):
    kex = {"kex_algs": args.kex.split(",")} if args.kex else {}
    return dict(port=args.port, username=args.user, client_keys=[args.key], known_hosts=args.known_hosts,
                agent_path=None, **kex)


async def seq(args):
    async with asyncssh.connect(args.host, **options(args)) as conn:
        for _ in range(args.warm_up):
            await conn.run(args.command)
        failures = 0
        start = now()
        for _ in range(args.count):
            failures += (await conn.run(args.command)).exit_status != 0
        seconds = now() - start
    emit(seconds=seconds, count=args.count, failures=failures)


async def cold(args):
    failures = 0
    errors = []
    start, cpu = now(), time.process_time()
    for _ in range(args.count):
        try:
            async with asyncssh.connect(args.host, **options(args)) as conn:
                failures += (await conn.run(args.command)).exit_status != 0
        except (OSError, asyncssh.Error) as e:
            failures += 1
            errors.append(str(e))
    emit(seconds=now() - start, cpu_seconds=time.process_time() - cpu, count=args.count, failures=failures,
         first_error=errors[0] if errors else None)


async def memory(args):
    hosts = read_hosts(args.hosts_file) if args.hosts_file else [args.host]
    conns = []
    for i in range(args.count):
        conns.append(await asyncssh.connect(hosts[i % len(hosts)], **options(args)))
    results = await asyncio.gather(*(c.run("true") for c in conns))
    status = process_status()
    for c in conns:
        c.close()
    await asyncio.gather(*(c.wait_closed() for c in conns))
    emit(count=len(conns), failures=sum(r.exit_status != 0 for r in results), **status)


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


async def info(args):
    lines = _Lines()
    logger = logging.getLogger("asyncssh")
    logger.addHandler(lines)
    logger.propagate = False
    asyncssh.set_log_level(logging.DEBUG)
    asyncssh.set_debug_level(2)
    async with asyncssh.connect(args.host, **options(args)) as conn:
        await conn.run("true")
        # The negotiated cipher and MAC are not public: AsyncSSH keeps them on the connection.
        cipher = getattr(conn, "_enc_alg_cs", b"").decode() or None
        mac = getattr(conn, "_mac_alg_cs", b"").decode() or None
    if mac == cipher:   # AEAD ciphers: AsyncSSH names the cipher as the MAC
        mac = "implicit (AEAD)"
    # Logged as "[conn=0] ...   Key exchange alg: b'curve25519-sha256'".
    kex = next((line.split("Key exchange alg:", 1)[1].strip() for line in lines.lines if "Key exchange alg:" in line), None)
    if kex and kex.startswith("b'"):
        kex = kex[2:-1]
    emit(version=asyncssh.__version__, kex=kex, cipher=cipher, mac=mac)


def main():
    p = parser(__doc__)
    p.add_argument("mode", choices=["seq", "cold", "memory", "baseline", "info"])
    p.add_argument("--warm-up", type=int, default=50)
    args = p.parse_args()
    if args.mode == "baseline":
        emit(**process_status())
        return
    asyncio.run({"seq": seq, "cold": cold, "memory": memory, "info": info}[args.mode](args))


if __name__ == "__main__":
    sys.exit(main())
