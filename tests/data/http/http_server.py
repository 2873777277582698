#!/usr/bin/env python3
"""A small HTTP/1.1 server for drover's http tests: each path answers one
way, so a scenario can meet every kind of reply and every error.

  /ok        200, JSON {"id": 7, "ok": true}, Content-Length
  /chunked   200, text "ok chunked", chunked
  /close     200, text "ok close", no length: the body ends at the close
  /status/N  status N, text "status N"
  /echo      200, JSON of the request: method, path, headers, body
  /big       200, a body of 2 MiB
  /slow      never answers
  /reset     resets the connection (RST)
  /cut       closes the connection halfway through a body
  /garbage   bytes that are not an HTTP response
  /sleep/MS  200 after MS milliseconds
  /hold/K/.. answers only once K requests came on the connection (so only a
             client that pipelines them is answered): each reply's body is
             its own request's path, in order
  /cut/K/..  reads K requests on the connection, then resets it

--stats FILE keeps {"accepted": N} in FILE: the connections accepted so far.
"""
import argparse
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


STATS = {"file": None, "accepted": 0}
STATS_LOCK = threading.Lock()


def count_connection():
    with STATS_LOCK:
        STATS["accepted"] += 1
        if STATS["file"]:
            with open(STATS["file"] + ".tmp", "w") as f:
                json.dump({"accepted": STATS["accepted"]}, f)
            os.replace(STATS["file"] + ".tmp", STATS["file"])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per reply, sent at once: otherwise the body waits for the
    # client's delayed ACK of the headers.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        count_connection()

    def next_path(self):
        """Reads the next request on the connection (a GET): its path."""
        line = self.rfile.readline()
        if not line:
            return None
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        return line.split()[1].decode()

    def read_pipelined(self, count):
        paths = [self.path]
        while len(paths) < count:
            path = self.next_path()
            if path is None:
                return None
            paths.append(path)
        return paths

    def reply(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        if path == "/ok":
            self.reply(200, b'{"id": 7, "ok": true}', "application/json")
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"ok ", b"chunked"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/close":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"ok close")
            self.close_connection = True
        elif path.startswith("/status/"):
            code = int(path[len("/status/"):])
            self.reply(code, b"status %d" % code)
        elif path == "/echo":
            echoed = {"method": self.command, "path": self.path,
                      "headers": {k.lower(): v for k, v in self.headers.items()},
                      "body": body.decode("latin-1")}
            self.reply(200, json.dumps(echoed).encode(), "application/json")
        elif path == "/big":
            self.reply(200, b"x" * (2 << 20))
        elif path.startswith("/sleep/"):
            time.sleep(int(path.split("/")[2]) / 1000)
            self.reply(200, b"slept")
        elif path.startswith("/hold/"):
            paths = self.read_pipelined(int(path.split("/")[2]))
            if paths is None:
                self.close_connection = True
                return
            out = b""
            for p in paths:
                out += (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(p), p.encode()))
            self.wfile.write(out)
        elif path.startswith("/cut/"):
            self.read_pipelined(int(path.split("/")[2]))
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
        elif path == "/slow":
            threading.Event().wait()
        elif path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
        elif path == "/cut":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/garbage":
            self.wfile.write(b"HELLO THERE\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        else:
            self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stats")
    args = parser.parse_args()
    STATS["file"] = args.stats
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"READY http 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
