"""File-copy peers for Copy-SentinelItem's rows: OpenSSH scp and `sftp -b`, AsyncSSH's SFTP client,
parallel-scp (pssh) and Fabric's Connection.put. Timed from Python around each whole transfer,
connection included (as Sentinel's -ComputerName rows are), one JSON line per run.

Modes: upload / download (--tool scp|sftp|asyncssh, --src, --dest; a directory copies recursively),
push (--tool pscp|fabric, --hosts-file, --src, --dest, --parallel).
Every tool gets the same key, known_hosts file and strict host-key checking, and --cipher."""
import asyncio
import concurrent.futures
import os
import subprocess
import tempfile

from benchcommon import parser, emit, now, read_hosts


def ssh_options(args):
    return ["-F", "/dev/null", "-i", args.key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=" + args.known_hosts, "-o", "StrictHostKeyChecking=yes",
            "-o", "Ciphers=" + args.cipher]


def remote(args, path):
    return "%s@%s:%s" % (args.user, args.host, path)


def run_scp(args, upload):
    cmd = ["scp", "-q", "-P", str(args.port)] + ssh_options(args)
    if os.path.isdir(args.src) or args.recurse:
        cmd.append("-r")
    cmd += [args.src, remote(args, args.dest)] if upload else [remote(args, args.src), args.dest]
    subprocess.run(cmd, check=True)


def run_sftp(args, upload):
    with tempfile.NamedTemporaryFile("w", suffix=".batch", delete=False) as batch:
        flag = "-r " if os.path.isdir(args.src) or args.recurse else ""
        batch.write(("put %s'%s' '%s'\n" % (flag, args.src, args.dest)) if upload else ("get %s'%s' '%s'\n" % (flag, args.src, args.dest)))
    try:
        subprocess.run(["sftp", "-q", "-b", batch.name, "-P", str(args.port)] + ssh_options(args) + ["%s@%s" % (args.user, args.host)],
                       check=True, stdout=subprocess.DEVNULL)
    finally:
        os.unlink(batch.name)


def run_asyncssh(args, upload):
    import asyncssh

    async def go():
        async with asyncssh.connect(args.host, port=args.port, username=args.user, client_keys=[args.key],
                                    known_hosts=args.known_hosts, encryption_algs=[args.cipher]) as conn:
            async with conn.start_sftp_client() as sftp:
                recurse = os.path.isdir(args.src) or args.recurse
                if upload:
                    await sftp.put(args.src, args.dest, recurse=recurse)
                else:
                    await sftp.get(args.src, args.dest, recurse=recurse)

    asyncio.run(go())


def run_pscp(args):
    hosts = read_hosts(args.hosts_file)
    cmd = ["parallel-scp", "-h", args.hosts_file, "-p", str(args.parallel), "-l", args.user, "-O", "Port=%d" % args.port,
           "-O", "IdentityFile=" + args.key, "-O", "IdentitiesOnly=yes", "-O", "UserKnownHostsFile=" + args.known_hosts,
           "-O", "StrictHostKeyChecking=yes", "-O", "Ciphers=" + args.cipher, args.src, args.dest]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return sum(1 for line in result.stdout.splitlines() if "[FAILURE]" in line) if result.returncode else 0, len(hosts)


def run_fabric(args):
    import fabric
    hosts = read_hosts(args.hosts_file)

    def put(host):
        connection = fabric.Connection(host, user=args.user, port=args.port,
                                       connect_kwargs={"key_filename": args.key, "look_for_keys": False, "allow_agent": False})
        connection.client.load_host_keys(args.known_hosts)
        try:
            connection.put(args.src, args.dest)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        outcomes = list(pool.map(lambda h: pool_safe(put, h), hosts))
    return sum(1 for ok in outcomes if not ok), len(hosts)


def pool_safe(action, host):
    try:
        action(host)
        return True
    except Exception:
        return False


def main():
    p = parser(__doc__)
    p.add_argument("mode", choices=["upload", "download", "push"])
    p.add_argument("--tool", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dest", required=True)
    p.add_argument("--recurse", action="store_true")
    p.set_defaults(cipher="aes128-gcm@openssh.com")
    args = p.parse_args()
    start = now()
    failures = 0
    if args.mode == "push":
        failures, _ = run_pscp(args) if args.tool == "pscp" else run_fabric(args)
    else:
        {"scp": run_scp, "sftp": run_sftp, "asyncssh": run_asyncssh}[args.tool](args, args.mode == "upload")
    emit(tool=args.tool, mode=args.mode, seconds=now() - start, failures=failures)


if __name__ == "__main__":
    main()
