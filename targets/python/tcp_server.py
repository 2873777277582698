"""The classic lesson's TCP server: one process per accepted connection,
which sends back whatever it receives upper-cased, until the client closes.

Usage: python3 tcp_server.py HOST PORT

Kept as taught; targets/tcp_fork_echo is its C++ twin.
"""
import multiprocessing
import socket
import sys


def handle(conn):
    with conn:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data.upper())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 tcp_server.py HOST PORT")
    host, port = sys.argv[1], int(sys.argv[2])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen()
        print(f"serving on {host}:{port}", flush=True)
        while True:
            conn, addr = server.accept()
            process = multiprocessing.Process(target=handle, args=(conn,))
            process.start()
            conn.close()  # the child has its own copy
