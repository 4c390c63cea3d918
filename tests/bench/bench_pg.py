"""Benchmark: a Jira-mode search (GET /api/issues) on one host with its
state in SQLite against the same host with its state in PostgreSQL
(database_url), both started in the same run, and the database round
trips one request makes on PostgreSQL.

Both stacks are nginx + JTA_CHILDREN (2) workers per program, in Jira mode
against the same static upstream as bench_jira.py (one nginx answering
POST /search/jql with a saved 20-issue page, the rest to the Atlassian
stand-in), so the upstream costs the same and is not the bottleneck.
Interleaved rounds (BENCH_ROUNDS, 3): in each, wrk -t2 -c32 for
BENCH_SECONDS (5) against each stack, then wrk -t1 -c1 for the latency
with nothing queued.  PostgreSQL is a private cluster on this machine
(tests/pg-cluster.sh: loopback TCP, SCRAM, fsync off), sharing its two
cores with everything else.

Round trips: pg_stat_statements (the cluster is restarted with it
preloaded) is reset, N requests are made one after another, and the
statements' calls are summed: each PQexec/PQexecParams of ours is one
round trip.  Asserts nothing about time: a benchmark, not a test.

    sh tests/pg-cluster.sh python3 tests/bench/bench_pg.py"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import bench_jira  # noqa: E402
import harness  # noqa: E402
import test_jira  # noqa: E402
from jiratest import link  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

PG = os.environ.get("JTA_TEST_PG")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PATH = bench_jira.PATH
N_TRIPS = 50


def psql(sql, db="postgres"):
    with open(os.environ["JTA_TEST_PG_PASSWORD_FILE"]) as f:
        pw = f.read().strip()
    p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                        PG.replace("dbname=postgres", "dbname=" + db),
                        "-c", sql], capture_output=True, text=True,
                       env=dict(os.environ, PGPASSWORD=pw), timeout=60)
    if p.returncode != 0:
        raise RuntimeError(p.stderr)
    return p.stdout.strip()


def restart_with_stats():
    port = dict(kv.split("=", 1) for kv in PG.split())["port"]
    sock = os.environ["JTA_TEST_PG_SOCKET"]
    cmd = [os.path.join(os.environ["JTA_TEST_PG_BINDIR"], "pg_ctl"), "-D",
           os.environ["JTA_TEST_PG_DATA"], "-w", "-t", "30", "-l",
           os.path.join(sock, "server.log"), "-o",
           "-c listen_addresses=127.0.0.1 -c port=%s "
           "-c unix_socket_directories=%s -c fsync=off "
           "-c max_connections=400 "
           "-c shared_preload_libraries=pg_stat_statements" % (port, sock),
           "restart"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", os.environ.get("JTA_TEST_PG_USER",
                                               "nobody"), "--"] + cmd
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def main():
    if not PG:
        print("run me inside tests/pg-cluster.sh")
        sys.exit(77)
    restart_with_stats()
    db = "jta_bench_" + secrets.token_hex(4)
    psql("CREATE DATABASE " + db)
    psql("CREATE EXTENSION pg_stat_statements", db)
    standin = test_jira.standin
    work = tempfile.mkdtemp(prefix="jta-bench-pg-")
    os.chmod(work, 0o755)
    procs, stacks = [], {}
    up_holder = {}
    try:
        page = os.path.join(work, "page.json")
        with open(page, "w") as f:
            f.write("{}")
        up, upport = bench_jira.nginx(work, "upstream",
                                      bench_jira.upstream_conf(
                                          work, page, standin.url))
        procs.append(up)
        up_holder["url"] = "http://127.0.0.1:%d" % upport
        os.environ.setdefault("JTA_CHILDREN", "2")
        os.environ["JTA_CHAT_CHILDREN"] = "1"

        def conf_for(engine):
            def conf(s):
                # jiratest.conf resets the stand-in: keep the first
                # stack's links by configuring the second by hand.
                if not stacks:
                    text = test_jira.conf(s)
                else:
                    secret = os.path.join(s.workdir, "atlassian.secret")
                    fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
                    os.write(fd, (test_jira.SECRET + "\n").encode())
                    os.close(fd)
                    standin.config(redirect_uris=[
                        x.base_url + "/oauth/callback"
                        for x in list(stacks.values()) + [s]])
                    text = ("backend = jira\ntoken_key_file = %s/token.key\n"
                            "atlassian_client_id = %s\n"
                            "atlassian_client_secret_file = %s\n"
                            "atlassian_auth_url = %s\n"
                            "atlassian_api_url = %s\n" % (
                                s.workdir, test_jira.CLIENT_ID, secret,
                                standin.url, standin.url))
                text = text.replace("atlassian_api_url = %s" % standin.url,
                                    "atlassian_api_url = %s" %
                                    up_holder["url"])
                if engine == "postgresql":
                    text += ("database_url = %s\n"
                             "database_password_file = %s\n" % (
                                 PG.replace("dbname=postgres",
                                            "dbname=" + db),
                                 os.environ["JTA_TEST_PG_PASSWORD_FILE"]))
                return text
            return conf

        keys = {}
        for engine in ("sqlite", "postgresql"):
            s = harness.Stack("nginx", BUILDDIR, SRCDIR,
                              os.path.join(work, engine), conf_for(engine))
            os.makedirs(s.workdir)
            stacks[engine] = s
            s.start()
            keys[engine] = link(s)
        # The saved page: the stand-in's answer, 20 issues.
        token = [t for t, a in standin.world.access.items()][-1]
        c = Client(stacks["sqlite"], keys["sqlite"])
        for i in range(20):
            c.call("POST", "/api/issues", {
                "project": "OPS", "type": "Bug",
                "summary": "Disk usage alert on build agent %d" % i})
        req = urllib.request.Request(
            standin.url + bench_jira.SEARCH, method="POST",
            data=json.dumps({"jql": 'project = "OPS" ORDER BY updated DESC',
                             "maxResults": 20,
                             "fields": bench_jira.FIELDS}).encode(),
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        body = urllib.request.urlopen(req, timeout=10).read()
        with open(page, "wb") as f:
            f.write(json.dumps(json.loads(body),
                               separators=(",", ":")).encode())
        for engine, s in stacks.items():
            st, _, j, _ = Client(s, keys[engine]).call("GET", PATH)
            assert st == 200 and len(j["issues"]) == 20, (engine, st, j)

        # Round trips per request on PostgreSQL.
        pgc = Client(stacks["postgresql"], keys["postgresql"])
        trips = {}
        for path in (PATH, "/api/me"):
            psql("SELECT pg_stat_statements_reset()", db)
            for _ in range(N_TRIPS):
                st, _, _, _ = pgc.call("GET", path)
                assert st == 200, st
            rows = psql("SELECT calls, query FROM pg_stat_statements "
                        "WHERE dbid = (SELECT oid FROM pg_database WHERE "
                        "datname = current_database()) AND query NOT LIKE "
                        "'%pg_stat_statements%' ORDER BY calls DESC", db)
            total = 0
            lines = []
            for ln in rows.splitlines():
                calls, _, q = ln.partition("|")
                total += int(calls)
                lines.append("    %6.2f  %s" % (int(calls) / N_TRIPS,
                                                 " ".join(q.split())[:90]))
            trips[path] = (total / N_TRIPS, lines)

        runs = {e: [] for e in stacks}
        for r in range(ROUNDS):
            for engine, s in stacks.items():
                anchor = {"url": s.base_url + PATH, "key": keys[engine],
                          "pids": lambda s=s: [
                              p for p in s.program_pids()] +
                          bench_jira.children(s.web.pid)}
                runs[engine].append(bench_jira.measure(anchor))

        print("Jira-mode search %s, one host (nginx, %s workers per "
              "program), %d interleaved rounds of wrk -t2 -c32 -d%ds" % (
                  PATH, os.environ["JTA_CHILDREN"], ROUNDS,
                  bench_jira.SECONDS))
        for engine in stacks:
            rs = runs[engine]
            print("  %-10s  %7.0f req/s  p50 %.2f ms  p99 %.2f ms  "
                  "p50 alone %.2f ms  cpu %.0f us/req  non-2xx %d" % (
                      engine, statistics.median(x["rps"] for x in rs),
                      statistics.median(x["p50"] for x in rs),
                      statistics.median(x["p99"] for x in rs),
                      statistics.median(x["p50_1"] for x in rs),
                      statistics.median(x["cpu_us"] for x in rs),
                      sum(x["bad"] for x in rs)))
        ratios = [p["rps"] / s_["rps"] for p, s_ in
                  zip(runs["postgresql"], runs["sqlite"])]
        print("  postgresql / sqlite throughput: median %.2f (%.2f..%.2f)"
              % (statistics.median(ratios), min(ratios), max(ratios)))
        for path, (per, lines) in trips.items():
            print("round trips per request on PostgreSQL, GET %s: %.2f "
                  "(%d requests; statements by calls per request):"
                  % (path, per, N_TRIPS))
            print("\n".join(lines))
    finally:
        for s in stacks.values():
            s.stop()
        for p in procs:
            p.terminate()
            p.wait(10)
        standin.stop()


if __name__ == "__main__":
    main()
