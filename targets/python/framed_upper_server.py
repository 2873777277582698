#!/usr/bin/python3
"""A TCP server that frames its replies as it frames requests: length-prefixed or delimited.

usage: framed_upper_server.py PORT delimiter DELIMITER
       framed_upper_server.py PORT length BYTES big|little
Listens on 127.0.0.1:PORT. Each request is the bytes up to DELIMITER, or a
BYTES-wide length header and that many bytes; each reply is the request
upper-cased, framed the same way. Requests on one connection may come
pipelined; each connection is served by its own thread. Exits with status 0
on SIGTERM.
"""
import signal
import socket
import sys
import threading


def delimited(conn, delimiter):
    buffer = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buffer += data
        out = b""
        while delimiter in buffer:
            request, buffer = buffer.split(delimiter, 1)
            out += request.upper() + delimiter
        conn.sendall(out)


def length_prefixed(conn, width, endian):
    buffer = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buffer += data
        out = b""
        while len(buffer) >= width:
            length = int.from_bytes(buffer[:width], endian)
            if len(buffer) < width + length:
                break
            request = buffer[width:width + length]
            buffer = buffer[width + length:]
            out += length.to_bytes(width, endian) + request.upper()
        conn.sendall(out)


def main():
    port = int(sys.argv[1])
    if sys.argv[2] == "delimiter":
        delimiter = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
        serve = lambda conn: delimited(conn, delimiter)
    else:
        width, endian = int(sys.argv[3]), sys.argv[4]
        serve = lambda conn: length_prefixed(conn, width, endian)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(128)

    def run(conn):
        with conn:
            try:
                serve(conn)
            except OSError:
                pass

    while True:
        conn, _ = server.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
