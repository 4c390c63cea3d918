"""Workers killed with SIGKILL in the middle of writes, many times: the
endpoint program runs as plain CGI (one process per request, four at a
time), each creating a ticket, commenting or moving one, and is killed
after a random delay that lands before, during or after its write.  Then
SQLite's integrity_check is ok and every write a client saw acknowledged
(a complete 201/200 answer) is in the database.  Bounded: ROUNDS
requests, each killed within twice the time one request takes.  Standard library only."""

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import BUILDDIR, Cases, keep_if_failed  # noqa: E402

ROUNDS = 240
PARALLEL = 4


def admin(conf, *args):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", conf] + list(args),
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def request(conf, key, program, method, uri, body, kill_after):
    """Run one CGI request; SIGKILL it after kill_after seconds.  The
    answer's status and JSON when it came whole, else (None, None)."""
    raw = json.dumps(body).encode() if method != "GET" else b""
    _, status, _, payload = jtatest.cgi(conf, program, method, uri, raw,
                                        key, kill_after)
    try:
        return status, json.loads(payload) if status else None
    except ValueError:
        return None, None      # cut off mid-answer: not acknowledged


def main():
    c = Cases()
    work = tempfile.mkdtemp(prefix="jta-crash-")
    conf = os.path.join(work, "jta.conf")
    with open(conf, "w") as f:
        f.write("database = %s/jta.db\nvault_key_file = %s/vault.key\n"
                "log_level = error\n" % (work, work))
    for args in (("init",), ("user", "add", "alice"),
                 ("project", "add", "CR", "Crash test")):
        rc, _, err = admin(conf, *args)
        c.check("setup: jta-admin %s" % " ".join(args), rc == 0, err)
    rc, key, _ = admin(conf, "key", "create", "alice")
    key = key.strip()
    # One ticket to comment on and move, made without interference; how
    # long it takes sets the range of the kill delays (0 to twice that),
    # so kills land before, during and after the write in any build
    # (the sanitizers' builds start much slower).
    t = time.time()
    st, base = request(conf, key, "jta-issues", "POST", "/api/issues",
                       {"project": "CR", "summary": "base"}, 30)
    span = 2 * (time.time() - t)
    c.eq("setup: base ticket", st, 201)

    acked = {"tickets": [], "comments": []}
    killed = [0]
    lock = threading.Lock()
    rnd = random.Random(20261128)
    plan = [(i, rnd.random() * span) for i in range(ROUNDS)]

    def worker(items):
        for i, delay in items:
            kind = i % 3
            if kind == 0:
                st, j = request(conf, key, "jta-issues", "POST",
                                "/api/issues", {"project": "CR",
                                                "summary": "crash %d" % i},
                                delay)
                if st == 201:
                    with lock:
                        acked["tickets"].append((j["key"], j["summary"]))
            elif kind == 1:
                st, j = request(conf, key, "jta-comments", "POST",
                                "/api/issues/CR-1/comments",
                                {"body": "comment %d" % i}, delay)
                if st == 201:
                    with lock:
                        acked["comments"].append(j["body"])
            else:
                to = ("In Progress", "Resolved", "Closed", "Open")[i % 4]
                st, j = request(conf, key, "jta-transitions", "POST",
                                "/api/issues/CR-1/transitions", {"to": to},
                                delay)
            if st is None:
                with lock:
                    killed[0] += 1

    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(plan[k::PARALLEL],))
               for k in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    print("# %d requests in %.1f s: %d killed before answering, %d tickets "
          "and %d comments acknowledged" % (ROUNDS, time.time() - t0,
                                             killed[0], len(acked["tickets"]),
                                             len(acked["comments"])))
    c.check("some requests were killed mid-way", killed[0] > 0)
    c.check("some writes were acknowledged",
            acked["tickets"] and acked["comments"])

    db = sqlite3.connect(os.path.join(work, "jta.db"), timeout=30)
    c.eq("integrity_check is ok",
         db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
    c.eq("the FTS index is consistent",
         db.execute("INSERT INTO ticket_fts(ticket_fts) VALUES "
                    "('integrity-check')").fetchall(), [])
    rows = dict(db.execute("SELECT p.key || '-' || t.num, t.summary "
                           "FROM tickets t JOIN projects p "
                           "ON p.id = t.project_id").fetchall())
    lost = [k for k, s in acked["tickets"] if rows.get(k) != s]
    c.check("no acknowledged ticket was lost", not lost, lost[:5])
    bodies = set(r[0] for r in db.execute("SELECT body FROM comments"))
    lost = [b for b in acked["comments"] if b not in bodies]
    c.check("no acknowledged comment was lost", not lost, lost[:5])
    db.close()
    # And the service still works on the file.
    st, j = request(conf, key, "jta-issue", "GET", "/api/issues/CR-1", {},
                    30)
    c.eq("the store still serves after the crashes", st, 200)
    keep_if_failed(c, work)
    c.finish()


main()
