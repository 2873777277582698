#!/usr/bin/python3
"""A worker pool that answers tasks nobody submitted, for end-to-end tests.

usage: pool_answers_unsubmitted.py PORT EXTRA
Listens on 127.0.0.1:PORT and speaks the pool protocol (targets/README.md):
each "SUBMIT <task> <n> <work_ms>" is answered correctly with
"RESULT <task> <n*n> <pid> <start_us> <end_us>", but only after EXTRA
RESULT lines for task ids no client ever used (counting up from 2**62,
above every id drover submits). One connection at a time is enough for the
test's single client.
"""
import os
import signal
import socket
import sys
import time


def serve(conn, extra, next_id):
    pending = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return next_id
        pending += data
        *lines, pending = pending.split(b"\n")
        out = []
        for line in lines:
            words = line.split()
            if len(words) < 3 or words[0] != b"SUBMIT":
                continue
            task, n = int(words[1]), int(words[2])
            now = int(time.monotonic() * 1e6)
            for _ in range(extra):
                out.append(f"RESULT {next_id} 0 {os.getpid()} {now} {now}\n")
                next_id += 1
            out.append(f"RESULT {task} {n * n} {os.getpid()} {now} {now + 1}\n")
        conn.sendall("".join(out).encode())


def main():
    port, extra = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    next_id = 2**62
    while True:
        conn, _ = server.accept()
        try:
            next_id = serve(conn, extra, next_id)
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
