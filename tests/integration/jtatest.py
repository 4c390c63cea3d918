"""Small shared pieces of the integration tests: a case counter that prints
one line per case and the closing "N passed, N failed", and a runner that
starts the stack under each web server in turn.  Standard library only."""

import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (the Stack: programs + nginx or Apache)

SRCDIR = os.environ.get("JTA_SRCDIR") or os.path.abspath(
    os.path.join(HERE, "..", ".."))
BUILDDIR = os.environ.get("JTA_BUILDDIR") or os.path.join(SRCDIR, "build")

# What a sanitizer or a crash leaves in a program's log.
BAD_LOG = re.compile(r"ERROR: (Address|Leak|Undefined)Sanitizer|"
                     r"runtime error:|SUMMARY: .*Sanitizer|Segmentation")


# Checks every file makes before its closing line, whatever else it ran:
# (name, fn), fn() -> a list of lines saying what is wrong, empty when
# all is well.  jiratest adds one: the stand-in saw no request Atlassian's
# OpenAPI documents do not allow.
FINISH_CHECKS = []


# Usage and quotas count per UTC day (and month): a case that counts a
# call and then reads the day's count, or fills a day's quota and expects
# the next call refused, fails when the day turns between the two.  No
# test file runs longer than about a minute and a half, even under the
# sanitizers (test_pg, the longest), so one that would start in a day's
# last DAY_MARGIN seconds waits for the next day instead.  The product's
# own day boundaries are tested with explicit times (check_usage,
# check_store), not with the clock.
DAY_MARGIN = 300


def wait_out_midnight(margin=DAY_MARGIN):
    left = 86400 - int(time.time()) % 86400
    if left <= margin:
        sys.stderr.write("waiting %d s for the UTC day to turn: this test "
                         "counts usage per day\n" % (left + 2))
        time.sleep(left + 2)


class Cases:
    def __init__(self):
        wait_out_midnight()
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok - %s" % name)
        else:
            self.failed += 1
            print("not ok - %s %s" % (name, detail))
        return cond

    def eq(self, name, got, want):
        return self.check(name, got == want, "(got %r, want %r)" % (got, want))

    def finish(self):
        for name, fn in FINISH_CHECKS:
            found = fn()
            self.check(name, not found, "\n" + "\n".join(found))
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed or not self.passed else 0)


def body_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


class Client:
    """Requests as one API key against a started stack."""

    def __init__(self, stack, key=None):
        self.stack = stack
        self.key = key

    def call(self, method, path, body=None, headers=None, raw=None):
        h = {}
        if self.key:
            h["Authorization"] = "Bearer " + self.key
        if body is not None:
            raw = json.dumps(body).encode()
        if raw is not None:
            h.setdefault("Content-Type", "application/json")
        h.update(headers or {})
        status, hdrs, data = self.stack.request(method, path, headers=h,
                                                raw_body=raw)
        return status, hdrs, body_json(data) if data else None, data


def cgi(conf, program, method="GET", uri="/", body=b"", key=None,
        kill_after=None, timeout=60, cookie=None):
    """Run one request through an endpoint program as plain CGI (the
    environment and stdin), on the configuration file conf; SIGKILL it
    after kill_after seconds when given.  Returns (exit status, HTTP
    status or None when the answer did not come whole, headers, body).
    cookie: the Cookie header's value, if any."""
    import subprocess
    import threading
    env = {"JTA_CONFIG": conf, "REQUEST_METHOD": method, "REQUEST_URI": uri,
           "QUERY_STRING": uri.partition("?")[2],
           "GATEWAY_INTERFACE": "CGI/1.1"}
    if body:
        env.update(CONTENT_LENGTH=str(len(body)),
                   CONTENT_TYPE="application/json")
    if key:
        env["HTTP_AUTHORIZATION"] = "Bearer " + key
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "PATH"):
        if k in os.environ:
            env[k] = os.environ[k]
    p = subprocess.Popen([os.path.join(BUILDDIR, "fcgi", program)], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    timer = None
    if kill_after is not None:
        timer = threading.Timer(kill_after, p.kill)
        timer.start()
    try:
        out, _ = p.communicate(body, timeout=timeout)
    finally:
        if timer is not None:
            timer.cancel()
    head, sep, payload = out.partition(b"\r\n\r\n")
    status, headers = None, {}
    if sep:
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, _, v in
                   (ln.partition(": ") for ln in lines[1:])}
        try:
            status = int(lines[0].split()[1])
        except (ValueError, IndexError):
            status = None
    return p.returncode, status, headers, payload


def logs_clean(stack):
    """The programs' logs hold no sanitizer report or crash."""
    bad = []
    logdir = os.path.join(stack.workdir, "logs")
    for name in sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []:
        with open(os.path.join(logdir, name), errors="replace") as f:
            for line in f:
                if BAD_LOG.search(line):
                    bad.append("%s: %s" % (name, line.strip()))
    return bad


def run_modes(modes, prefix, workers=None, cleanup=None,
              servers=("nginx", "apache"), **stack_opts):
    """Run each (mode, test, conf) of modes under nginx and then Apache
    (or the servers given): test(cases, stack, server) on a fresh stack
    (conf: extra_conf, see harness.Stack; workers: JTA_CHILDREN per
    program; stack_opts: the Stack's options; a mode may also be (mode,
    test, conf, opts) with options of its own), the logs checked after a
    clean stop; then cleanup() and the closing line."""
    cases = Cases()
    for entry in modes:
        mode, test, conf = entry[:3]
        opts = dict(stack_opts, **(entry[3] if len(entry) > 3 else {}))
        for server in servers:
            if workers is not None:
                os.environ["JTA_CHILDREN"] = str(workers)
            work = tempfile.mkdtemp(prefix="jta-%s-%s-%s-" % (prefix, mode,
                                                              server))
            stack = harness.Stack(server, BUILDDIR, SRCDIR, work, conf,
                                  **opts)
            try:
                stack.start()
                test(cases, stack, server)
            except Exception:  # a broken test is a failed case
                traceback.print_exc()
                cases.check("%s/%s: test ran to the end" % (mode, server),
                            False)
            finally:
                stack.stop()
            bad = logs_clean(stack)
            cases.check("%s/%s: no sanitizer report or crash in the logs" %
                        (mode, server), not bad, "\n".join(bad[:10]))
            keep_if_failed(cases, work)
    if cleanup is not None:
        cleanup()
    cases.finish()


def keep_if_failed(cases, work):
    """A stack's directory (its database, logs and configuration) stays
    for a look when a case of the file has failed so far, and says where;
    else it goes (each is 5 to 20 MB, and a run of the suite makes about
    a hundred: left behind, they filled a long-lived test machine's
    disk)."""
    if cases.failed:
        print("# kept for a look: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def run(test, servers=("nginx", "apache"), extra_conf=None):
    """Run test(cases, stack, server) under each web server, then check the
    logs after a clean stop.  extra_conf: see harness.Stack."""
    cases = Cases()
    for server in servers:
        work = tempfile.mkdtemp(prefix="jta-it-%s-" % server)
        stack = harness.Stack(server, BUILDDIR, SRCDIR, work, extra_conf)
        try:
            stack.start()
            test(cases, stack, server)
        except Exception:  # a broken test is a failed case, not a crash
            traceback.print_exc()
            cases.check("%s: test ran to the end" % server, False)
        finally:
            stack.stop()
        bad = logs_clean(stack)
        cases.check("%s: no sanitizer report or crash in the logs" % server,
                    not bad, "\n".join(bad[:10]))
        keep_if_failed(cases, work)
    cases.finish()
