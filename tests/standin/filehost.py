#!/usr/bin/env python3
"""A loopback https file host for the attachment tests (a stand-in for
the host ChatGPT's download links point at).  Standard library and the
openssl command only.  It makes a self-signed certificate for 127.0.0.1
in DIR (the tests trust it through a test-only CA file), serves files of
several types and sizes and some hostile answers, and appends each path
it is asked for to DIR/hits, one a line.

    python3 tests/standin/filehost.py DIR
    -> prints "LISTENING <port> <cert.pem>" on stdout when ready

Paths:
  /png /jpeg /gif /webp /pdf /zip /text /json /empty   a small file
  /binary            bytes with a NUL (not text)
  /bytes/N           N bytes of 'a' (0 <= N <= 64 MiB)
  /chunked/N         the same, chunked, with no Content-Length
  /redirect/PATH     302 to /PATH on this host
  /redirect-to/URL   302 to URL (percent-encoded in the path)
  /loop              302 to /loop, for ever
  /slow              headers, then nothing for a minute
  /truncated         Content-Length 1000, ten bytes, then the end
  anything else      404
"""

import http.server
import os
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

FILES = {
    "/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17,
    "/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16,
    "/gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "/webp": b"RIFF\x1a\x00\x00\x00WEBPVP8L" + b"\x00" * 14,
    "/pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n",
    "/zip": b"PK\x05\x06" + b"\x00" * 18,
    "/text": "ERROR 42: d\u00e9j\u00e0 vu at line 7\n".encode(),
    "/json": b'  {"error": "boom"}\n',
    "/empty": b"",
    "/binary": b"log line\x00\x01\x02",
    # EICAR's anti-virus test file (68 bytes, text/plain), put together
    # here so this source is not itself a "finding" (test_attach_scan).
    "/eicar": b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" +
    b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
}
MAX = 64 * 1024 * 1024


def main():
    d = sys.argv[1]
    cert = os.path.join(d, "cert.pem")
    key = os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost,"
                    "DNS:files.test,DNS:private.test,DNS:other.test"],
                   check=True, capture_output=True)
    hits = open(os.path.join(d, "hits"), "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, status, body, headers=None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with lock:
                hits.write(self.path + "\n")
            p = self.path
            port = self.server.server_address[1]
            if p in FILES:
                self.answer(200, FILES[p], {"Content-Type":
                                            "application/octet-stream"})
            elif p.startswith("/bytes/") and p[7:].isdigit() and \
                    int(p[7:]) <= MAX:
                self.answer(200, b"a" * int(p[7:]))
            elif p.startswith("/chunked/") and p[9:].isdigit() and \
                    int(p[9:]) <= MAX:
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                left = int(p[9:])
                try:
                    while left > 0:
                        n = min(left, 1000)
                        self.wfile.write(b"%x\r\n%s\r\n" % (n, b"a" * n))
                        left -= n
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass    # the client hung up (over its cap)
            elif p.startswith("/redirect/"):
                self.answer(302, b"", {"Location": "https://127.0.0.1:%d/%s"
                                       % (port, p[10:])})
            elif p.startswith("/redirect-to/"):
                self.answer(302, b"", {"Location":
                                       urllib.parse.unquote(p[13:])})
            elif p == "/loop":
                self.answer(302, b"", {"Location": "/loop"})
            elif p == "/slow":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.flush()
                time.sleep(60)
            elif p == "/truncated":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"0123456789")
                self.wfile.flush()
                self.close_connection = True
            else:
                self.answer(404, b"not here")

        def log_message(self, *a):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass    # a client that hangs up (a refused size) is expected

    httpd = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("LISTENING %d %s" % (httpd.server_address[1], cert), flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
