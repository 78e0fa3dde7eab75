"""A hostile SSH server for Sentinel's tests (issue 20): it serves a scripted fake file system over
SFTP and answers Copy-SentinelItem's probe (as a host with sha256sum) and `sha256sum -- paths` exec
requests for its fake files, honestly unless the scenario says to lie. Nothing here touches the real
file system except the host key and the log.

Run with Debian's python3-asyncssh:
    /usr/bin/python3 hostile_sftp_server.py --port P --host-key KEY --user U --password-file F --scenario NAME --log LOG

Paths are taken literally: the server's realpath makes a path absolute and drops '.' and empty
segments but keeps '..', so a hostile listing decides what '/home/lab/pub/..' holds (as a real
attacker's server would). Every scenario has /home/lab/pub with good files beside the hostile part.
"""

import argparse
import asyncio
import hashlib
import logging
import os
import shlex
import stat
import sys

import asyncssh
from asyncssh import sftp as sftp_module

HOME = '/home/lab'
PUB = HOME + '/pub'
GOOD = {'good.txt': b'good file\n', 'other.txt': b'another good file\n'}
PWNED = b'PWNED: written by the hostile server\n'

# Names a listing of /home/lab/pub carries beside the good files, per scenario 'name-<case>'.
HOSTILE_NAMES = {
    'dotdot-slash': b'../',
    'dotdot': b'..',
    'dot': b'.',
    'dot-slash': b'./',
    'empty': b'',
    'slash': b'/',
    'absolute': b'/etc/x',
    'traversal': b'a/../../b',
    'nul': b'x\x00y',
    'backslash': b'..\\..\\evil',
}


class FakeFs:
    """Literal paths to nodes: ('dir', [(raw name, kind)]) or ('file', bytes) or ('link', target)."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.nodes = {HOME: ('dir', [(b'pub', 'dir')]), PUB: ('dir', [(n.encode(), 'file') for n in GOOD])}
        for name, data in GOOD.items():
            self.nodes[PUB + '/' + name] = ('file', data)
        self.endless = False
        self.lie_size = None
        self.cut_after = None
        self.read_extra = 0
        self.hashes = 'honest'
        build = getattr(self, 'scenario_' + scenario.replace('-', '_'), None)
        if scenario.startswith('name-'):
            self.add_hostile_name(HOSTILE_NAMES[scenario[5:]])
        elif build is None:
            raise SystemExit(f'unknown scenario {scenario}')
        else:
            build()

    def add(self, directory, raw, kind, node):
        self.nodes[directory][1].append((raw, kind))
        self.nodes[directory + '/' + raw.decode('utf-8', 'surrogateescape').rstrip('/')] = node

    def add_hostile_name(self, raw):
        # A file under the hostile name, served (and hashed) honestly wherever the client says it is.
        self.nodes[PUB][1].append((raw, 'file'))
        self.pwned_anywhere = True

    def scenario_dotdot_listing(self):
        # The attack: pub lists '../' (a directory), which lists '../', which holds PWNED.txt.
        self.nodes[PUB][1].append((b'../', 'dir'))
        self.nodes[PUB + '/..'] = ('dir', [(b'../', 'dir')])
        self.nodes[PUB + '/../..'] = ('dir', [(b'PWNED.txt', 'file')])
        self.nodes[PUB + '/../../PWNED.txt'] = ('file', PWNED)

    def scenario_endless_listing(self):
        self.add(PUB, b'endless', 'dir', ('dir', []))
        self.endless = True

    def scenario_endless_tree(self):
        # Every directory under pub/d holds another d.
        self.nodes[PUB][1].append((b'd', 'dir'))

    def scenario_symlink_loop(self):
        self.nodes[PUB][1].append((b'loop', 'link'))
        self.nodes[PUB + '/loop'] = ('link', PUB + '/loop')

    def scenario_wrong_hash(self):
        self.hashes = 'wrong'

    def scenario_missing_hash(self):
        self.hashes = 'missing'

    def scenario_cut_connection(self):
        self.add(PUB, b'big.bin', 'file', ('file', bytes(range(256)) * 32768))
        self.cut_after = 1 << 20

    def scenario_huge_size(self):
        self.lie_size = (1 << 63) - 1

    def scenario_long_read(self):
        self.read_extra = 1 << 16

    def node(self, path):
        found = self.nodes.get(path)
        if found is not None:
            return found
        if getattr(self, 'pwned_anywhere', False) and path.startswith(PUB + '/'):
            return ('file', PWNED)
        if self.scenario == 'endless-tree' and path.startswith(PUB + '/d'):
            return ('dir', [(b'd', 'dir')])
        if self.endless and path.startswith(PUB + '/endless/'):
            return ('file', b'')
        if self.scenario == 'symlink-loop' and path.startswith(PUB + '/loop/'):
            return ('dir', [(b'loop', 'dir')])
        return None

    def attrs(self, node):
        kind = node[0]
        if kind == 'dir':
            return asyncssh.SFTPAttrs(type=sftp_module.FILEXFER_TYPE_DIRECTORY, permissions=stat.S_IFDIR | 0o755, size=4096, uid=1000, gid=1000)
        if kind == 'link':
            return asyncssh.SFTPAttrs(type=sftp_module.FILEXFER_TYPE_SYMLINK, permissions=stat.S_IFLNK | 0o777, size=10, uid=1000, gid=1000)
        size = self.lie_size if self.lie_size is not None else len(node[1])
        return asyncssh.SFTPAttrs(type=sftp_module.FILEXFER_TYPE_REGULAR, permissions=stat.S_IFREG | 0o600, size=size, uid=1000, gid=1000)

    def listing_attrs(self, kind):
        return self.attrs(('dir', []) if kind == 'dir' else ('link', '') if kind == 'link' else ('file', b''))


def literal(path, cwd=HOME):
    text = path.decode('utf-8', 'surrogateescape') if isinstance(path, bytes) else path
    if not text.startswith('/'):
        text = cwd + '/' + text
    segments = [s for s in text.split('/') if s not in ('', '.')]
    return '/' + '/'.join(segments)


class HostileSftp(asyncssh.SFTPServer):
    fs = None

    def __init__(self, chan):
        super().__init__(chan)

    def realpath(self, path):
        resolved = literal(path)
        node = self.fs.node(resolved)
        if node is not None and node[0] == 'link':
            raise asyncssh.SFTPError(asyncssh.FX_FAILURE, 'Too many levels of symbolic links')
        return resolved.encode('utf-8', 'surrogateescape')

    def _node(self, path):
        node = self.fs.node(literal(path))
        if node is None:
            raise asyncssh.SFTPNoSuchFile('No such file')
        return node

    def stat(self, path):
        node = self._node(path)
        if node[0] == 'link':
            raise asyncssh.SFTPError(asyncssh.FX_FAILURE, 'Too many levels of symbolic links')
        return self.fs.attrs(node)

    def lstat(self, path):
        return self.fs.attrs(self._node(path))

    def listdir(self, path):
        node = self._node(path)
        if node[0] != 'dir':
            raise asyncssh.SFTPError(asyncssh.FX_FAILURE, 'Not a directory')
        names = [asyncssh.SFTPName(b'.', attrs=self.fs.listing_attrs('dir')), asyncssh.SFTPName(b'..', attrs=self.fs.listing_attrs('dir'))]
        names += [asyncssh.SFTPName(raw, attrs=self.fs.listing_attrs(kind)) for raw, kind in node[1]]
        if self.fs.endless and literal(path) == PUB + '/endless':
            names.append(asyncssh.SFTPName(ENDLESS_MARK, attrs=self.fs.listing_attrs('file')))
        return names

    def open(self, path, pflags, attrs):
        if pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC | asyncssh.FXF_APPEND):
            raise asyncssh.SFTPPermissionDenied('read-only fake')
        node = self._node(path)
        if node[0] != 'file':
            raise asyncssh.SFTPError(asyncssh.FX_FAILURE, 'Not a regular file')
        return OpenFile(node)

    def read(self, file_obj, offset, size):
        data = file_obj.node[1]
        if self.fs.cut_after is not None and offset >= self.fs.cut_after:
            logging.info('cutting the connection at offset %d', offset)
            self.connection.abort()
            return b''
        chunk = data[offset:offset + size]
        if chunk and self.fs.read_extra:
            chunk += b'X' * self.fs.read_extra
        return chunk

    def fstat(self, file_obj):
        return self.fs.attrs(file_obj.node)

    def close(self, file_obj):
        pass


class OpenFile:
    def __init__(self, node):
        self.node = node


ENDLESS_MARK = b'\x00endless-mark'
_original_readdir = sftp_module.SFTPServerHandler._packet_handlers[sftp_module.FXP_READDIR]


async def endless_readdir(handler, packet):
    # A listing that never ends: while the marker is in a handle's names, every READDIR gets 128 new ones.
    start = packet._idx
    names = handler._dir_handles.get(bytes(packet.get_string()))
    packet._idx = start
    if names and any(n.filename == ENDLESS_MARK for n in names):
        handler.counter = getattr(handler, 'counter', 0) + 1
        base = handler.counter * 128
        return [asyncssh.SFTPName(b'f%09d' % (base + i), attrs=HostileSftp.fs.listing_attrs('file')) for i in range(128)], False
    return await _original_readdir(handler, packet)


sftp_module.SFTPServerHandler._packet_handlers[sftp_module.FXP_READDIR] = endless_readdir


def sha256sum(fs, command):
    """stdout, stderr and exit status of the sha256sum part of an exec command line."""
    marker = 'sha256sum -- '
    at = command.find(marker)
    paths = shlex.split(command[at + len(marker):])
    out, err, status = [], [], 0
    for path in paths:
        node = fs.node(literal(path))
        if node is None or node[0] != 'file' or fs.hashes == 'missing':
            err.append(f'sha256sum: {path}: No such file or directory\n')
            status = 1
            continue
        digest = hashlib.sha256(node[1]).hexdigest()
        if fs.hashes == 'wrong':
            digest = hashlib.sha256(node[1] + b'lie').hexdigest()
        out.append(f'{digest}  {path}\n')
    return ''.join(out), ''.join(err), status


def unwrap(command):
    """The command line inside Sentinel's wrapper (exec /bin/sh -c '<script>' sentinel '<line>' '<marker>'),
    and the line the wrapper writes first on stderr (its marker and PID), as a real shell would; None
    when the command came without the wrapper."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command, None
    if words[:3] == ['exec', '/bin/sh', '-c'] and len(words) > 6:
        return words[5], f'{words[6]}{os.getpid()} p\n'
    return command, None


def make_process_handler(fs):
    async def handle(process):
        command, wrapper_line = unwrap(process.command or '')
        if wrapper_line:
            process.stderr.write(wrapper_line)
        logging.info('exec %r', command)
        if command.startswith('echo sentinel-probe-'):
            # Copy-SentinelItem's probe (its marker, then command -v for each SHA-256 program): a host
            # with sha256sum. It comes with a byte of input and end-of-file, read here as a shell would
            # take them: asyncssh drops the connection on data for a channel it has already closed.
            await process.stdin.read()
            out, err, status = command.split(' ')[1].rstrip(';') + '\n/usr/bin/sha256sum\n', '', 0
        elif 'sha256sum -- ' in command:
            out, err, status = sha256sum(fs, command)
        else:
            out, err, status = '', f'hostile server: no such command: {command}\n', 127
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(status)
    return handle


class Server(asyncssh.SSHServer):
    def __init__(self, user, password):
        self.user = user
        self.password = password

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return username == self.user and password == self.password


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--host-key', required=True)
    parser.add_argument('--user', required=True)
    parser.add_argument('--password-file', required=True)
    parser.add_argument('--scenario', required=True)
    parser.add_argument('--log', required=True)
    args = parser.parse_args()
    logging.basicConfig(filename=args.log, level=logging.INFO, format='%(asctime)s %(message)s')
    with open(args.password_file, encoding='utf-8') as f:
        password = f.read()
    fs = FakeFs(args.scenario)
    HostileSftp.fs = fs
    await asyncssh.create_server(
        lambda: Server(args.user, password), '127.0.0.1', args.port,
        server_host_keys=[args.host_key], process_factory=make_process_handler(fs),
        sftp_factory=HostileSftp, encoding='utf-8')
    logging.info('listening on 127.0.0.1:%d, scenario %s', args.port, args.scenario)
    await asyncio.Event().wait()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
