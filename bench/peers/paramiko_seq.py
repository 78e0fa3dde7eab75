"""Paramiko peer: the replaced helper's design (one SSHClient, exec_command, read stdout and stderr,
recv_exit_status), strict host keys from one known_hosts file (load_host_keys + RejectPolicy).

Modes: seq (N commands over one client; connect not timed), cold (N x connect/run/close, timed: wall
and this process's CPU), throughput (one command's stdout of --bytes, checksum verified; connect not
timed), memory (open --count clients, run `true` on each, report peak RSS and threads), baseline
(paramiko imported, no client: peak RSS and threads), info (negotiated algorithms)."""
import time
import hashlib
import sys

import paramiko

from benchcommon import parser, emit, now, capture_paramiko, read_hosts, process_status


def connect(args, host=None, cipher=None):
    client = paramiko.SSHClient()
    client.load_host_keys(args.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    if cipher:
        # Offer only this cipher; everything else stays paramiko's default.
        disabled = [c for c in paramiko.Transport._preferred_ciphers if c != cipher]
        client.connect(host or args.host, port=args.port, username=args.user, key_filename=args.key,
                       allow_agent=False, look_for_keys=False, disabled_algorithms={"ciphers": disabled})
    else:
        client.connect(host or args.host, port=args.port, username=args.user, key_filename=args.key,
                       allow_agent=False, look_for_keys=False)
    return client


def run(client, command):
    stdin, stdout, stderr = client.exec_command(command)
    out = stdout.read()
    err = stderr.read()
    status = stdout.channel.recv_exit_status()
    return status, out, err


def main():
    p = parser(__doc__)
    p.add_argument("mode", choices=["seq", "cold", "throughput", "memory", "baseline", "info"])
    args = p.parse_args()
    if args.mode == "seq":
        client = connect(args)
        failures = 0
        start = now()
        for _ in range(args.count):
            status, _, _ = run(client, args.command)
            failures += status != 0
        seconds = now() - start
        client.close()
        emit(seconds=seconds, count=args.count, failures=failures)
    elif args.mode == "cold":
        failures = 0
        start, cpu = now(), time.process_time()
        for _ in range(args.count):
            client = connect(args)
            status, _, _ = run(client, args.command)
            failures += status != 0
            client.close()
        emit(seconds=now() - start, cpu_seconds=time.process_time() - cpu, count=args.count, failures=failures)
    elif args.mode == "throughput":
        client = connect(args, cipher=args.cipher)
        cipher = client.get_transport().remote_cipher
        start = now()
        status, out, _ = run(client, args.command)
        seconds = now() - start
        client.close()
        ok = status == 0 and len(out) == args.bytes and hashlib.sha256(out).hexdigest() == args.sha256
        emit(seconds=seconds, bytes=len(out), verified=ok, cipher=cipher, failures=0 if ok else 1)
    elif args.mode == "memory":
        hosts = read_hosts(args.hosts_file) if args.hosts_file else [args.host]
        clients = [connect(args, host=hosts[i % len(hosts)]) for i in range(args.count)]
        failures = sum(run(c, "true")[0] != 0 for c in clients)
        status = process_status()
        for c in clients:
            c.close()
        emit(count=len(clients), failures=failures, **status)
    elif args.mode == "baseline":
        emit(**process_status())
    else:
        capture = capture_paramiko()
        client = connect(args)
        t = client.get_transport()
        emit(version=paramiko.__version__, kex=capture.kex() or type(t.kex_engine).__name__,
             cipher=t.remote_cipher, mac=t.remote_mac, hostkey=t.host_key_type)
        client.close()


if __name__ == "__main__":
    sys.exit(main())
