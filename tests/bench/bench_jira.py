"""Benchmark: GET /api/issues in Jira mode (API key lookup, token
unsealing, the upstream search, reshaping into our rows) against three
anchors started in the same run:

  hop   a bare nginx proxy hop to the upstream (what any proxy costs);
  ref   a straightforward reference C pipeline (tests/bench/ref_pipeline.c,
        built here): bearer -> keyed hash -> SQLite -> XChaCha20-Poly1305
        -> libcurl keep-alive -> jansson reshape, under spawn-fcgi behind
        nginx, as many processes as ours;
  fastapi  the same pipeline as a straightforward FastAPI application
        (tests/bench/fastapi_pipeline.py: hashlib BLAKE2b, sqlite3,
        PyNaCl, one kept-alive httpx.AsyncClient per worker) under uvicorn
        with as many worker processes as ours, behind the same kind of
        nginx (proxy_pass with keep-alive).  Debian's python3-fastapi,
        -uvicorn, -httpx and -nacl, and -uvloop and -httptools, which
        uvicorn uses when present (tests/bench/run.sh installs them);
        skipped with a message when they are missing.  Its answer must
        equal the reference pipeline's, or the run stops.

The upstream for all three is one static nginx answering POST /search/jql
with a realistic 20-issue page (the Atlassian stand-in's own answer for
the fields we ask, saved once); everything else (OAuth consent) goes on to
the Python stand-in.  Upstream calls are counted in the static nginx's
access log.

Interleaved rounds (BENCH_ROUNDS, default 3): in each round every anchor
runs wrk -t2 -c32 for BENCH_SECONDS (default 5), then wrk -t1 -c1 for the
latency with nothing queued.  CPU per request is the utime+stime the
anchor's nginx workers and FastCGI workers (for FastAPI: uvicorn's
processes) spent during its wrk run (from /proc), divided by the
requests wrk counted.  Prints medians, the ratios per round (median and
min..max) and the added p50 latency over the hop.  Asserts nothing about
time: a benchmark, not a test."""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The shipped usage batches, not the tests' fold per request (harness).
os.environ.setdefault("JTA_USAGE_FOLD_CALLS", "default")
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import test_jira  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLOUD = "11111111-2222-4333-8444-555555555555"
SEARCH = "/ex/jira/%s/rest/api/3/search/jql" % CLOUD
FIELDS = ["summary", "status", "issuetype", "priority", "assignee",
          "reporter", "created", "updated"]
PATH = "/api/issues?project=OPS&limit=20"
TICK = os.sysconf("SC_CLK_TCK")


def nginx(work, name, body, http_extra=""):
    """Start an nginx with one server block; (process, port)."""
    port = harness.free_port()
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""daemon off;
master_process on;
worker_processes 2;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
%s
    server {
        listen 127.0.0.1:%d;
        location = /_up { return 204; }
%s
    }
}
""" % (d, d, d, d, d, http_extra, port, body))
    p = subprocess.Popen(["nginx", "-c", conf, "-p", d],
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/_up" % port,
                                   timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    return p, port


def upstream_conf(work, page, standin):
    """The static upstream: POST /search/jql answers the saved page (the
    static module refuses POST with 405; error_page turns it into an
    internal GET of the file), counted in its own access log; the rest
    goes on to the stand-in."""
    return """
        access_log %s/upstream-calls.log;
        location = %s {
            error_page 405 =200 /_page;
            return 405;
        }
        location = /_page {
            internal;
            default_type application/json;
            alias %s;
        }
        location / {
            proxy_pass %s;
        }""" % (work, SEARCH, page, standin)


def children(pid):
    """pid and its descendants (nginx master and workers)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except OSError:
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def by_exe(path):
    """Processes running the program at path."""
    path = os.path.realpath(path)
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % d) == path:
                    out.append(int(d))
            except OSError:
                pass
    return out


def cpu(pids):
    """utime+stime of pids, in seconds."""
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                v = f.read().rsplit(")", 1)[1].split()
            t += int(v[11]) + int(v[12])
        except OSError:
            pass
    return t / TICK


FASTAPI_MODULES = "import fastapi, uvicorn, httpx, nacl"
FASTAPI_PACKAGES = "python3-fastapi python3-uvicorn python3-httpx " \
    "python3-nacl"


def fastapi_python():
    """An interpreter that has FastAPI, uvicorn, httpx and PyNaCl: this
    one, or Debian's (where the Debian packages install them, when
    python3 on the PATH is another); None when neither has them."""
    for py in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        if os.access(py, os.X_OK) and subprocess.run(
                [py, "-c", FASTAPI_MODULES], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return py
    return None


def start_fastapi(work, py, env, url, key, want):
    """uvicorn with fastapi_pipeline.py, as many workers as ours, on a
    loopback port; waits (bounded) until it answers url with key, and
    checks that the answer equals want (the reference pipeline's parsed
    answer).  (process, port); raises if it does not come up or answers
    otherwise."""
    port = harness.free_port()
    log = open(os.path.join(work, "uvicorn.log"), "wb")
    p = subprocess.Popen(
        [py, "-m", "uvicorn", "--app-dir", HERE, "--host", "127.0.0.1",
         "--port", str(port), "--workers", os.environ["JTA_CHILDREN"],
         "--no-access-log", "--log-level", "warning",
         "fastapi_pipeline:app"], env=env, stdout=log, stderr=log)
    log.close()
    target = "http://127.0.0.1:%d%s" % (port, url)
    deadline = time.time() + 30
    got, workers = None, 0
    while time.time() < deadline and p.poll() is None:
        workers = len(children(p.pid)) - 1
        try:
            got = urllib.request.urlopen(urllib.request.Request(
                target, headers={"Authorization": "Bearer " + key}),
                timeout=5).read()
            if workers >= int(os.environ["JTA_CHILDREN"]):
                break
        except OSError:
            pass
        time.sleep(0.1)
    if got is None or p.poll() is not None or \
            workers < int(os.environ["JTA_CHILDREN"]):
        p.terminate()
        p.wait(10)
        with open(os.path.join(work, "uvicorn.log")) as f:
            raise RuntimeError("the FastAPI anchor did not answer in 30 s "
                               "(%d workers up):\n%s" % (workers, f.read()))
    if json.loads(got) != want:
        p.terminate()
        p.wait(10)
        raise RuntimeError("the FastAPI anchor's answer differs from the "
                           "reference pipeline's:\n%s\n%s" % (
                               got[:500], json.dumps(want)[:500]))
    return p, port


def stop(p):
    """Stop a server and what it started; bounded."""
    kids = children(p.pid)
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)
    for k in kids[1:]:
        try:
            os.kill(k, 9)
        except OSError:
            pass


def wrk(url, key, script, threads, conns):
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % SECONDS,
           "--latency", url]
    if key:
        cmd[1:1] = ["-H", "Authorization: Bearer " + key]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=SECONDS + 30).stdout

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 \
            if m.group(2) == "s" else v
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "reqs": reqs, "p50": pct(50), "p99": pct(99),
            "bad": int(bad.group(1)) if bad else 0}


def measure(anchor):
    pids = anchor["pids"]()
    before = cpu(pids)
    r = wrk(anchor["url"], anchor.get("key"), anchor.get("script"), 2, 32)
    r["cpu_us"] = (cpu(pids) - before) / max(r["reqs"], 1) * 1e6
    one = wrk(anchor["url"], anchor.get("key"), anchor.get("script"), 1, 1)
    r["p50_1"] = one["p50"]
    r["total"] = r["reqs"] + one["reqs"]
    r["bad"] += one["bad"]
    return r


def rss_kib(pids):
    """(VmRSS, RssAnon, RssFile, Pss) in KiB of each of pids; Pss
    shares each page among the processes that map it."""
    t = []
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                text = f.read()
            with open("/proc/%d/smaps_rollup" % p) as f:
                text += f.read()
            t.append(tuple(int(re.search(r"%s:\s+(\d+)" % k, text).group(1))
                           for k in ("VmRSS", "RssAnon", "RssFile", "Pss")))
        except (OSError, AttributeError):
            pass
    return t


def smaps_by_file(pid):
    """Rss in KiB of pid by what is mapped: each file by its name (its
    text, data and relro pages together), [heap], [stack], anonymous."""
    out = {}
    name = None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                head = line.split()
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    name = os.path.basename(head[5]) if len(head) > 5 \
                        else "[anonymous]"
                elif head and head[0] == "Rss:":
                    out[name] = out.get(name, 0) + int(head[1])
    except OSError:
        pass
    return out


def keep_smaps(pids):
    """BENCH_SMAPS=FILE: copy the whole /proc/PID/smaps of the largest
    worker there (every mapping's Rss, Private_Dirty, Shared_Clean), to
    see page by page what a worker holds."""
    dest = os.environ.get("BENCH_SMAPS")
    if not dest or not pids:
        return
    best = None
    for p in pids:
        try:
            with open("/proc/%d/smaps" % p) as f:
                text = f.read()
        except OSError:
            continue
        rss = sum(int(m) for m in re.findall(r"^Rss:\s+(\d+)", text, re.M))
        if best is None or rss > best[0]:
            best = (rss, text)
    if best is not None:
        with open(dest, "w") as f:
            f.write(best[1])


def main():
    standin = test_jira.standin
    work = tempfile.mkdtemp(prefix="jta-bench-jira-")
    os.chmod(work, 0o755)
    procs = []
    stack = None
    fastapi = None
    fastapi_note = None
    try:
        # 1. The page: the stand-in's answer for our fields, 20 issues.
        up_holder = {}

        def conf(s):
            text = test_jira.conf(s)
            return text.replace("atlassian_api_url = %s" % standin.url,
                                "atlassian_api_url = %s" % up_holder["url"])
        page = os.path.join(work, "page.json")
        with open(page, "w") as f:
            f.write("{}")
        up, upport = nginx(work, "upstream", upstream_conf(
            work, page, standin.url))
        procs.append(up)
        up_holder["url"] = "http://127.0.0.1:%d" % upport
        os.environ.setdefault("JTA_CHILDREN", "2")
        stack = harness.Stack("nginx", BUILDDIR, SRCDIR,
                              os.path.join(work, "ours"), conf)
        os.makedirs(stack.workdir)
        stack.start()
        st, pg, _ = test_jira.consent(_Quiet(), stack, "bench")
        key = test_jira.KEY_RE.search(pg).group(1)
        token = [t for t, a in standin.world.access.items()][-1]
        c = Client(stack, key)
        for i in range(20):
            c.call("POST", "/api/issues", {
                "project": "OPS", "type": "Bug",
                "summary": "Disk usage alert on build agent %d" % i,
                "description": "The agent's /var filled up again, "
                "case %d." % i})
        req = urllib.request.Request(
            standin.url + SEARCH, method="POST", data=json.dumps({
                "jql": 'project = "OPS" ORDER BY updated DESC',
                "maxResults": 20, "fields": FIELDS}).encode(),
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        body = urllib.request.urlopen(req, timeout=10).read()
        # Compact, as Jira Cloud sends it.
        body = json.dumps(json.loads(body), separators=(",", ":")).encode()
        with open(page, "wb") as f:
            f.write(body)
        npage = len(json.loads(body)["issues"])
        st, _, _, ours_body = c.call("GET", PATH)
        assert st == 200 and len(json.loads(ours_body)["issues"]) == \
            npage, (st, ours_body[:300])

        # 2. The hop and the reference pipeline.
        hop, hopport = nginx(work, "hop", """
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }""", "    upstream up { server 127.0.0.1:%d; keepalive 32; }" % upport)
        procs.append(hop)
        script = os.path.join(work, "post.lua")
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = '
                    '"application/json"\nwrk.body = %s\n' % json.dumps(
                        json.dumps({"jql": 'project = "OPS" ORDER BY '
                                    'updated DESC', "maxResults": 20,
                                    "fields": FIELDS})))
        ref = os.path.join(work, "ref_pipeline")
        subprocess.run("cc -O2 -o %s %s $(pkg-config --cflags --libs "
                       "jansson libsodium sqlite3 libcurl) -lfcgi" % (
                           ref, os.path.join(HERE, "ref_pipeline.c")),
                       shell=True, check=True)
        refkey = "refkey-" + os.urandom(16).hex()
        subprocess.run([ref, "init", work + "/ref.db", work + "/ref.key",
                        refkey, token], check=True)
        sock = os.path.join(work, "ref.sock")
        subprocess.run(["spawn-fcgi", "-s", sock, "-M", "0666", "-F",
                        os.environ["JTA_CHILDREN"], "--", ref, "serve",
                        work + "/ref.db", work + "/ref.key",
                        up_holder["url"], standin.world.site_url("acme")],
                       check=True, stdout=subprocess.DEVNULL)
        refweb, refport = nginx(work, "refweb", """
        location = /api/issues {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass unix:%s;
        }""" % sock)
        procs.append(refweb)
        ref_body = urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:%d%s" % (refport, PATH),
            headers={"Authorization": "Bearer " + refkey}),
            timeout=10).read()
        assert len(json.loads(ref_body)["issues"]) == npage, ref_body[:300]

        # 3. The FastAPI anchor: the same work on the same database and
        # key, behind its own nginx; its answer must be the reference's.
        py = fastapi_python()
        if py is None:
            fastapi_note = ("skipped: FastAPI, uvicorn, httpx or PyNaCl "
                            "missing (Debian: %s; tests/bench/run.sh "
                            "installs them)" % FASTAPI_PACKAGES)
            print("nginx -> FastAPI anchor " + fastapi_note,
                  file=sys.stderr)
        else:
            env = dict(os.environ, FA_DB=work + "/ref.db",
                       FA_KEY=work + "/ref.key", FA_URL=up_holder["url"],
                       FA_SITE=standin.world.site_url("acme"))
            env.pop("PYTHONPATH", None)
            fastapi, faport = start_fastapi(work, py, env, PATH, refkey,
                                            json.loads(ref_body))
            faweb, fawebport = nginx(work, "faweb", """
        location = /api/issues {
            proxy_pass http://fa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }""", "    upstream fa { server 127.0.0.1:%d; keepalive 32; }" % (
                faport))
            procs.append(faweb)
            fa_body = urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d%s" % (fawebport, PATH),
                headers={"Authorization": "Bearer " + refkey}),
                timeout=10).read()
            if json.loads(fa_body) != json.loads(ref_body):
                raise RuntimeError("the FastAPI anchor behind nginx answers "
                                   "otherwise than the reference pipeline")
            # uvicorn's "auto" picks uvloop and httptools when they are
            # installed (uvicorn[standard]), else asyncio and h11.
            speed = subprocess.run([py, "-c", "import uvloop, httptools"],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL).returncode
            fastapi_note = "uvicorn, %s workers, %s (%s)" % (
                os.environ["JTA_CHILDREN"], "asyncio + h11" if speed else
                "uvloop + httptools", py)

        issues_exe = os.path.join(BUILDDIR, "fcgi", "jta-issues")
        anchors = {
            "hop": {"url": "http://127.0.0.1:%d%s" % (hopport, SEARCH),
                    "script": script, "key": token,
                    "pids": lambda: children(hop.pid)},
            "ref": {"url": "http://127.0.0.1:%d%s" % (refport, PATH),
                    "key": refkey,
                    "pids": lambda: children(refweb.pid) + by_exe(ref)},
            "ours": {"url": stack.base_url + PATH, "key": key,
                     "pids": lambda: children(stack.web.pid) +
                     by_exe(issues_exe)},
        }
        if fastapi is not None:
            anchors["fastapi"] = {
                "url": "http://127.0.0.1:%d%s" % (fawebport, PATH),
                "key": refkey,
                "pids": lambda: children(faweb.pid) +
                children(fastapi.pid)}
        calls_before = count_calls(work)
        runs = {k: [] for k in anchors}
        rss = []
        rss_maps = {}
        for _ in range(ROUNDS):
            for k, a in anchors.items():
                runs[k].append(measure(a))
                if k == "ours":
                    rss.extend(rss_kib(by_exe(issues_exe)))
                    maps = [smaps_by_file(p) for p in by_exe(issues_exe)]
                    if maps:
                        rss_maps = max(maps, key=lambda m: sum(m.values()))
                    keep_smaps(by_exe(issues_exe))
        calls = count_calls(work) - calls_before
        served = sum(r["total"] for v in runs.values() for r in v)
        if os.environ.get("BENCH_PROFILE"):
            profile(work, anchors["ours"], by_exe(issues_exe))
    finally:
        if stack is not None:
            stack.stop()
        if fastapi is not None:
            stop(fastapi)
        for p in procs:
            p.terminate()
            p.wait(10)
        for p in by_exe(os.path.join(work, "ref_pipeline")):
            try:
                os.kill(p, 15)
            except OSError:
                pass
        standin.stop()
    report(runs, len(body), npage, rss, calls, served, fastapi_note,
           rss_maps)
    shutil.rmtree(work, ignore_errors=True)


def profile(work, anchor, pids):
    """BENCH_PROFILE=1: where ours spends its time under the same load:
    perf record of the workers (call graphs) during one wrk run, then
    the system calls of one worker (strace -c) during a second run."""
    data = os.path.join(work, "perf.data")
    p = subprocess.Popen(["perf", "record", "-F", "999", "--call-graph",
                          "dwarf,16384", "-o", data,
                          "-p", ",".join(str(x) for x in pids)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    r = wrk(anchor["url"], anchor["key"], None, 2, 32)
    p.send_signal(2)
    p.wait(60)
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio",
                          "--no-children", "--sort", "dso,symbol",
                          "--percent-limit", "1", "-g", "none"],
                         capture_output=True, text=True).stdout
    print("---- perf, jta-issues workers, %d requests (self):" % r["reqs"])
    print("\n".join(line for line in rep.splitlines()
                    if line.strip() and not line.startswith("#")))
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio",
                          "--no-children", "--sort", "dso", "-g", "none"],
                         capture_output=True, text=True).stdout
    print("---- perf, the same samples by library:")
    print("\n".join(line for line in rep.splitlines()
                    if line.strip() and not line.startswith("#")))
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio",
                          "--children", "--sort", "symbol", "-g", "none"],
                         capture_output=True, text=True).stdout
    print("---- perf, the same samples: share of each step with what it "
          "calls (children, self):")
    want = re.compile(r"\] (serve|jta_fcgi_main|jta_auth_bearer|jta_policy_check|"
                      r"jta_usage_check|jta_usage_count|jta_audit_request|"
                      r"jta_backend_\w+|jta_http_\w+|json_loadb|jta_json_pick_loadb|"
                      r"jta_jira_search_result|jta_resp_json|jta_fit|"
                      r"json_delete|json_decref|jta_vault_\w+|"
                      r"jta_metrics_request|FCGX_Accept_r|readbody|"
                      r"jta_req_init|jta_arena_end)(\s|$)")
    # perf lists a function once per inlined copy or call site: summed.
    share = {}
    for line in rep.splitlines():
        m = want.search(line)
        if m:
            share[m.group(1)] = share.get(m.group(1), 0) + float(
                line.split("%")[0])
    for name, pct in sorted(share.items(), key=lambda x: -x[1]):
        print("    %6.2f%%  %s" % (min(pct, 100.0), name))
    st = subprocess.Popen(["strace", "-c", "-f", "-o",
                           os.path.join(work, "strace.txt"), "-p",
                           str(pids[0])], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    r = wrk(anchor["url"], anchor["key"], None, 1, 4)
    st.send_signal(2)
    st.wait(60)
    with open(os.path.join(work, "strace.txt")) as f:
        print("---- system calls of one worker (strace -c), %d requests "
              "for both workers:" % r["reqs"])
        print(f.read())


def count_calls(work):
    try:
        with open(os.path.join(work, "upstream-calls.log")) as f:
            return sum(1 for line in f if "/search/jql" in line)
    except OSError:
        return 0


def report(runs, size, npage, rss, calls, served, fastapi_note, rss_maps):
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]}
           for k, v in runs.items()}
    print("Jira-mode GET %s; upstream: static nginx, %d issues, %d bytes"
          % (PATH, npage, size))
    print("%d interleaved rounds; wrk -t2 -c32 -d%ds and -t1 -c1 -d%ds; "
          "medians; %s workers; load average %.1f %.1f %.1f" % (
              len(runs["ours"]), SECONDS, SECONDS,
              os.environ["JTA_CHILDREN"], *os.getloadavg()))
    print("%-38s %9s %8s %8s %10s %9s %6s" % (
        "", "req/s", "p50 ms", "p99 ms", "CPU us/req", "p50 c1 ms",
        "non2xx"))
    names = {"hop": "bare nginx proxy hop -> static",
             "ref": "reference C pipeline (nginx+fcgi)",
             "fastapi": "nginx -> FastAPI (uvicorn)",
             "ours": "nginx + jta-issues (Jira mode)"}
    for k in ("hop", "ref", "fastapi", "ours"):
        if k not in med:
            continue
        m = med[k]
        print("%-38s %9.0f %8.2f %8.2f %10.0f %9.3f %6d" % (
            names[k], m["rps"], m["p50"], m["p99"], m["cpu_us"], m["p50_1"],
            sum(r["bad"] for r in runs[k])))

    def ratio(f):
        v = [f(i) for i in range(len(runs["ours"]))]
        return "%.3f (%.3f..%.3f)" % (statistics.median(v), min(v), max(v))
    o, r, h = runs["ours"], runs["ref"], runs["hop"]
    print("ours/ref throughput        %s   (target >= 1.0)" % ratio(
        lambda i: o[i]["rps"] / r[i]["rps"]))
    print("ours/ref CPU per request   %s   (target <= 1.0)" % ratio(
        lambda i: o[i]["cpu_us"] / r[i]["cpu_us"]))
    print("ours/hop throughput        %s" % ratio(
        lambda i: o[i]["rps"] / h[i]["rps"]))
    print("added p50 over the hop, one connection: ours %s ms, ref %s ms "
          "(target ours <= 0.7)" % (
              ratio(lambda i: o[i]["p50_1"] - h[i]["p50_1"]),
              ratio(lambda i: r[i]["p50_1"] - h[i]["p50_1"])))
    if "fastapi" in runs:
        f = runs["fastapi"]
        print("ours/FastAPI throughput    %s   (target >= 2.0)" % ratio(
            lambda i: o[i]["rps"] / f[i]["rps"]))
        print("ours/FastAPI CPU per req   %s" % ratio(
            lambda i: o[i]["cpu_us"] / f[i]["cpu_us"]))
        print("ref/FastAPI throughput     %s" % ratio(
            lambda i: r[i]["rps"] / f[i]["rps"]))
        print("added p50 over the hop, one connection: FastAPI %s ms" %
              ratio(lambda i: f[i]["p50_1"] - h[i]["p50_1"]))
    print("nginx -> FastAPI anchor: %s" % fastapi_note)
    if rss:
        top = max(rss)
        print("jta-issues RSS per worker under load: max %.1f MiB (%.1f MiB "
              "its own memory, %.1f MiB mapped files: the program and its "
              "shared libraries); PSS %.1f MiB" % (
                  top[0] / 1024, top[1] / 1024, top[2] / 1024,
                  max(x[3] for x in rss) / 1024))
        # In KiB too: a tenth of a MiB hides whether 12 MiB is met.
        print("jta-issues RSS of each worker after each round (KiB), "
              "largest first: %s; the median %g" % (
                  ", ".join("%d" % x[0] for x in sorted(rss,
                                                         reverse=True)),
                  statistics.median(x[0] for x in rss)))
    if rss_maps:
        print("the largest worker's RSS by mapping (KiB): " + ", ".join(
            "%s %d" % (k, v) for k, v in sorted(
                rss_maps.items(), key=lambda kv: -kv[1]) if v >= 64))
    print("upstream /search/jql calls: %d for %d requests answered by the "
          "%d (%.4f per request)" % (calls, served, len(runs),
                                      calls / max(served, 1)))


class _Quiet:
    """Cases for the consent helper that only stops on a failure."""

    def check(self, name, cond, detail=""):
        if not cond:
            raise RuntimeError("%s: %s" % (name, detail))
        return cond

    def eq(self, name, got, want):
        return self.check(name, got == want, (got, want))


if __name__ == "__main__":
    main()
