"""A hostile RDAP server on 127.0.0.1 for BeaconHunt's tests: it trickles, floods, redirects to
plain HTTP elsewhere and sends answers with tens of thousands of entities. Every loop is
bounded in bytes and time, and the server only listens on loopback.

Usage: python3 hostile_rdap_server.py  (prints "port N" once listening)
"""
import http.server
import json
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, body, status=200):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/rdap+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        port = self.server.server_address[1]
        parts = self.path.strip("/").split("/")
        mode = parts[0]
        if len(parts) >= 2 and parts[1] == "ipv4.json":
            base = f"http://127.0.0.1:{port}/{mode}/"
            self.send_json(json.dumps({"services": [[["198.51.100.0/24"], [base]]]}))
        elif len(parts) >= 2 and parts[1] == "ipv6.json":
            self.send_json(json.dumps({"services": []}))
        elif mode == "trickle":
            # Headers, then one byte every 0.2 s for at most 60 s: only a whole-request deadline ends it.
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(300):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
        elif mode == "flood":
            # No length, 1 MiB at a time, at most 512 MiB: only a body cap ends it early.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"[" * (1 << 20)
            for _ in range(512):
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif mode == "redirect":
            # To plain HTTP on another loopback address: never followed.
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{port}/plain/ip/198.51.100.7")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "entities":
            # About 740 KB: under the 1 MiB body cap, but far more entities than any registration has.
            entity = '{"roles":["technical"],"handle":"E"}'
            body = '{"handle":"NET-X","name":"MANY","entities":[' + ",".join([entity] * 20000)
            body += ',{"roles":["registrant"],"handle":"LAST"}]}'
            self.send_json(body)
        else:
            self.send_json("{}", 404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    # Ends by itself after 10 minutes even if the test never stops it.
    server.timeout = 1
    deadline = time.time() + 600
    while time.time() < deadline:
        server.handle_request()
    sys.exit(0)
