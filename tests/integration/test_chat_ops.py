"""What operators see of the chat model (README.md "Chat: our own agent",
"The model's state"), through a real nginx and a real Apache against the
scripted model stand-in (tests/standin/model.py): a good answer, then the
stand-in refusing the key (401), then the stand-in down (nothing listens
on its port), then up again with a good answer.  After each step
/metrics counts jta_chat_model_answers_total by result, /healthz says
"chat": {"model": {"state", "cause", "since"}}, the admin API's state
says the same, and the log names the cause.  Standard library only."""

import base64
import json
import os
import re
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standin"))

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Cases  # noqa: E402
import model as standin  # noqa: E402

USER = "ops-alice"
PASSWORD = "correct horse battery staple"
MODEL = standin.Model(key="sk-standin-key")
PORT = MODEL.start()


def conf(stack):
    key = os.path.join(stack.workdir, "model.key")
    with open(key, "w") as f:
        f.write("sk-standin-key\n")
    os.chmod(key, 0o600)
    return ("chat_base_url = http://127.0.0.1:%d/v1\n"
            "chat_model = standin-model\n"
            "chat_api_key_file = %s\n"
            "chat_timeout_seconds = 2\n" % (PORT, key))


def admin_get(stack, path):
    h = {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (USER, PASSWORD)).encode()).decode()}
    st, _, data = stack.request("GET", path, headers=h)
    return st, data or b""


def answers(stack):
    """{result: count} of jta_chat_model_answers_total."""
    st, data = admin_get(stack, "/metrics")
    out = {}
    for m in re.finditer(r'^jta_chat_model_answers_total\{result="([a-z_]+)"'
                         r'\} (\d+)$', data.decode(), re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def healthz_model(stack):
    st, _, data = stack.request("GET", "/healthz")
    j = jtatest.body_json(data) or {}
    return st, (j.get("chat") or {})


def admin_chat(stack):
    st, data = admin_get(stack, "/admin/api/state")
    return st, ((jtatest.body_json(data) or {}).get("chat") or {})


def ask(stack, key):
    """The events' names of one chat message, and the error's cause."""
    st, _, data = stack.request(
        "POST", "/api/chat", headers={"Authorization": "Bearer " + key,
                                      "Content-Type": "application/json"},
        raw_body=b'{"message": "hello"}')
    names, cause = [], None
    for block in (data or b"").decode().split("\n\n"):
        ev = dict((ln.partition(":")[0], ln.partition(":")[2].strip())
                  for ln in block.splitlines() if ":" in ln)
        if "event" in ev:
            names.append(ev["event"])
            if ev["event"] == "error":
                cause = json.loads(ev["data"])["problem"].get("field")
    return st, names, cause


def log_text(stack):
    out = []
    for root, _, files in os.walk(stack.workdir):
        for f in files:
            if f.endswith(".log"):
                try:
                    with open(os.path.join(root, f), errors="replace") as fh:
                        out.append(fh.read())
                except OSError:
                    pass
    return "\n".join(out)


def test(c, stack, s):
    global MODEL
    rc, _, err = stack.admin("user", "add", "alice")
    rc2, key, err2 = stack.admin("key", "create", "alice")
    key = key.strip()
    c.check(s + ": set-up", rc == 0 and rc2 == 0, err + err2)

    st, chat = healthz_model(stack)
    c.eq(s + ": before any call: configured, model null",
         (st, chat), (200, {"configured": True, "model": None}))
    before = answers(stack)
    c.check(s + ": /metrics lists every result at 0 before any call",
            before.get("ok") == 0 and before.get("model_key") == 0 and
            before.get("model_unreachable") == 0, before)

    # A good answer.
    MODEL.set([standin.text(["Hi", " there"])])
    st, names, cause = ask(stack, key)
    c.eq(s + ": good answer streams to done", (st, names[-1:]),
         (200, ["done"]))
    c.eq(s + ": ok counted", answers(stack).get("ok"), 1)
    st, chat = healthz_model(stack)
    m = chat.get("model") or {}
    c.check(s + ": /healthz: model ok, no cause, a since",
            st == 200 and m.get("state") == "ok" and m.get("cause") is None
            and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                         m.get("since") or ""), (st, chat))

    # The key refused (401).
    MODEL.key = "sk-another"
    MODEL.set([standin.text(["x"])])
    st, names, cause = ask(stack, key)
    MODEL.key = "sk-standin-key"
    c.eq(s + ": refused key ends in model_key", cause, "model_key")
    got = answers(stack)
    c.eq(s + ": /metrics: ok 1, model_key 1",
         (got.get("ok"), got.get("model_key")), (1, 1))
    st, chat = healthz_model(stack)
    m = chat.get("model") or {}
    c.check(s + ": /healthz: failing with model_key, still 200",
            st == 200 and m.get("state") == "failing" and
            m.get("cause") == "model_key", (st, chat))
    since_fail = m.get("since") or ""
    st, achat = admin_get(stack, "/admin/api/state")[0], admin_chat(stack)[1]
    c.check(s + ": admin API: failing with model_key",
            st == 200 and (achat.get("model") or {}).get("cause") ==
            "model_key" and achat.get("configured") is True, (st, achat))
    c.check(s + ": the log names the cause, never the key",
            "model call failed: model_key" in log_text(stack) and
            "sk-standin-key" not in log_text(stack) and
            "sk-another" not in log_text(stack))

    # The model down: nothing listens on its port.
    MODEL.stop()
    st, names, cause = ask(stack, key)
    c.eq(s + ": model down ends in model_unreachable", cause,
         "model_unreachable")
    got = answers(stack)
    c.eq(s + ": /metrics: model_unreachable 1, model_key still 1",
         (got.get("model_unreachable"), got.get("model_key")), (1, 1))
    st, chat = healthz_model(stack)
    m = chat.get("model") or {}
    c.check(s + ": /healthz: failing with model_unreachable",
            m.get("state") == "failing" and
            m.get("cause") == "model_unreachable", chat)
    c.eq(s + ": failing since the first failure of the run",
         m.get("since"), since_fail)
    c.eq(s + ": admin API: model_unreachable",
         (admin_chat(stack)[1].get("model") or {}).get("cause"),
         "model_unreachable")

    # Up again, one good answer: ok again.
    MODEL = standin.Model(key="sk-standin-key")
    MODEL.start(PORT)
    MODEL.set([standin.text(["Back"])])
    st, names, cause = ask(stack, key)
    c.eq(s + ": up again: answer done", names[-1:], ["done"])
    got = answers(stack)
    c.eq(s + ": /metrics: ok 2", got.get("ok"), 2)
    st, chat = healthz_model(stack)
    m = chat.get("model") or {}
    c.check(s + ": /healthz: ok again, since not before the failure",
            m.get("state") == "ok" and m.get("cause") is None and
            (m.get("since") or "") >= since_fail, chat)
    c.eq(s + ": admin API: ok again",
         (admin_chat(stack)[1].get("model") or {}).get("state"), "ok")


def main():
    cases = Cases()
    for server in ("nginx", "apache"):
        work = tempfile.mkdtemp(prefix="jta-chatops-%s-" % server)
        stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                              work, conf, admin_auth=(USER, PASSWORD))
        try:
            stack.start()
            test(cases, stack, server)
        except Exception:
            traceback.print_exc()
            cases.check("%s: test ran to the end" % server, False)
        finally:
            stack.stop()
        bad = jtatest.logs_clean(stack)
        cases.check("%s: no sanitizer report or crash in the logs" % server,
                    not bad, "\n".join(bad[:10]))
        jtatest.keep_if_failed(cases, work)
    cases.finish()


if __name__ == "__main__":
    try:
        main()
    finally:
        MODEL.stop()
