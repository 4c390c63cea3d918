#!/usr/bin/env python3
"""One request as plain CGI: what a process start costs.

Sets up a local-mode store (one person, one key, one project, one ticket)
with jta-admin, then runs `GET /api/issues/DEMO-1` through fcgi/jta-issue
as plain CGI BENCH_CGI_N times (default 200), each a fresh process with
the CGI environment, and prints the wall time and the children's CPU
(utime+stime) per request, the objects ldd lists for the program, and,
when valgrind is installed and BENCH_CALLGRIND=1, callgrind's instruction
count for one request and the dynamic loader's share of it (the profile
kept in BENCH_CALLGRIND_OUT when set).  It asserts
nothing about time (README "Plain CGI").

    JTA_BUILDDIR=build python3 tests/bench/bench_cgi.py
"""

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from jtatest import BUILDDIR  # noqa: E402

N = int(os.environ.get("BENCH_CGI_N", "200"))
URI = "/api/issues/DEMO-1"


def admin(conf, *args):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", conf] + list(args),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("jta-admin %s: %s" % (" ".join(args), p.stderr))
    return p.stdout.strip()


def env_for(conf, method, key, body=b""):
    env = {"JTA_CONFIG": conf, "REQUEST_METHOD": method,
           "REQUEST_URI": URI if method == "GET" else "/api/issues",
           "QUERY_STRING": "", "GATEWAY_INTERFACE": "CGI/1.1",
           "HTTP_AUTHORIZATION": "Bearer " + key,
           "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if body:
        env.update(CONTENT_LENGTH=str(len(body)),
                   CONTENT_TYPE="application/json")
    return env


def run(prog, env, body=b""):
    p = subprocess.run([prog], env=env, input=body, capture_output=True,
                       timeout=60)
    head = p.stdout.split(b"\r\n", 1)[0].decode("latin-1")
    return p.returncode, head, p.stdout


def main():
    work = tempfile.mkdtemp(prefix="jta-bench-cgi-")
    try:
        conf = os.path.join(work, "jta.conf")
        with open(conf, "w") as f:
            f.write("database = %s/db/jta.db\nvault_key_file = %s/keys/"
                    "vault.key\ntoken_key_file = %s/keys/token.key\n"
                    "default_project = DEMO\n" % (work, work, work))
        admin(conf, "init")
        admin(conf, "user", "add", "alice", "--email", "alice@example.com")
        admin(conf, "project", "add", "DEMO", "Demo")
        key = admin(conf, "key", "create", "alice", "--label", "bench")
        body = json.dumps({"project": "DEMO",
                           "summary": "CGI bench"}).encode()
        rc, head, out = run(os.path.join(BUILDDIR, "fcgi", "jta-issues"),
                            env_for(conf, "POST", key, body), body)
        if b"DEMO-1" not in out:
            raise RuntimeError("create: %r" % out[:300])
        prog = os.path.join(BUILDDIR, "fcgi", "jta-issue")
        env = env_for(conf, "GET", key)
        rc, head, out = run(prog, env)
        if rc != 0 or b'"CGI bench"' not in out:
            raise RuntimeError("read: %r" % out[:300])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        for _ in range(N):
            subprocess.run([prog], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime +
               after.ru_stime - before.ru_stime)
        ldd = subprocess.run(["ldd", prog], capture_output=True,
                             text=True).stdout.strip().splitlines()
        print("plain CGI GET %s (jta-issue, local mode), %d runs: "
              "%.2f ms wall, %.2f ms CPU per request; ldd lists %d objects"
              % (URI, N, wall * 1000 / N, cpu * 1000 / N, len(ldd)))
        if os.environ.get("BENCH_CALLGRIND") and shutil.which("valgrind"):
            out = os.path.join(work, "callgrind.out")
            subprocess.run(["valgrind", "--tool=callgrind",
                            "--callgrind-out-file=" + out, prog], env=env,
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=300)
            if os.environ.get("BENCH_CALLGRIND_OUT"):
                shutil.copy(out, os.environ["BENCH_CALLGRIND_OUT"])
            ann = subprocess.run(["callgrind_annotate", "--inclusive=yes",
                                  out], capture_output=True,
                                 text=True).stdout
            total = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", ann)
            print("callgrind, one request: %s instructions" %
                  (total.group(1) if total else "?"))
            for line in ann.splitlines():
                if re.search(r"_dl_relocate_object|_dl_start |"
                             r"_dl_init |sqlite3_open_v2|main ", line):
                    print("  " + line.strip()[:110])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
