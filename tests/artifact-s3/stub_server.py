#!/usr/bin/env python3
"""A misbehaving "S3" for the retry test, on 127.0.0.1 with a free port.

usage: stub_server.py MODE PORT_FILE LOG_FILE
  MODE 503:   answers every request with HTTP 503 and an S3 <Error> SlowDown body
  MODE close: accepts each connection and closes it without a word
  MODE flaky: serves one object (OBJECT_SIZE bytes, ETag "v1") but breaks off the first GET halfway; later GETs
              honour Range, and If-Match (412 when it does not match)
  MODE flaky-changed: like flaky, but the object "changes" after the first GET (its ETag becomes "v2")
Writes its port to PORT_FILE once listening, and one line per request/connection to LOG_FILE.
"""
import http.server
import os
import socket
import sys

OBJECT_SIZE = 1 << 20


def main():
    mode, port_file, log_file = sys.argv[1:4]
    log = open(log_file, "a", buffering=1)

    if mode == "close":
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        publish(port_file, srv.getsockname()[1])
        while True:
            conn, _ = srv.accept()
            log.write("connection\n")
            conn.close()

    state = {"gets": 0}
    data = bytes(i % 251 for i in range(OBJECT_SIZE))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def flaky_get(self):
            state["gets"] += 1
            log.write("GET %s range=%s if-match=%s\n" % (
                self.path, self.headers.get("Range"), self.headers.get("If-Match")))
            etag = '"v1"' if mode == "flaky" or state["gets"] == 1 else '"v2"'
            if_match = self.headers.get("If-Match")
            if if_match is not None and if_match != etag:
                self.send_response(412)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start, end = 0, len(data) - 1
            rng = self.headers.get("Range")
            if rng:
                first, _, last = rng[len("bytes="):].partition("-")
                start = int(first)
                end = int(last) if last else end
            body = data[start:end + 1]
            self.send_response(206 if rng else 200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state["gets"] == 1:
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(body)

        def answer(self):
            if mode.startswith("flaky") and self.command == "GET":
                return self.flaky_get()
            log.write("%s %s\n" % (self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = b"" if self.command == "HEAD" else (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message><RequestId>stub</RequestId></Error>")
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = answer

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    publish(port_file, srv.server_address[1])
    srv.serve_forever()


def publish(port_file, port):
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)


if __name__ == "__main__":
    main()
