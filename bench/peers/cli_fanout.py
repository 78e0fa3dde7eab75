"""Fan-out through the command-line tools users run: parallel-ssh (pssh) and ansible (ad-hoc,
command module). Timed from Python around the whole process, so the tool's own start-up (Python
interpreter, imports, inventory parsing) counts, as a user waiting for it sees it.
Host keys: the shared known_hosts file in strict mode for both (ssh options; ansible also with
ANSIBLE_HOST_KEY_CHECKING=True). Ansible keeps its default ssh_args (ControlMaster=auto,
ControlPersist=60s) with a fresh control-path directory per run; the masters it leaves behind are
stopped by PID when the run ends, so no repetition reuses a connection.
With --expect, a host counts only when its output is that line as well (pssh -i; ansible -o)."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from benchcommon import parser, emit, now, read_hosts


def ssh_opts(args):
    return {"UserKnownHostsFile": args.known_hosts, "StrictHostKeyChecking": "yes", "BatchMode": "yes",
            "IdentitiesOnly": "yes", "IdentityFile": args.key}


def stop_masters(control_dir):
    # The ansible-started masters name our private control directory on their command line.
    for proc in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(proc, "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if control_dir in cmdline and cmdline.startswith("ssh"):
            try:
                os.kill(int(proc.split("/")[2]), signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass


def main():
    p = parser(__doc__)
    p.add_argument("tool", choices=["pssh", "ansible", "version"])
    p.add_argument("--expect", help="the line every host must print")
    args = p.parse_args()
    if args.tool == "version":
        pssh = subprocess.run(["parallel-ssh", "--version"], capture_output=True, text=True)
        ansible = subprocess.run(["ansible", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        emit(pssh=(pssh.stdout + pssh.stderr).strip(), ansible=ansible)
        return
    hosts = read_hosts(args.hosts_file)
    work = tempfile.mkdtemp(prefix="sentinel-bench-" + args.tool + "-")
    try:
        if args.tool == "pssh":
            hosts_file = os.path.join(work, "hosts")
            with open(hosts_file, "w") as f:
                f.writelines(f"{h}:{args.port}\n" for h in hosts)
            cmd = ["parallel-ssh", "-p", str(args.parallel), "-h", hosts_file, "-l", args.user, "-t", "60"]
            if args.expect:
                cmd += ["-i"]
            for k, v in ssh_opts(args).items():
                cmd += ["-O", f"{k}={v}"]
            cmd += [args.command]
            env = dict(os.environ)
        else:
            inventory = os.path.join(work, "inventory.ini")
            common = " ".join(f"-o {k}={v}" for k, v in ssh_opts(args).items() if k != "IdentityFile")
            with open(inventory, "w") as f:
                f.write("[fleet]\n")
                f.writelines(f"{h}\n" for h in hosts)
                f.write(f"[fleet:vars]\nansible_port={args.port}\nansible_user={args.user}\n"
                        f"ansible_ssh_private_key_file={args.key}\nansible_ssh_common_args='{common}'\n")
            cmd = ["ansible", "fleet", "-i", inventory, "-f", str(args.parallel), "-m", "command", "-a", args.command, "-o"]
            env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_SSH_CONTROL_PATH_DIR=os.path.join(work, "cp"),
                       ANSIBLE_LOCAL_TEMP=os.path.join(work, "tmp"), ANSIBLE_PYTHON_INTERPRETER="auto_silent",
                       ANSIBLE_NOCOLOR="1")
        start = now()
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=600)
        seconds = now() - start
        lines = proc.stdout.splitlines()
        if args.tool == "pssh":
            ok = proc.stdout.count("[SUCCESS]")
            if args.expect:   # -i: each host's "[n] ... [SUCCESS] host:port" line, then its output
                ok = min(ok, sum(1 for line in lines if line == args.expect))
        else:
            ok = sum(1 for line in lines if ("| CHANGED |" in line or "| SUCCESS |" in line)
                     and (not args.expect or line.endswith("(stdout) " + args.expect)))
        emit(seconds=seconds, count=len(hosts), failures=len(hosts) - ok, rc=proc.returncode,
             tail=(proc.stdout + proc.stderr)[-300:] if ok != len(hosts) else None)
    finally:
        stop_masters(work)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
