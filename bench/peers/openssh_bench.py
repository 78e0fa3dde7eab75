"""OpenSSH peer (the ssh client, run as a subprocess from Python, timed inside Python).

Modes: seq (N x `ssh -S master host cmd` over one ControlMaster; master start not timed),
cold (N x plain `ssh host cmd`: wall time, and the ssh processes' CPU from RUSAGE_CHILDREN), throughput (stdout of one command over a ControlMaster with
--cipher, read in 1 MiB chunks, checksum verified after the clock stops), concurrent (N commands at
once over one ControlMaster), info (what `ssh -v` says it negotiated).
Every ssh gets the same key, known_hosts file and StrictHostKeyChecking=yes; the rest is default
(--kex sets KexAlgorithms for cold and info)."""
import hashlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

from benchcommon import parser, emit, now


def base(args):
    kex = ["-o", "KexAlgorithms=" + args.kex] if args.kex else []
    return ["ssh", "-F", "/dev/null", "-p", str(args.port), "-l", args.user, "-i", args.key,
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=" + args.known_hosts, "-o", "StrictHostKeyChecking=yes"] + kex


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Master:
    """A ControlMaster started in the foreground (-N) so that it is stopped by its own PID."""

    def __init__(self, args, cipher=None):
        self.dir = tempfile.mkdtemp(prefix="sentinel-bench-cm-")
        self.socket = os.path.join(self.dir, "cm")
        extra = ["-c", cipher] if cipher else []
        self.process = subprocess.Popen(base(args) + extra + ["-o", "ControlMaster=yes", "-o", "ControlPersist=no",
                                        "-S", self.socket, "-N", args.host],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("ControlMaster did not start")
            time.sleep(0.01)

    def command(self, args):
        return base(args) + ["-S", self.socket, "-o", "ControlMaster=no", args.host]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        os.rmdir(self.dir)


def main():
    p = parser(__doc__)
    p.add_argument("mode", choices=["seq", "cold", "throughput", "concurrent", "info"])
    args = p.parse_args()
    failures = 0
    if args.mode == "seq":
        master = Master(args)
        try:
            cmd = master.command(args) + [args.command]
            start = now()
            for _ in range(args.count):
                failures += subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode != 0
            seconds = now() - start
        finally:
            master.stop()
        emit(seconds=seconds, count=args.count, failures=failures)
    elif args.mode == "cold":
        cmd = base(args) + [args.host, args.command]
        start, cpu = now(), children_cpu()
        errors = []
        for _ in range(args.count):
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if proc.returncode != 0:
                failures += 1
                errors.append(proc.stderr.decode(errors="replace").strip())
        emit(seconds=now() - start, cpu_seconds=children_cpu() - cpu, count=args.count, failures=failures,
             first_error=errors[0] if errors else None)
    elif args.mode == "throughput":
        master = Master(args, cipher=args.cipher)
        try:
            start = now()
            proc = subprocess.Popen(master.command(args) + [args.command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            chunks = []
            while True:
                chunk = proc.stdout.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            status = proc.wait()
            seconds = now() - start
        finally:
            master.stop()
        data = b"".join(chunks)
        ok = status == 0 and len(data) == args.bytes and hashlib.sha256(data).hexdigest() == args.sha256
        emit(seconds=seconds, bytes=len(data), verified=ok, cipher=args.cipher, failures=0 if ok else 1)
    elif args.mode == "concurrent":
        master = Master(args)
        try:
            cmd = master.command(args) + [args.command]
            start = now()
            procs = [subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                     for _ in range(args.count)]
            errors = []
            for proc in procs:
                _, err = proc.communicate()
                if proc.returncode != 0:
                    failures += 1
                    errors.append(err.decode(errors="replace").strip())
            seconds = now() - start
        finally:
            master.stop()
        emit(seconds=seconds, count=args.count, failures=failures, first_error=errors[0] if errors else None)
    else:
        out = subprocess.run(base(args) + ["-v", args.host, "true"], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True).stderr
        kex = re.search(r"kex: algorithm: (\S+)", out)
        cipher = re.search(r"kex: server->client cipher: (\S+) MAC: (\S+)", out)
        version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
        emit(version=version, kex=kex.group(1) if kex else None, cipher=cipher.group(1) if cipher else None,
             mac=cipher.group(2) if cipher else None)


if __name__ == "__main__":
    sys.exit(main())
