"""The programs on PostgreSQL (README "Several hosts on PostgreSQL"), Jira
mode against the Atlassian stand-in, with a private cluster of our own
(tests/pg-cluster.sh; this file stops and restarts it, so it never shares
one another suite is using).

One host, under nginx and then Apache: sign-in (the Atlassian consent and
its API key), search, a draft submitted once, the switch off and on from
jta-admin, /healthz naming the database; then the server stopped under
load: every program answers 503 problem+json with Retry-After (closed,
never open), and once it is back they answer 200 without a restart, and
every write they acknowledged (drafts answered 201) is there.

Two hosts (nginx + programs, Apache + programs, WORKERS workers per
program each) behind an nginx load balancer, one database: tokens that
expire every second under 16 client threads are refreshed once per
expiry across both hosts (counted at the stand-in); 8 submits of one
draft at once over both hosts make one ticket; a switch-off made on one
host applies at the other's next request; a quota is counted across
hosts.  Standard library only; bounded in time and count."""

import concurrent.futures
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402


def own_cluster():
    """Re-run this file inside a cluster of its own (77 when there is no
    PostgreSQL server or the build has no libpq)."""
    with open(os.path.join(jtatest.BUILDDIR, "config.h")) as f:
        if "#define HAVE_LIBPQ 1" not in f.read():
            print("SKIP: this build has no libpq (install libpq-dev)")
            sys.exit(77)
    if os.environ.get("JTA_PG_TEST_OWN") == "1":
        return
    env = dict(os.environ, JTA_PG_TEST_OWN="1", JTA_TEST_PG_TIMEOUT="900")
    env.pop("JTA_TEST_PG", None)
    p = subprocess.run(["sh", os.path.join(jtatest.SRCDIR, "tests",
                                           "pg-cluster.sh"),
                        sys.executable, os.path.abspath(__file__)],
                       env=env)
    if p.returncode == 77:
        print("SKIP: no PostgreSQL server (sh cli/deps.sh test installs "
              "postgresql-15)")
    sys.exit(p.returncode)


own_cluster()

import harness  # noqa: E402
from jiratest import CLIENT_ID, SECRET, link, standin  # noqa: E402

PG = os.environ["JTA_TEST_PG"]
PWFILE = os.environ["JTA_TEST_PG_PASSWORD_FILE"]
BINDIR = os.environ["JTA_TEST_PG_BINDIR"]
DATA = os.environ["JTA_TEST_PG_DATA"]
SOCK = os.environ["JTA_TEST_PG_SOCKET"]
PORT = dict(kv.split("=", 1) for kv in PG.split())["port"]
# Two hosts of 8 workers for each of 31 programs, each worker with two
# connections (the serving loop's and the usage counter's).
MAX_CONNECTIONS = 1200
WORKERS = int(os.environ.get("JTA_PG_HOST_WORKERS", "8"))
THREADS = 16
CAROL = {"account_id": "712020:c4r01000-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
         "name": "Carol Quota", "email": "carol@example.com"}


def password():
    with open(PWFILE) as f:
        return f.read().strip()


def psql(sql, db="postgres"):
    """One statement as the cluster's role; its rows, '|'-separated."""
    info = PG.replace("dbname=postgres", "dbname=" + db)
    p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                        info, "-c", sql], capture_output=True, text=True,
                       env=dict(os.environ, PGPASSWORD=password()),
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return [ln.split("|") for ln in p.stdout.splitlines() if ln]


def pgctl(action):
    """pg_ctl stop / start as the server's user, with the options
    tests/pg-cluster.sh starts it with and room for two hosts' workers."""
    cmd = [os.path.join(BINDIR, "pg_ctl"), "-D", DATA, "-w", "-t", "30"]
    if action == "stop":
        cmd += ["-m", "fast", "stop"]
    else:
        cmd += ["-l", os.path.join(SOCK, "server.log"), "-o",
                "-c listen_addresses=127.0.0.1 -c port=%s "
                "-c unix_socket_directories=%s -c fsync=off "
                "-c max_connections=%d" % (PORT, SOCK, MAX_CONNECTIONS),
                action]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", os.environ.get("JTA_TEST_PG_USER",
                                               "nobody"), "--"] + cmd
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def newdb():
    name = "jta_it_" + secrets.token_hex(4)
    psql("CREATE DATABASE " + name)
    return name


def pg_lines(db):
    return ("database_url = %s\ndatabase_password_file = %s\n"
            % (PG.replace("dbname=postgres", "dbname=" + db), PWFILE))


def jira_lines(stack, secret):
    return ("backend = jira\n"
            "token_key_file = %s/token.key\n"
            "atlassian_client_id = %s\n"
            "atlassian_client_secret_file = %s\n"
            "atlassian_auth_url = %s\n"
            "atlassian_api_url = %s\n"
            "upstream_timeout_ms = 3000\n"
            "upstream_retry_budget_ms = 8000\n"
            % (stack.workdir, CLIENT_ID, secret, standin.url, standin.url))


def secret_file(stack):
    path = os.path.join(stack.workdir, "atlassian.secret")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (SECRET + "\n").encode())
    os.close(fd)
    return path


def one_host_conf(stack):
    import jiratest
    # Statements and lock waits bounded at 1 s, for the timeout case.
    return jiratest.conf(stack) + pg_lines(newdb()) + \
        "database_statement_timeout_ms = 1000\n"


def atl_name(account_id):
    """The local name of an Atlassian account (jta_db_atlname)."""
    return "atl-" + hashlib.blake2b(account_id.encode(),
                                    digest_size=32).hexdigest()[:16]


def problem_503(st, h, j):
    return (st == 503 and h.get("retry-after", "").isdigit() and
            h.get("content-type", "").startswith(
                "application/problem+json") and isinstance(j, dict) and
            j.get("status") == 503)


# ---- one host ------------------------------------------------------------

def one_host(c, stack, server):
    s = server + " one host"
    st, _, hz, _ = jtatest.Client(stack).call("GET", "/healthz")
    db = (hz or {}).get("database", {})
    c.check("%s: /healthz names PostgreSQL, reachable, schema current" % s,
            st == 200 and db.get("engine") == "postgresql" and
            db.get("reachable") is True and db.get("schema_version") ==
            db.get("schema_expected") and db.get("schema_version"), hz)
    c.check("%s: no SQLite file was made" % s,
            not os.path.exists(os.path.join(stack.workdir, "jta.db")),
            os.listdir(stack.workdir))
    key = link(stack)
    alice = jtatest.Client(stack, key)
    st, _, me, _ = alice.call("GET", "/api/me")
    c.check("%s: signed in: the API key works" % s,
            st == 200 and me.get("display_name") == "Alice Example", me)
    dbname = [kv.split("=", 1)[1] for kv in open(stack.conf).read().split()
              if kv.startswith("dbname=")][0]
    c.eq("%s: the link is a row of PostgreSQL" % s,
         psql("SELECT count(*) FROM atlassian_links", dbname), [["1"]])
    st, _, r, _ = alice.call("GET", "/api/issues?project=OPS")
    c.check("%s: search" % s, st == 200 and r.get("issues"), r)

    n0 = standin.state()["issues_created"]
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "On PostgreSQL"})
    did = (d or {}).get("id", "")
    st1, _, r1, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                               {"revision": 1})
    st2, _, r2, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                               {"revision": 1})
    c.check("%s: a draft submitted twice is one ticket" % s,
            st1 == 201 and st2 == 200 and r1 == r2 and
            standin.state()["issues_created"] == n0 + 1, (st1, st2, r2))

    rc, out, err = stack.admin("off", "--message", "maintenance on pg")
    st, h, j, _ = alice.call("GET", "/api/me")
    c.check("%s: switch-off from jta-admin: 503 with its message" % s,
            rc == 0 and st == 503 and
            (j or {}).get("detail") == "maintenance on pg", (rc, err, st, j))
    rc, out, err = stack.admin("on")
    st, _, _, _ = alice.call("GET", "/api/me")
    c.check("%s: switched on again: 200" % s, rc == 0 and st == 200,
            (rc, err, st))

    # A statement that times out: the switch's row held by another
    # session longer than database_statement_timeout_ms (lock_timeout,
    # 55P03) is 503 with Retry-After; once it is free, 200.
    info = PG.replace("dbname=postgres", "dbname=" + dbname)
    holder = subprocess.Popen(
        ["psql", "-X", "-q", info, "-c", "BEGIN; LOCK TABLE policy_settings "
         "IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;"],
        env=dict(os.environ, PGPASSWORD=password()),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.8)
    t0 = time.time()
    st, h, j, _ = alice.call("GET", "/api/me")
    waited = time.time() - t0
    holder.wait(30)
    st2, _, _, _ = alice.call("GET", "/api/me")
    c.check("%s: a lock wait over the statement timeout is 503 with "
            "Retry-After (after %.1f s), then 200" % (s, waited),
            problem_503(st, h, j) and st2 == 200, (st, h, j, st2))

    # The server restarted between requests: each worker's first
    # statement (the switch's read) finds its connection ended and runs
    # again on a new one, so no request fails.
    pgctl("restart")
    got = [alice.call("GET", "/api/me")[0] for _ in range(8)]
    c.eq("%s: after a restart between requests, the next ones are all "
         "200" % s, got, [200] * 8)

    outage(c, stack, s, alice)


def outage(c, stack, s, alice):
    """The server stopped under load, then started: 503 meanwhile, then
    200 without restarting the programs, and no acknowledged write
    lost."""
    pids = stack.program_pids()
    acked, statuses, bad = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(i):
        n = 0
        while not stop.is_set():
            if (i + n) % 2:
                st, h, j, _ = alice.call("POST", "/api/drafts", {
                    "project": "OPS", "summary": "load %d.%d" % (i, n)})
            else:
                st, h, j, _ = alice.call("GET", "/api/issues?project=OPS")
            n += 1
            with lock:
                statuses.append(st)
                if st == 201:
                    acked.append(j["id"])
                elif st == 503 and not problem_503(st, h, j):
                    bad.append((st, h, j))
            if st == 503:
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    pgctl("stop")
    time.sleep(2.0)
    with lock:
        n_down = len(statuses)
    during = []
    for path in ("/api/me", "/api/issues?project=OPS", "/api/drafts/x",
                 "/api/projects"):
        st, h, j, _ = alice.call("GET", path)
        during.append((path, st, problem_503(st, h, j)))
    # /healthz keeps its own document (monitors read it).
    st, h, j, _ = alice.call("GET", "/healthz")
    during.append(("/healthz", st, h.get("retry-after", "").isdigit() and
                   (j or {}).get("database", {}).get("reachable") is False))
    # A program started while the server is away serves 503 (it does
    # not exit); a wrong password still stops it at start-up.
    rc, st, h, _ = jtatest.cgi(stack.conf, "jta-me", uri="/api/me",
                               key=alice.key)
    c.check("%s: a program started while the server is down answers 503 "
            "with Retry-After" % s, rc == 0 and st == 503 and
            h.get("retry-after", "").isdigit(), (rc, st, h))
    pgctl("start")
    t_up = time.time()
    wrongpw = os.path.join(stack.workdir, "wrong.password")
    fd = os.open(wrongpw, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"not-the-password\n")
    os.close(fd)
    with open(stack.conf) as f:
        text = f.read().replace(PWFILE, wrongpw)
    with open(stack.conf + ".bad", "w") as f:
        f.write(text)
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "fcgi", "jta-me")],
                       env=dict(os.environ, JTA_CONFIG=stack.conf + ".bad",
                                REQUEST_METHOD="GET", REQUEST_URI="/api/me",
                                GATEWAY_INTERFACE="CGI/1.1"),
                       capture_output=True, timeout=60)
    c.check("%s: a wrong password stops start-up naming database_url, "
            "without the password" % s, p.returncode == 78 and
            b"database_url" in p.stderr and password().encode() not in
            p.stderr and b"not-the-password" not in p.stderr,
            (p.returncode, p.stderr[-300:]))
    # Recovered: the first whole second of 200s after the restart.
    time.sleep(2.0)
    with lock:
        mark = len(statuses)
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(60)
    after = statuses[mark:]
    c.check("%s: while it is down every program answers 503 problem+json "
            "with Retry-After (healthz: its own document, reachable false, "
            "Retry-After)" % s,
            all(st == 503 and ok for _, st, ok in during), during)
    c.check("%s: under load only 200, 201 and 503 (with Retry-After), "
            "503 seen (%d requests)" % (s, len(statuses)),
            set(statuses) <= {200, 201, 503} and 503 in statuses and
            not bad and n_down > 0, (sorted(set(statuses)), bad[:3]))
    c.check("%s: back without a restart: every request after it is 200 "
            "or 201 (%d in %.1f s)" % (s, len(after), time.time() - t_up),
            after and set(after) <= {200, 201}, sorted(set(after)))
    c.eq("%s: the programs were not restarted" % s, stack.program_pids(),
         pids)
    lost = [d for d in acked
            if alice.call("GET", "/api/drafts/" + d)[0] != 200]
    c.check("%s: no acknowledged write lost (%d drafts answered 201, all "
            "there)" % (s, len(acked)), acked and not lost, lost[:5])
    st, _, hz, _ = jtatest.Client(stack).call("GET", "/healthz")
    c.check("%s: /healthz is 200 again" % s, st == 200 and
            hz["database"]["reachable"] is True, hz)


# ---- two hosts -----------------------------------------------------------

def balancer(work, ports):
    """An nginx load balancer in front of ports (round robin); it says
    which host answered in X-Upstream.  (process, port)."""
    port = harness.free_port()
    d = os.path.join(work, "lb")
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    servers = "".join("        server 127.0.0.1:%d;\n" % p for p in ports)
    with open(conf, "w") as f:
        f.write(f"""daemon off;
master_process on;
user {harness.WEB_USER};
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream hosts {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://hosts;
            proxy_next_upstream off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
""")
    p = subprocess.Popen(["nginx", "-c", conf, "-p", d],
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            harness.socket.create_connection(("127.0.0.1", port), 1).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the load balancer did not start")


class LB(harness.Stack):
    """The balancer, spoken to as a stack (request() only)."""

    def __init__(self, port):
        self.port = port
        self.base_url = "http://127.0.0.1:%d" % port


def hammer(client, seconds, paths):
    statuses, hosts = [], set()
    lock = threading.Lock()
    stop = time.time() + seconds

    def run(i):
        n = i
        while time.time() < stop:
            st, h, _, _ = client.call("GET", paths[n % len(paths)])
            n += 1
            # A 503 counts only with its Retry-After (closed, never open).
            if st == 503 and not h.get("retry-after", "").isdigit():
                st = -503
            with lock:
                statuses.append(st)
                hosts.add(h.get("x-upstream"))

    threads = [threading.Thread(target=run, args=(i,))
               for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return statuses, hosts


def two_hosts(c):
    os.environ["JTA_CHILDREN"] = str(WORKERS)
    os.environ["JTA_CHAT_CHILDREN"] = "1"
    dbname = newdb()
    works = [tempfile.mkdtemp(prefix="jta-pg-host%d-" % i) for i in (1, 2)]
    stacks, lbp = [], None

    def conf_for(stack):
        standin.config(redirect_uris=[x.base_url + "/oauth/callback"
                                      for x in stacks + [stack]])
        return jira_lines(stack, secret_file(stack)) + pg_lines(dbname)

    try:
        standin.reset()
        for i, server in enumerate(("nginx", "apache")):
            if i == 1:
                # One set of key files for every host (README: copy them
                # with their modes).
                for k in ("vault.key", "token.key"):
                    shutil.copy2(os.path.join(works[0], k),
                                 os.path.join(works[1], k))
            st = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                               works[i], conf_for)
            stacks.append(st)
            st.start()
        a, b = stacks
        c.eq("two hosts: %d workers per program on each" % WORKERS,
             (len(a.program_pids()), len(b.program_pids())),
             ((len(harness.PROGRAMS) - 1) * WORKERS + 1,) * 2)
        lbp, port = balancer(works[0], (a.port, b.port))
        lb = LB(port)
        standin.config(access_token_lifetime=1)
        key = link(a)
        alice = jtatest.Client(lb, key)
        time.sleep(1.1)
        before = standin.state()
        t0 = time.time()
        statuses, hosts = hammer(alice, 5, ["/api/me", "/api/issues/OPS-1",
                                            "/api/projects"])
        elapsed = time.time() - t0
        after = standin.state()
        refreshes = after["refreshes"] - before["refreshes"]
        # Under the sanitizers a request may wait longer than its budget
        # for the other host's refresh or a row lock: it is then a 503 with
        # Retry-After (the client tries again), never another answer.
        c.check("two hosts: under load both hosts answer, 200 or 503 with "
                "Retry-After, at least 9 in 10 of them 200 (%d, %d 503)"
                % (len(statuses), statuses.count(503)), statuses and
                set(statuses) <= {200, 503} and
                statuses.count(200) * 10 >= len(statuses) * 9 and
                len(hosts) == 2, (sorted(set(statuses)), hosts))
        c.check("two hosts: one Atlassian refresh per expiry across both "
                "(%d in %.1f s)" % (refreshes, elapsed),
                1 <= refreshes <= int(elapsed) + 2, refreshes)
        c.eq("two hosts: no spent refresh token presented again, none "
             "refused", (after["reused_refresh_presented"] -
                         before["reused_refresh_presented"],
                         after["invalid_grant"] - before["invalid_grant"]),
             (0, 0))
        standin.config(access_token_lifetime=3600)
        alice.call("GET", "/api/me")

        # 8 submits of one draft at once over both hosts.
        st, _, d, _ = alice.call("POST", "/api/drafts", {
            "project": "OPS", "summary": "Submitted on two hosts"})
        n0 = standin.state()["issues_created"]

        def submit(_):
            st, h, j, _ = alice.call("POST", "/api/drafts/%s/submit" %
                                     d["id"], {"revision": 1})
            return st, h.get("x-upstream"), (j or {}).get("issue", {}).get(
                "key")
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            got = list(ex.map(submit, range(8)))
        time.sleep(1.0)
        st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                                 {"revision": 1})
        keys = {k for s_, _, k in got if k}
        c.check("two hosts: 8 submits of one draft at once make one ticket "
                "(201 once; 200 or 409 else; both hosts)",
                standin.state()["issues_created"] == n0 + 1 and
                [s_ for s_, _, _ in got].count(201) == 1 and
                all(s_ in (200, 201, 409) for s_, _, _ in got) and
                len({h for _, h, _ in got}) == 2 and st == 200 and
                keys == {r["issue"]["key"]}, (got, st, r))

        # The switch: off on host 1, the next request on host 2.
        rc, _, err = a.admin("off", "--message", "off on host 1")
        st, _, j, _ = jtatest.Client(b, key).call("GET", "/api/me")
        c.check("two hosts: a switch-off on one host applies at the "
                "other's next request", rc == 0 and st == 503 and
                (j or {}).get("detail") == "off on host 1", (rc, err, st, j))
        rc, _, err = b.admin("on")
        st, _, _, _ = jtatest.Client(a, key).call("GET", "/api/me")
        c.check("two hosts: ... and on again from the other", rc == 0 and
                st == 200, (rc, err, st))

        # A quota counted across hosts: 6 calls a day, 12 asked in turn
        # through the balancer (both hosts).
        ckey = link(a, dict(CAROL))
        rc, out, err = a.admin("quota", "set", "--person",
                               atl_name(CAROL["account_id"]), "--metric",
                               "calls", "--limit", "6")
        carol = jtatest.Client(lb, ckey)
        got = [carol.call("GET", "/api/issues?project=OPS")[:2]
               for _ in range(12)]
        c.check("two hosts: a quota of 6 calls holds across both hosts "
                "(6 served, then 429)", rc == 0 and
                [x[0] for x in got] == [200] * 6 + [429] * 6 and
                len({h.get("x-upstream") for _, h in got[:6]}) == 2,
                (rc, err, [(x[0], x[1].get("x-upstream")) for x in got]))
    finally:
        if lbp is not None:
            lbp.terminate()
            lbp.wait(30)
        for st in stacks:
            st.stop()
    for st in stacks:
        bad = jtatest.logs_clean(st)
        c.check("two hosts: %s: no sanitizer report or crash in the logs"
                % st.server, not bad, "\n".join(bad[:10]))
    for work in works:
        jtatest.keep_if_failed(c, work)


def main():
    # Room for two hosts' workers (restart: max_connections).
    pgctl("restart")
    cases = jtatest.Cases()
    os.environ["JTA_CHILDREN"] = "2"
    os.environ["JTA_CHAT_CHILDREN"] = "1"
    for server in ("nginx", "apache"):
        work = tempfile.mkdtemp(prefix="jta-pg-%s-" % server)
        stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                              work, one_host_conf)
        try:
            stack.start()
            one_host(cases, stack, server)
        except Exception:  # a broken test is a failed case
            traceback.print_exc()
            cases.check("%s one host: test ran to the end" % server, False)
        finally:
            stack.stop()
        bad = jtatest.logs_clean(stack)
        cases.check("%s one host: no sanitizer report or crash in the logs"
                    % server, not bad, "\n".join(bad[:10]))
        jtatest.keep_if_failed(cases, work)
    if os.environ.get("JTA_PG_ONE_HOST") != "1":
        try:
            two_hosts(cases)
        except Exception:
            traceback.print_exc()
            cases.check("two hosts: test ran to the end", False)
    cases.finish()


if __name__ == "__main__":
    try:
        main()
    finally:
        standin.stop()
