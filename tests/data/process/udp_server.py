#!/usr/bin/python3
"""A minimal UDP upper-casing server for supervisor tests.

usage: udp_server.py PORT [DELAY_S]
Waits DELAY_S seconds (so a readiness probe has something to wait for), then
binds 127.0.0.1:PORT and answers every datagram with its upper-cased bytes.
"""
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    time.sleep(delay)
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", port))
    print(f"bound 127.0.0.1:{port}", flush=True)
    while True:
        data, peer = server.recvfrom(65535)
        server.sendto(data.upper(), peer)


if __name__ == "__main__":
    main()
