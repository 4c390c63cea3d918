"""jta-chat, the terminal client (README "The terminal client"), under a
pseudo-terminal against our own agent under nginx, with the scripted
model stand-in (tests/standin/model.py): the streamed text is on the
terminal while the stand-in still holds its last chunk (no timing
threshold); tool activity goes to stderr; a pending action is asked
"Submit? [y/N]" on the terminal and only "y" files the ticket; lines of
stdin are one conversation; the key is taken from a 0600 file or
JTA_API_KEY, never an argument, and a readable key file is refused.
Standard library only."""

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standin"))

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import model as standin  # noqa: E402
from test_chat import conf, setup, issue_count, MODEL  # noqa: E402

CLIENT = os.path.join(jtatest.BUILDDIR, "cli", "jta-chat")
# How long a read waits for what it expects before the case fails: a
# safety net against a hang, not a measured threshold.
PATIENCE = 30


class Term:
    """jta-chat on a pseudo-terminal (its stdin, stdout and controlling
    terminal); its stderr is a pipe, read at the end."""

    def __init__(self, args, env, stdin_tty=True):
        self.master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO      # what the test types is not output
        termios.tcsetattr(slave, termios.TCSANOW, attrs)

        def ctty():
            fcntl.ioctl(1, termios.TIOCSCTTY, 0)
        self.p = subprocess.Popen(
            [CLIENT] + args, stdin=slave if stdin_tty else subprocess.PIPE,
            stdout=slave, stderr=subprocess.PIPE, env=env,
            start_new_session=True, preexec_fn=ctty)
        os.close(slave)
        self.out = b""

    def expect(self, text):
        """Read the terminal until text shows (True) or the end."""
        want = text.encode()
        deadline = time.monotonic() + PATIENCE
        while want not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.master], [], [], left)
            if not r:
                return False
            try:
                b = os.read(self.master, 4096)
            except OSError:     # EIO: the client closed the terminal
                return False
            if not b:
                return False
            self.out += b
        return True

    def type(self, text):
        os.write(self.master, text.encode())

    def finish(self):
        self.expect("\0never\0")
        try:
            rc = self.p.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        err = self.p.stderr.read().decode("utf-8", "replace")
        os.close(self.master)
        return rc, self.out.decode("utf-8", "replace"), err


def test(c, stack, server):
    s = server + ": "
    key, _ = setup(stack)
    alice = Client(stack, key)
    url = "http://127.0.0.1:%d" % stack.port
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "JTA_API_KEY": key}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]

    # ---- streamed: the text is on the terminal before the model ends ----
    MODEL.set([standin.text(["Hel", "lo ", "there."], hold=True)])
    t = Term(["--url", url, "hi"], env)
    seen = t.expect("Hello there.")
    c.check(s + "the answer is on the terminal while the model still "
            "writes", seen and not MODEL.finished.is_set(), t.out)
    MODEL.release()
    rc, out, err = t.finish()
    c.eq(s + "exit 0 after done", rc, 0)
    c.eq(s + "the answer is printed once", out.count("Hello there."), 1)

    # ---- tools on stderr; a pending action asked; "n" files nothing ----
    alice.call("POST", "/api/issues", {"project": "DEMO", "summary":
                                       "VPN drops every hour",
                                       "type": "Bug"})

    def submit(body):
        d = standin.tool_results(body).get("call_1") or {}
        return standin.tool("submitDraft", {"id": d.get("id", "d_x"),
                                            "revision":
                                            d.get("revision", 1)},
                            call_id="call_2")

    def script():
        return [standin.tool("createDraft", {"project": "DEMO", "type":
                                             "Bug", "summary":
                                             "Printer on fire"}),
                submit, standin.text(["Please ", "confirm."])]
    before = issue_count(alice)
    MODEL.set(script())
    t = Term(["--url", url, "file", "it"], env)
    asked = t.expect("Submit? [y/N]")
    c.check(s + "the answer, then Submit? on the terminal",
            asked and "Please confirm." in t.out.decode(), t.out)
    c.eq(s + "nothing is filed while it asks", issue_count(alice), before)
    t.type("n\n")
    rc, out, err = t.finish()
    c.check(s + "tool activity on stderr",
            "[createDraft: done]" in err and "[submitDraft: pending]" in err
            and "[draft: Printer on fire]" in err and "Pending: submitDraft"
            in err and "createDraft" not in out, (out, err))
    c.check(s + "n: not submitted, no ticket",
            "Not submitted." in err and issue_count(alice) == before,
            (err, issue_count(alice)))

    # ---- "y" files it ----
    MODEL.set(script())
    t = Term(["--url", url, "file", "it"], env)
    asked = t.expect("Submit? [y/N]")
    t.type("y\n")
    rc, out, err = t.finish()
    c.check(s + "y: the confirm files the ticket",
            asked and issue_count(alice) == before + 1 and
            "Done: DEMO-" in err and rc == 0, (rc, out, err))

    # ---- --attach: checked first, uploaded to the draft, confirmed ----
    files = os.path.join(stack.workdir, "attach")
    os.makedirs(files, exist_ok=True)
    for name, data in (("vpn.log", b"error: tunnel down\n"),
                       ("out.bin", b"plain text after all\n"),
                       ("shot.png", b"not a PNG at all\n")):
        with open(os.path.join(files, name), "wb") as f:
            f.write(data)
    MODEL.set([standin.text(["never"])])
    for what, args, said in (
            ("a missing file", ["--attach", os.path.join(files, "no.log")],
             "cannot read"),
            ("an extension without a type",
             ["--attach", os.path.join(files, "out.bin")], "FILE:TYPE"),
            ("a type the server does not take",
             ["--attach", os.path.join(files, "out.bin") + ":text/html"],
             "not a type")):
        t = Term(["--url", url] + args + ["x"], env)
        rc, out, err = t.finish()
        c.check(s + "--attach: %s is exit 2 before anything is sent" %
                what, rc == 2 and said in err and len(MODEL.requests) == 0,
                (rc, err))
    MODEL.set(script())
    t = Term(["--url", url,
              "--attach", os.path.join(files, "vpn.log"),
              "--attach", os.path.join(files, "out.bin") + ":text/plain",
              "--attach", os.path.join(files, "shot.png"),
              "file", "it"], env)
    asked = t.expect("Submit? [y/N]")
    t.type("y\n")
    rc, out, err = t.finish()
    c.check(s + "--attach: what went in and the refusal are shown",
            asked and "[attached: vpn.log (text/plain, 19 bytes)]" in err
            and "[attached: out.bin (text/plain, 21 bytes)]" in err and
            "[refused: shot.png" in err and "revision 2" in err and
            "[draft: Printer on fire, revision 2]" in err, err)
    filed = [ln.split()[1] for ln in err.splitlines()
             if ln.startswith("Done: ")]
    st, _, iss, _ = alice.call("GET", "/api/issues/%s" % (
        filed[0] if filed else "DEMO-0"))
    c.check(s + "--attach: the confirm at the new revision files the "
            "ticket with the files", rc == 0 and st == 200 and sorted(
                a.get("name") for a in iss.get("attachments", [])) ==
            ["out.bin", "vpn.log"], (rc, err, iss))

    # ---- lines of stdin: one conversation ----
    MODEL.set([standin.text(["First."]), standin.text(["Second."])])
    t = Term(["--url", url], env)
    t.type("one\n")
    ok1 = t.expect("First.")
    t.type("two\n")
    ok2 = t.expect("Second.")
    t.type("\x04")      # end of input (VEOF)
    rc, out, err = t.finish()
    msgs = MODEL.requests[-1]["body"]["messages"] if MODEL.requests else []
    c.check(s + "two lines, two answers, one conversation",
            ok1 and ok2 and rc == 0 and
            [(m["role"], m.get("content")) for m in msgs[1:]] ==
            [("user", "one"), ("assistant", "First."), ("user", "two")],
            (out, err, msgs))

    # ---- an error event: shown, exit 1 ----
    MODEL.set([{"status": 429, "headers": {"Retry-After": "7"}}])
    t = Term(["--url", url, "x"], env)
    rc, out, err = t.finish()
    c.check(s + "a busy model is shown with its wait, exit 1",
            rc == 1 and "model_busy" in err and "retry after 7 s" in err,
            (rc, err))

    # ---- the key: a 0600 file or the environment, nothing else ----
    kf = os.path.join(stack.workdir, "cli.key")
    with open(kf, "w") as f:
        f.write(key + "\n")
    os.chmod(kf, 0o644)
    noenv = dict(env)
    del noenv["JTA_API_KEY"]
    MODEL.set([standin.text(["Keyed."])])
    t = Term(["--url", url, "--key-file", kf, "x"], noenv)
    rc, out, err = t.finish()
    c.check(s + "a key file others can read is refused (exit 2)",
            rc == 2 and "0600" in err and len(MODEL.requests) == 0,
            (rc, err))
    os.chmod(kf, 0o600)
    t = Term(["--url", url, "--key-file", kf, "x"], noenv)
    rc, out, err = t.finish()
    c.check(s + "a 0600 key file works", rc == 0 and "Keyed." in out,
            (rc, out, err))
    t = Term(["--url", url, "x"], noenv)
    rc, out, err = t.finish()
    c.check(s + "no key: exit 2 saying where a key comes from",
            rc == 2 and "JTA_API_KEY" in err, (rc, err))
    t = Term(["--url", url, "--key", key, "x"], noenv)
    rc, out, err = t.finish()
    c.eq(s + "no option takes the key itself", rc, 2)
    bad = dict(env, JTA_API_KEY="jta_nosuchkey")
    t = Term(["--url", url, "x"], bad)
    rc, out, err = t.finish()
    c.check(s + "a refused key: the 401's problem, exit 1",
            rc == 1 and "jta-chat: " in err and key not in err, (rc, err))
    t = Term(["--url", "http://example.com", "x"], env)
    rc, out, err = t.finish()
    c.check(s + "plain http off the loopback is refused",
            rc == 2 and "loopback" in err, (rc, err))

    # ---- a token quota: its notice on stderr, then its 429 ----
    rc, out, err = stack.admin("usage", "--json")
    used = {r["person"]: r for r in json.loads(out)}.get(
        "alice", {}).get("completion_tokens", 0) if rc == 0 else 0
    c.check(s + "alice's answers counted completion tokens", used >= 3,
            (rc, out, err))
    stack.admin("quota", "set", "--person", "alice", "--metric",
                "completion_tokens", "--limit", str(used + 1))
    MODEL.set([standin.text(["Near."], completion=1)])
    t = Term(["--url", url, "x"], env)
    rc, out, err = t.finish()
    c.check(s + "the quota's notice is shown on stderr",
            rc == 0 and "Near." in out and "[Quota " in err
            and "completion tokens of the model" in err, (rc, out, err))
    MODEL.set([standin.text(["Over."])])
    t = Term(["--url", url, "x"], env)
    rc, out, err = t.finish()
    c.check(s + "a used-up token quota: the 429's problem and its wait",
            rc == 1 and "is used up" in err and "(quota)" in err and
            "retry after " in err and len(MODEL.requests) == 0,
            (rc, out, err))
    stack.admin("quota", "remove", "--person", "alice", "--metric",
                "completion_tokens")

    # ---- hostile text: no escape sequence reaches the terminal ----
    MODEL.set([standin.text(["a\x1b[2Jb"])])
    t = Term(["--url", url, "x"], env)
    rc, out, err = t.finish()
    c.check(s + "control characters from the model are replaced",
            "a?[2Jb" in out and "\x1b" not in out, repr(out))


if __name__ == "__main__":
    try:
        jtatest.run(test, servers=("nginx",), extra_conf=conf)
    finally:
        MODEL.stop()
