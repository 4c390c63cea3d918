#!/usr/bin/env python3
"""What a verified TLS connection adds to a worker's memory (issue 16, RSS
per worker): builds tests/bench/tls_rss.c, starts a self-signed
`openssl s_server` on the loopback, and runs the probe with libcurl's CA
bundle and with its CA directory alone (what jta_http does), three times
each, interleaved; prints each run's figures.  bench_jira.py's upstream is
plain http, so its RSS has no TLS in it: this is the part it cannot show.
A benchmark, not a test: it asserts nothing."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    work = tempfile.mkdtemp(prefix="jta-bench-tls-")
    server = None
    try:
        probe = os.path.join(work, "tls_rss")
        subprocess.run(["cc", "-O2", "-o", probe,
                        os.path.join(HERE, "tls_rss.c"),
                        "-Wl,-z,relro,-z,now", "-lcurl", "-lssl"],
                       check=True)
        key, cert = os.path.join(work, "k.pem"), os.path.join(work, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days",
                        "1", "-subj", "/CN=localhost"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        server = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
             "-cert", cert, "-key", key, "-www", "-quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        url = "https://127.0.0.1:%d/" % port
        for i in range(3):
            for mode in ("bundle", "dir"):
                out = subprocess.run([probe, mode, url], check=True,
                                     capture_output=True, text=True).stdout
                print("run %d, %s:\n%s" % (i + 1, mode, out), end="")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
