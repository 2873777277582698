#!/usr/bin/python3
"""A minimal TCP server for supervisor tests.

usage: tcp_server.py PORT [DELAY_S]
Waits DELAY_S seconds (so a readiness probe has something to wait for), then
listens on 127.0.0.1:PORT and closes every connection it accepts. Exits with
status 0 on SIGTERM, so a stop can be told apart from a kill.
"""
import signal
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    time.sleep(delay)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        conn, _ = server.accept()
        conn.close()


if __name__ == "__main__":
    main()
