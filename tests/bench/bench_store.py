"""Benchmark: the embedded store against its anchor in the same run.

The anchor is tests/bench/anchor.c, a FastCGI program that answers every
request with fixed JSON (the issue read's own bytes), under spawn-fcgi
with as many workers as ours, behind the same nginx.  Measured, in
interleaved rounds (anchor and targets take turns, so a slower minute
hits them alike), at 1,000 and then 20,000 tickets:

  read     GET /api/issues/BENCH-500             (jta-issue)
  fts      GET /api/issues?text=quokka&limit=20  (jta-issues, FTS5)
  tickets  GET /api/tickets/?search=quokka       (jta-tickets, trigram)

"quokka" is in the same 15 tickets at both sizes, so a search whose cost
follows the matches, not the store, costs the same at both.  Each size is
measured twice: as seeded (the search indexes with the segments the
writes left, 6 to 7 each), then after `jta-admin store optimize`, which
jta-optimize.timer runs daily (one segment each; README "The search
indexes merged daily").  Prints per
target the throughput ratio to the anchor (median of the rounds, with the
lowest and highest), p50, and CPU per request from the workers'
utime+stime (/proc/PID/stat) over the requests wrk counted.  Asserts
nothing about time (a benchmark, not a test).  BENCH_SECONDS (default 5)
per wrk run, BENCH_ROUNDS (default 3); the workers fold usage in the
shipped batches unless JTA_USAGE_FOLD_CALLS says otherwise."""

import os
import random
import shutil
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The shipped usage batches (usage_fold_calls 32), as bench_usage.py and
# bench_jira.py run, not the integration tests' fold per request (the
# harness's default of 1, which made every measured read a usage write
# with its share of WAL checkpoints).  JTA_USAGE_FOLD_CALLS=1 measures that.
os.environ.setdefault("JTA_USAGE_FOLD_CALLS", "default")
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CHILDREN = os.environ.get("JTA_CHILDREN", "2")
TICK = os.sysconf("SC_CLK_TCK")
RARE = "quokka"
NRARE = 15


class AnchoredStack(harness.Stack):
    """The test stack with one more location: /bench-anchor, the fixed
    JSON program's socket."""

    def _ours(self, path):
        text = super()._ours(path)
        if path == "nginx-conf/jta-locations.conf":
            text = ("location = /bench-anchor {\n"
                    "\tinclude /etc/nginx/fastcgi_params;\n"
                    "\tfastcgi_pass unix:%s/anchor.sock;\n}\n" %
                    self.sockdir) + text
        return text


def wrk(url, key=None):
    cmd = ["wrk", "-t2", "-c16", "-d%ds" % SECONDS, "--latency", url]
    if key:
        cmd[1:1] = ["-H", "Authorization: Bearer " + key]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=SECONDS + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", out)
    p50 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[
        m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, n, p50, int(bad.group(1)) if bad else 0


def cpu(pids):
    """utime + stime of pids, in seconds."""
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                v = f.read().rsplit(")", 1)[1].split()
            t += int(v[11]) + int(v[12])
        except OSError:
            pass
    return t / TICK


def seed(db, start, stop):
    """Tickets start+1..stop in BENCH, straight into the file (the
    triggers fill the indexes as for any insert): about 40 words each from
    a vocabulary of 3,000, and RARE in NRARE of them whatever the size."""
    rnd = random.Random(start)
    words = ["w%04d%s" % (i, "xyzab"[i % 5]) for i in range(3000)]
    rare = set(range(1, 1 + 10 * NRARE, 10))
    con = sqlite3.connect(db, timeout=30)
    pid, = con.execute("SELECT id FROM projects WHERE key = 'BENCH'"
                       ).fetchone()
    uid, = con.execute("SELECT id FROM users WHERE name = 'bench'"
                       ).fetchone()
    now = int(time.time())
    rows = []
    for i in range(start + 1, stop + 1):
        d = " ".join(rnd.choice(words) for _ in range(40))
        if i in rare:
            d += " a " + RARE + " was seen"
        rows.append((pid, i, "Task", "Benchmark ticket %d %s" % (
            i, rnd.choice(words)), d, "Open", "Medium", uid, now - 10 * i,
            now - 10 * i))
    with con:
        con.executemany(
            "INSERT INTO tickets (project_id, num, type, summary, "
            "description, status, priority, reporter_id, created, updated) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        con.execute("UPDATE projects SET next_num = ? WHERE id = ?",
                    (stop + 1, pid))
    con.close()


def optimize(stack):
    """What jta-optimize.timer runs daily: the search indexes merged into
    one segment each (README "The search indexes merged daily")."""
    rc, out, err = stack.admin("store", "optimize")
    if rc != 0:
        raise RuntimeError("jta-admin store optimize: %s" % err)
    print(out.strip())


def measure(stack, key, targets, anchor_pids, size, state):
    res = {name: [] for name, _, _ in targets}
    anc = []
    for r in range(ROUNDS):
        order = targets[r % len(targets):] + targets[:r % len(targets)]
        c0 = cpu(anchor_pids)
        a = wrk(stack.base_url + "/bench-anchor")
        anc.append(a + ((cpu(anchor_pids) - c0) / a[1],))
        for name, path, prog in order:
            pids = stack.pids_of(prog)
            c0 = cpu(pids)
            t = wrk(stack.base_url + path, key)
            res[name].append(t + ((cpu(pids) - c0) / t[1],))
    print("\n%d tickets, %s, wrk -t2 -c16 -d%ds, %d interleaved rounds" % (
        size, state, SECONDS, ROUNDS))
    print("%-9s %9s %22s %8s %10s %7s" % ("", "req/s", "ratio (min-max)",
                                          "p50 ms", "CPU us/req",
                                          "non-2xx"))
    med = statistics.median
    print("%-9s %9.0f %22s %8.2f %10.0f %7d" % (
        "anchor", med(x[0] for x in anc), "1", med(x[2] for x in anc),
        med(x[4] for x in anc) * 1e6, sum(x[3] for x in anc)))
    for name, _, _ in targets:
        v = res[name]
        ratios = [v[i][0] / anc[i][0] for i in range(ROUNDS)]
        print("%-9s %9.0f %22s %8.2f %10.0f %7d" % (
            name, med(x[0] for x in v), "%.3f (%.3f-%.3f)" % (
                med(ratios), min(ratios), max(ratios)),
            med(x[2] for x in v), med(x[4] for x in v) * 1e6,
            sum(x[3] for x in v)))


def rss(stack, prog):
    """The largest VmRSS of prog's workers, with its RssAnon and RssFile,
    in MiB (README "Performance in Jira mode": the same figure)."""
    best = None
    for p in stack.pids_of(prog):
        try:
            with open("/proc/%d/status" % p) as f:
                text = f.read()
        except OSError:
            continue
        v = tuple(int(re.search(r"%s:\s+(\d+)" % k, text).group(1)) / 1024
                  for k in ("VmRSS", "RssAnon", "RssFile"))
        best = v if best is None or v[0] > best[0] else best
    if best is not None:
        print("jta-%s RSS per worker under load: max %.1f MiB (%.1f MiB its "
              "own memory, %.1f MiB mapped files)" % ((prog,) + best))


def main():
    work = tempfile.mkdtemp(prefix="jta-bench-")
    exe = os.path.join(work, "anchor")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "anchor.c"),
                    "-lfcgi"], check=True)
    stack = AnchoredStack("nginx", BUILDDIR, SRCDIR, work)
    anchor_pidfile = os.path.join(work, "anchor.pid")
    stack.start()
    anchor_pids = []
    try:
        stack.admin("user", "add", "bench")
        stack.admin("project", "add", "BENCH", "Benchmark")
        key = stack.admin("key", "create", "bench")[1].strip()
        c = Client(stack, key)
        seed(os.path.join(work, "jta.db"), 0, 1000)
        targets = [("read", "/api/issues/BENCH-500", "issue"),
                   ("fts", "/api/issues?text=%s&limit=20" % RARE,
                    "issues"),
                   ("tickets", "/api/tickets/?search=%s" % RARE,
                    "tickets")]
        for _, path, _ in targets:
            st, _, _, body = c.call("GET", path)
            assert st == 200, (path, st, body)
        st, _, _, body = c.call("GET", targets[0][1])
        fixed = os.path.join(work, "anchor.json")
        with open(fixed, "wb") as f:
            f.write(body)
        sock = os.path.join(stack.sockdir, "anchor.sock")
        subprocess.run(["spawn-fcgi", "-s", sock, "-M", "0666", "-F",
                        CHILDREN, "-P", anchor_pidfile, "--", exe, fixed],
                       check=True, stdout=subprocess.DEVNULL)
        with open(anchor_pidfile) as f:
            anchor_pids = [int(x) for x in f.read().split()]
        print("anchor: %d bytes of fixed JSON (the issue read's answer)" %
              len(body))
        for size in (1000, 20000):
            if size > 1000:
                seed(os.path.join(work, "jta.db"), 1000, size)
            measure(stack, key, targets, anchor_pids, size, "as seeded")
            optimize(stack)
            measure(stack, key, targets, anchor_pids, size,
                    "after jta-admin store optimize (the daily timer)")
            rss(stack, "issues")
    finally:
        for p in anchor_pids:
            try:
                os.kill(p, 15)
            except OSError:
                pass
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
