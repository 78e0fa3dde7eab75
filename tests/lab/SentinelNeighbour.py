# The hostile neighbour: another local user who watches shared directories and tries to read every
# file the moment it appears. Run as that user by SentinelNeighbour.psm1 (Start-SentinelLabNeighbour).
#
# The attack it makes: open a file while it is still empty and readable (created 0644 under the umask,
# chmod 600 only later) and keep the descriptor, then read the secret once it has been written: a
# descriptor keeps the access it was opened with, whatever chmod or unlink happens afterwards.
#
# usage: python3 SentinelNeighbour.py <work dir> <watched dir>...
# In <work dir>: log.jsonl (one JSON object a line), loot/<n> (the longest content read from the
# n-th file opened), and ready (written once every watch is in place; holds this process's PID).

import ctypes
import json
import os
import select
import stat
import struct
import sys
import time

IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_ISDIR = 0x40000000
IN_Q_OVERFLOW = 0x00004000
MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
# Every open descriptor is read again this often even without an event (writes through mmap, or
# events lost in an overflow), for as long as the watcher runs.
REREAD_SECONDS = 0.02

libc = ctypes.CDLL(None, use_errno=True)
work, watched = sys.argv[1], sys.argv[2:]
loot_dir = os.path.join(work, 'loot')
log = open(os.path.join(work, 'log.jsonl'), 'a', buffering=1)
inotify = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
if inotify < 0:
    sys.exit('inotify_init1 failed: ' + os.strerror(ctypes.get_errno()))

directories = {}   # watch descriptor -> directory path
opened = {}        # path -> [fd, loot number, bytes read so far]


def record(**entry):
    entry['time'] = time.time()
    log.write(json.dumps(entry) + '\n')


def watch(directory):
    wd = libc.inotify_add_watch(inotify, os.fsencode(directory), MASK)
    if wd < 0:
        record(event='watch-failed', path=directory, error=os.strerror(ctypes.get_errno()))
        return False
    directories[wd] = directory
    return True


def reread(path):
    fd, number, size = opened[path]
    try:
        data = os.pread(fd, 1 << 24, 0)
    except OSError:
        return
    if data and len(data) != size:
        with open(os.path.join(loot_dir, str(number)), 'wb') as copy:
            copy.write(data)
        opened[path][2] = len(data)
        record(event='read', path=path, loot=str(number), bytes=len(data))


def saw(path, how):
    # What the neighbour could see at that moment: the entry's type, mode and owner, then an open.
    try:
        st = os.lstat(path)
    except OSError as error:
        record(event='seen', path=path, how=how, error=error.strerror)
        return
    record(event='seen', path=path, how=how, mode='%04o' % stat.S_IMODE(st.st_mode), uid=st.st_uid,
           type='directory' if stat.S_ISDIR(st.st_mode) else 'symlink' if stat.S_ISLNK(st.st_mode)
           else 'file' if stat.S_ISREG(st.st_mode) else 'other')
    if stat.S_ISDIR(st.st_mode):
        if watch(path):
            # What was made in it before its watch was in place.
            try:
                names = os.listdir(path)
            except OSError as error:
                record(event='list-failed', path=path, error=error.strerror)
                names = []
            for name in names:
                saw(os.path.join(path, name), 'listed')
        return
    if not stat.S_ISREG(st.st_mode):
        return
    if path in opened:
        reread(path)
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        record(event='open-failed', path=path, error=error.strerror)
        return
    opened[path] = [fd, len(opened), -1]
    record(event='opened', path=path, loot=str(opened[path][1]))
    reread(path)


def main():
    os.makedirs(loot_dir, exist_ok=True)
    pending = list(watched)
    while pending:
        directory = pending.pop()
        if not watch(directory):
            continue
        for entry in os.scandir(directory):
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
    with open(os.path.join(work, 'ready.tmp'), 'w') as ready:
        ready.write(str(os.getpid()))
    os.rename(os.path.join(work, 'ready.tmp'), os.path.join(work, 'ready'))

    header = struct.Struct('iIII')
    while True:
        readable, _, _ = select.select([inotify], [], [], REREAD_SECONDS)
        if readable:
            try:
                buffer = os.read(inotify, 1 << 16)
            except BlockingIOError:
                buffer = b''
            offset = 0
            while offset < len(buffer):
                wd, mask, _, length = header.unpack_from(buffer, offset)
                name = buffer[offset + header.size:offset + header.size + length].rstrip(b'\0')
                offset += header.size + length
                if mask & IN_Q_OVERFLOW:
                    record(event='overflow')
                    continue
                directory = directories.get(wd)
                if directory is None or not name:
                    continue
                path = os.path.join(directory, os.fsdecode(name))
                if mask & (IN_CREATE | IN_MOVED_TO):
                    saw(path, 'created' if mask & IN_CREATE else 'moved')
                elif path in opened:
                    reread(path)
                elif mask & IN_ATTRIB and not mask & IN_ISDIR:
                    # A file made before the watcher could open it, whose mode changed: try again.
                    saw(path, 'attrib')
        for path in list(opened):
            reread(path)


main()
