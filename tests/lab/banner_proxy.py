#!/usr/bin/env python3
"""A TCP proxy to a real sshd that first sends a text line of --line-bytes bytes, as a server with
an oversized pre-identification banner would. Prints its port on stdout once it listens."""
import argparse
import socket
import threading


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--target-port', type=int, required=True)
    parser.add_argument('--line-bytes', type=int, required=True)
    args = parser.parse_args()
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(('127.0.0.1', args.target_port))
        client.sendall(b'x' * args.line_bytes + b'\r\n')
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


if __name__ == '__main__':
    main()
