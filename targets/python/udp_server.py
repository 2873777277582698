"""The classic lesson's UDP server: replies to each datagram with its bytes
upper-cased, one thread per datagram (socketserver.ThreadingUDPServer).

Usage: python3 udp_server.py HOST PORT

Kept as taught, so drover can show where this design falls over under load;
targets/udp_echo --model thread-per-datagram is its C++ twin.
"""
import socketserver
import sys


class UpperHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data.upper(), self.client_address)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 udp_server.py HOST PORT")
    host, port = sys.argv[1], int(sys.argv[2])
    with socketserver.ThreadingUDPServer((host, port), UpperHandler) as server:
        print(f"serving on {host}:{port}", flush=True)
        server.serve_forever()
