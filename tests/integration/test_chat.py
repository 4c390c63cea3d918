"""Our own agent (README.md "Chat: our own agent") over real HTTP under
nginx and Apache, against the scripted model stand-in
(tests/standin/model.py): the answer streams as Server-Sent Events and the
first event arrives while the stand-in still holds its last chunk (no
timing threshold); GET /chat gives the same stream; tool calls across
rounds run as the person; a consequential tool is never run for the model
(no ticket is made); an unknown tool, a refused key (401), a busy model
(429 + Retry-After), a stall, malformed chunks and too many rounds end in
an `error` event; bad input is a 4xx naming the field and reaches no
model.  Prints time to first event, total time and the chat worker's CPU
per answer.  Standard library only."""

import http.client
import json
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standin"))

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import model as standin  # noqa: E402

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
            "chat_timeout_seconds = 1\n"
            "chat_max_tool_rounds = 3\n"
            "chat_allowed_origins = https://portal.example.com\n"
            % (PORT, key))


def setup(stack):
    for args in (("user", "add", "alice"), ("user", "add", "bob"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    keys = []
    for user in ("alice", "bob"):
        rc, out, err = stack.admin("key", "create", user)
        assert rc == 0, err
        keys.append(out.strip())
    return keys


class Stream:
    """One chat request read event by event as it arrives."""

    def __init__(self, stack, key, method="POST", path="/api/chat",
                 body=None, headers=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", stack.port,
                                               timeout=30)
        h = {"Authorization": "Bearer " + key}
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.t0 = time.monotonic()
        self.conn.request(method, path, body=raw, headers=h)
        self.r = self.conn.getresponse()
        self.status = self.r.status
        self.ctype = self.r.getheader("Content-Type") or ""
        self.first = None

    def next(self):
        """(name, data) of the next event, or None at the end."""
        name, data = None, []
        while True:
            line = self.r.readline()
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    if self.first is None:
                        self.first = time.monotonic() - self.t0
                    return name, json.loads("\n".join(data))
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "event":
                name = v
            elif k == "data":
                data.append(v)

    def rest(self):
        out = []
        while True:
            e = self.next()
            if e is None:
                break
            out.append(e)
        self.total = time.monotonic() - self.t0
        self.conn.close()
        return out


def chat(stack, key, message, **kw):
    s = Stream(stack, key, body={"message": message}, **kw)
    return s, s.rest()


def names(events):
    return [n for n, _ in events]


def cpu_of(pids):
    """CPU seconds of pids so far: /proc/PID/schedstat's first field, the
    time on a CPU in nanoseconds (finer than /proc/PID/stat's ticks)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/schedstat" % pid) as f:
                total += int(f.read().split()[0])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def issue_count(c):
    st, _, j, _ = c.call("GET", "/api/issues?project=DEMO&limit=50")
    return len(j["issues"]) if st == 200 and j else None


def test(c, stack, server):
    s = server + ": "
    key, bobkey = setup(stack)
    alice = Client(stack, key)
    bob = Client(stack, bobkey)

    st, _, j, _ = Client(stack).call("GET", "/healthz")
    c.check(s + "healthz says chat is configured",
            st == 200 and j and j.get("chat") == {"configured": True,
                                                  "model": None}, j)

    # ---- streaming: the first event before the model finishes ----
    MODEL.set([standin.text(["Hel", "lo ", "there."], prompt=120,
                            completion=3, hold=True)])
    st = Stream(stack, key, body={"message": "hi"})
    c.eq(s + "chat answers 200", st.status, 200)
    c.check(s + "as text/event-stream",
            st.ctype.startswith("text/event-stream"), st.ctype)
    ev = st.next()
    c.eq(s + "first event is a delta", ev and ev[0], "delta")
    c.check(s + "first event arrived before the model finished",
            not MODEL.finished.is_set())
    MODEL.release()
    events = [ev] + st.rest()
    text = "".join(d["text"] for n, d in events if n == "delta")
    c.eq(s + "deltas make the answer", text, "Hello there.")
    c.eq(s + "stream ends with done", names(events)[-1], "done")
    done = events[-1][1]
    c.eq(s + "done carries the model's usage",
         (done["usage"]["prompt_tokens"], done["usage"]["completion_tokens"]),
         (120, 3))
    req = MODEL.requests[0]
    c.eq(s + "model got the key as Bearer", req["authorization"],
         "Bearer sk-standin-key")
    c.eq(s + "model path", req["path"], "/v1/chat/completions")
    body = req["body"]
    c.check(s + "stream with usage asked",
            body["stream"] is True and
            body["stream_options"] == {"include_usage": True}, body)
    c.check(s + "the GPT's instructions are the system message",
            body["messages"][0]["role"] == "system" and
            "# Role" in body["messages"][0]["content"])
    c.check(s + "tools are the operation table",
            "searchIssues" in [t["function"]["name"]
                               for t in body.get("tools", [])])

    # Measured: time to first event against total, CPU per answer.
    pids = stack.pids_of("agent")
    cpu0 = cpu_of(pids)
    firsts, totals = [], []
    for _ in range(9):
        MODEL.set([standin.text(["word "] * 200)])
        st, evs = chat(stack, key, "a long answer please")
        firsts.append(st.first)
        totals.append(st.total)
    cpu = (cpu_of(pids) - cpu0) / 9
    print("# %s: time to first event %.1f ms, total %.1f ms (median of 9, "
          "200 deltas); chat workers' CPU %.2f ms per answer" % (
              server, sorted(firsts)[4] * 1e3, sorted(totals)[4] * 1e3,
              cpu * 1e3))

    # ---- conversations: kept per person ----
    conv = done.get("conversation")
    c.check(s + "done names a new conversation",
            isinstance(conv, str) and conv.startswith("c_") and
            len(conv) == 24, done)
    MODEL.set([standin.text(["Still ", "here."])])
    st = Stream(stack, key, body={"message": "second", "conversation":
                                  conv})
    evs = st.rest()
    c.eq(s + "a follow-up in the conversation streams", names(evs)[-1],
         "done")
    c.eq(s + "done keeps the conversation id", evs[-1][1]["conversation"],
         conv)
    msgs = MODEL.requests[-1]["body"]["messages"]
    c.eq(s + "the model sees the earlier turn",
         [(m["role"], m.get("content")) for m in msgs[1:]],
         [("user", "hi"), ("assistant", "Hello there."),
          ("user", "second")])
    st2, _, j, _ = bob.call("POST", "/api/chat", {"message": "x",
                                                  "conversation": conv})
    c.check(s + "another person's conversation is 404",
            st2 == 404 and j and j.get("field") == "conversation", (st2, j))
    # Bounded: the oldest turns go first.
    big = "x" * 8000
    cid = None
    for i in range(36):
        MODEL.set([standin.text(["ok %d" % i])])
        body = {"message": "%d %s" % (i, big)}
        if cid:
            body["conversation"] = cid
        s3 = Stream(stack, key, body=body)
        evs = s3.rest()
        cid = evs[-1][1].get("conversation") if evs and \
            evs[-1][0] == "done" else cid
    msgs = MODEL.requests[-1]["body"]["messages"]
    size = len(json.dumps(msgs[1:-1], separators=(",", ":")))
    c.check(s + "the kept conversation stays within 256 KiB, oldest "
            "turns dropped",
            size <= 256 * 1024 and
            msgs[1]["content"].split()[0] != "0" and
            msgs[-1]["content"].startswith("35 "), size)

    # ---- GET /chat: the same stream ----
    MODEL.set([standin.text(["Your ", "tickets."])])
    st = Stream(stack, key, method="GET",
                path="/chat?" + urllib.parse.urlencode(
                    {"message": "my tickets"}))
    evs = st.rest()
    c.eq(s + "GET /chat is 200", st.status, 200)
    c.eq(s + "GET /chat streams the answer",
         "".join(d["text"] for n, d in evs if n == "delta"),
         "Your tickets.")

    # ---- tools across rounds ----
    alice.call("POST", "/api/issues", {"project": "DEMO", "summary":
                                       "VPN drops every hour",
                                       "type": "Bug"})
    before = issue_count(alice)
    MODEL.set([standin.tool("searchIssues", {"text": "VPN"}),
               standin.text(["Found ", "DEMO-1."])])
    st, evs = chat(stack, key, "is there a VPN ticket?")
    c.eq(s + "tool round events",
         [(n, d.get("name"), d.get("status")) for n, d in evs
          if n == "tool"],
         [("tool", "searchIssues", "running"),
          ("tool", "searchIssues", "done")])
    c.eq(s + "then the answer and done", names(evs)[-1], "done")
    res = standin.tool_results(MODEL.requests[1]["body"])
    found = res.get("call_1") or {}
    c.check(s + "the tool ran as the person and the model got it",
            [i["key"] for i in found.get("issues", [])] == ["DEMO-1"],
            res)
    c.check(s + "the model's own tool call was sent back",
            MODEL.requests[1]["body"]["messages"][2]["tool_calls"][0]
            ["function"]["name"] == "searchIssues")

    # ---- the confirm rule: the model cannot create a ticket ----
    def submit(body):
        d = standin.tool_results(body).get("call_1") or {}
        return standin.tool("submitDraft", {"id": d.get("id", "d_x"),
                                            "revision":
                                            d.get("revision", 1)},
                            call_id="call_2")
    MODEL.set([standin.tool("createDraft", {"project": "DEMO", "type":
                                            "Bug", "summary":
                                            "Printer on fire"}),
               submit,
               standin.tool("addComment", {"key": "DEMO-1", "body":
                                           "spam"}, call_id="call_3"),
               standin.text(["Please confirm."])])
    st, evs = chat(stack, key, "file it")
    tools = [(d.get("name"), d.get("status")) for n, d in evs
             if n == "tool" and d.get("status") != "running"]
    c.eq(s + "draft previewed, submit and comment kept pending", tools,
         [("createDraft", "done"), ("submitDraft", "pending"),
          ("addComment", "pending")])
    c.eq(s + "no ticket was created by the model", issue_count(alice),
         before)

    def comments():
        st2, _, j, _ = alice.call("GET", "/api/issues/DEMO-1")
        return [x.get("body") for x in (j or {}).get("comments", [])]
    c.check(s + "no comment was added by the model",
            not any("spam" in (b or "") for b in comments()), comments())
    pending = standin.tool_results(MODEL.requests[2]["body"]).get("call_2")
    c.check(s + "the model was told the person confirms it",
            isinstance(pending, dict) and "pending" in pending, pending)
    pv = [d for n, d in evs if n == "preview"]
    c.check(s + "previews: the draft, then the two pending actions",
            len(pv) == 3 and pv[0].get("draft", "").startswith("d_") and
            pv[0]["preview"].get("summary") == "Printer on fire" and
            pv[1].get("tool") == "submitDraft" and
            pv[1]["action"].startswith("a_") and
            pv[1]["arguments"]["id"] == pv[0]["draft"] and
            pv[2].get("tool") == "addComment" and
            pv[2]["arguments"] == {"key": "DEMO-1", "body": "spam"}, pv)
    if len(pv) == 3:
        sub, com = pv[1]["action"], pv[2]["action"]
        st2, _, j, _ = bob.call("POST", "/api/chat/confirm",
                                {"action": com})
        c.check(s + "another person cannot confirm it (404)",
                st2 == 404 and j and j.get("field") == "action", (st2, j))
        st2, _, j, _ = Client(stack).call("POST", "/api/chat/confirm",
                                          {"action": com})
        c.eq(s + "confirm without a key is 401", st2, 401)
        st2, _, j, _ = alice.call("POST", "/api/chat/confirm",
                                  {"action": com, "revision": 2})
        c.check(s + "a revision on another tool's confirm is 422",
                st2 == 422 and j and j.get("field") == "revision" and
                "spam" not in comments(), (st2, j))
        st2, _, j, _ = alice.call("POST", "/api/chat/confirm",
                                  {"action": com})
        c.check(s + "the person's confirm runs the comment",
                st2 == 200 and j and j["tool"] == "addComment" and
                j["status"] == 201 and "spam" in comments(), (st2, j))
        st2, _, j, _ = alice.call("POST", "/api/chat/confirm",
                                  {"action": com})
        c.check(s + "a second confirm is 404 (single use)",
                st2 == 404 and j and j.get("field") == "action" and
                comments().count("spam") == 1, (st2, j))
        st2, _, j, _ = alice.call("POST", "/api/chat/confirm",
                                  {"action": sub})
        c.check(s + "confirming the submit files the ticket",
                st2 == 200 and j and j["tool"] == "submitDraft" and
                j["status"] == 201 and issue_count(alice) == before + 1,
                (st2, j))
    confirm_after_upload(c, s, stack, key, alice)

    for name, body, want, field in (
            ("no action", {}, 422, "action"),
            ("unknown action", {"action": "a_nosuchaction000000000"}, 404,
             "action"),
            ("unknown member", {"action": "a_x", "x": 1}, 400, "x")):
        st2, _, j, _ = alice.call("POST", "/api/chat/confirm", body)
        c.check(s + "confirm bad input: %s is %d naming %s" % (
            name, want, field),
            st2 == want and j and j.get("field") == field, (st2, j))
    st2, h, j, _ = alice.call("GET", "/api/chat/confirm")
    c.eq(s + "GET confirm is 405", st2, 405)

    # ---- an unknown tool ----
    MODEL.set([standin.tool("dropAllTables", {}), standin.text(["ok"])])
    st, evs = chat(stack, key, "x")
    c.check(s + "unknown tool reported, answer goes on",
            ("tool", {"name": "dropAllTables", "status": "unknown"}) in evs
            and names(evs)[-1] == "done", evs)

    # ---- failures end in an error event ----
    def error_of(evs):
        return evs[-1][1]["problem"] if evs and evs[-1][0] == "error" \
            else {}
    MODEL.key = "sk-another"
    MODEL.set([standin.text(["x"])])
    st, evs = chat(stack, key, "x")
    MODEL.key = "sk-standin-key"
    p = error_of(evs)
    c.eq(s + "refused key is model_key", p.get("field"), "model_key")
    c.check(s + "and never shows the key",
            "sk-" not in json.dumps(evs), evs)
    MODEL.set([{"status": 429, "headers": {"Retry-After": "7"}}])
    st, evs = chat(stack, key, "x")
    p = error_of(evs)
    c.eq(s + "busy model is model_busy with retry_after",
         (p.get("field"), p.get("retry_after")), ("model_busy", 7))
    MODEL.set([{"status": 200, "stall": 3, "events": [
        standin.chunk({"content": "par"}), "[DONE]"]}])
    st, evs = chat(stack, key, "x")
    c.eq(s + "stall: the part, then model_stall",
         (names(evs), error_of(evs).get("field")),
         (["delta", "error"], "model_stall"))
    MODEL.set([{"status": 200, "events": [
        standin.chunk({"content": "a"}), "{not json", "[DONE]"]}])
    st, evs = chat(stack, key, "x")
    c.eq(s + "malformed chunk is model_answer", error_of(evs).get("field"),
         "model_answer")
    MODEL.set([standin.tool("listProjects", {}, call_id="c%d" % i)
               for i in range(5)])
    st, evs = chat(stack, key, "x")
    c.eq(s + "more than chat_max_tool_rounds is model_rounds",
         error_of(evs).get("field"), "model_rounds")
    c.eq(s + "after 3 tool rounds and one more call", len(MODEL.requests),
         4)

    # ---- bad input: a 4xx naming the field, no model called ----
    MODEL.set([])
    for name, body, raw, hdrs, want, field in (
            ("no message", {}, None, {}, 422, "message"),
            ("empty message", {"message": ""}, None, {}, 422, "message"),
            ("unknown member", {"message": "x", "history": []}, None,
             {}, 400, "history"),
            ("unknown conversation", {"message": "x", "conversation":
                                      "c_nosuchconversation00"}, None, {},
             404, "conversation"),
            ("conversation too long", {"message": "x", "conversation":
                                       "c" * 25}, None, {}, 422,
             "conversation"),
            ("not JSON", None, b"message=x",
             {"Content-Type": "application/json"}, 400, "body"),
            ("long message", {"message": "x" * 9000}, None, {}, 422,
             "message"),
            ("foreign Origin", {"message": "x"}, None,
             {"Origin": "https://evil.example"}, 403, "Origin")):
        st, h, j, _ = alice.call("POST", "/api/chat", body=body, raw=raw,
                                 headers=hdrs)
        c.check(s + "bad input: %s is %d naming %s" % (name, want, field),
                st == want and j and j.get("field") == field, (st, j))
    st, _, j, _ = Client(stack).call("POST", "/api/chat", {"message": "x"})
    c.eq(s + "no API key is 401", st, 401)
    st, _, j, _ = alice.call("GET", "/chat")
    c.check(s + "GET /chat without message is 422",
            st == 422 and j and j.get("field") == "message", (st, j))
    st, h, _, _ = alice.call("HEAD", "/chat?message=x")
    c.check(s + "HEAD /chat is 405 (no model run for nothing)",
            st == 405 and h.get("allow") == "GET", (st, h))
    c.eq(s + "no bad request reached the model", len(MODEL.requests), 0)
    st = Stream(stack, key, body={"message": "x"},
                headers={"Origin": "https://portal.example.com"})
    MODEL.set([])
    c.eq(s + "a listed Origin is let through (the model then fails)",
         st.status, 200)
    c.eq(s + "with its CORS header",
         st.r.getheader("Access-Control-Allow-Origin"),
         "https://portal.example.com")
    st.rest()

    # ---- the model's tokens: counted per person and day, capped ----
    rc, out, err = stack.admin("quota", "set", "--person", "bob", "--metric",
                               "prompt_tokens", "--limit", "100")
    c.eq(s + "a quota on prompt tokens is set", rc, 0)
    MODEL.set([standin.text(["a"], prompt=75, completion=4)])
    st = Stream(stack, bobkey, body={"message": "x"})
    evs = st.rest()
    c.eq(s + "tokens: the answer under the quota", names(evs)[-1], "done")
    rc, out, err = stack.admin("usage", "--json")
    rows = {r["person"]: r for r in json.loads(out)} if rc == 0 else {}
    c.check(s + "jta-admin usage shows the model's tokens per person",
            rows.get("bob", {}).get("prompt_tokens") == 75 and
            rows["bob"].get("completion_tokens") == 4, (rc, out, err))
    rc, out, err = stack.admin("usage")
    c.check(s + "and as a table",
            rc == 0 and "PROMPT_TOKENS" in out and
            any(ln.split()[:1] == ["bob"] and
                ln.split()[-4:] == ["75", "4", "0", "0"]
                for ln in out.splitlines()), out)
    MODEL.set([standin.text(["b"], prompt=25, completion=1)])
    st = Stream(stack, bobkey, body={"message": "x"})
    evs = st.rest()
    c.check(s + "at 75 % the stream opens with a notice event",
            evs and evs[0][0] == "notice" and
            "75 % of your daily quota of 100 prompt tokens" in
            evs[0][1].get("notice", "") and names(evs)[-1] == "done", evs)
    MODEL.set([standin.text(["c"])])
    st, h, j, _ = bob.call("POST", "/api/chat", {"message": "x"})
    c.check(s + "at 100 % a message is 429 with its reset",
            st == 429 and j and j.get("field") == "quota" and
            int(h.get("retry-after", "0")) > 0 and
            "prompt tokens" in j.get("detail", ""), (st, h, j))
    c.eq(s + "and reaches no model", len(MODEL.requests), 0)
    st, _, j, _ = bob.call("GET", "/api/issues?project=DEMO")
    c.eq(s + "a token quota caps only the chat", st, 200)
    rc, out, err = stack.admin("quota", "remove", "--person", "bob",
                               "--metric", "prompt_tokens")
    c.eq(s + "the token quota is removed", rc, 0)

    # ---- without chat configured: 503 ----
    plain = os.path.join(stack.workdir, "nochat.conf")
    with open(stack.conf) as f, open(plain, "w") as g:
        g.write("".join(ln for ln in f if not ln.startswith("chat_")))
    rc, status, hdrs, payload = jtatest.cgi(
        plain, "jta-agent", "POST", "/api/chat", b'{"message":"x"}', key=key)
    j = jtatest.body_json(payload) or {}
    c.check(s + "chat not configured is 503 saying so",
            status == 503 and j.get("detail") == "chat is not configured",
            (status, j))


def multipart(name, ctype, data, boundary="jtaChatB0undary"):
    """A multipart/form-data body (RFC 7578) of one part named file."""
    body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" %
            (boundary, name, ctype)).encode() + data + \
        ("\r\n--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary


def confirm_after_upload(c, s, stack, key, alice):
    """README "Chat: files from the chat": the person's own upload after
    the assistant asked to submit; their confirm carries the revision they
    were shown.  A change by the assistant in between makes it stale."""
    def drafted(summary, more=()):
        def submit(body):
            d = standin.tool_results(body).get("call_1") or {}
            return standin.tool("submitDraft", {
                "id": d.get("id", "d_x"), "revision": d.get("revision", 1)},
                call_id="call_2")
        MODEL.set([standin.tool("createDraft", {
            "project": "DEMO", "type": "Bug", "summary": summary}),
            submit] + list(more) + [standin.text(["Confirm?"])])
        st, evs = chat(stack, key, "file it")
        pv = [d for n, d in evs if n == "preview"]
        draft = pv[0].get("draft") if pv else None
        action = next((d["action"] for d in pv
                       if d.get("tool") == "submitDraft"), None)
        return draft, action

    def upload(draft, name="vpn.log"):
        body, ct = multipart(name, "text/plain", b"error: tunnel down\n")
        return alice.call("POST", "/api/drafts/%s/files" % draft, raw=body,
                          headers={"Content-Type": ct})

    draft, action = drafted("Upload then confirm")
    st, _, d, _ = upload(draft)
    c.check(s + "upload after the submit was asked: next revision",
            st == 200 and d and d["revision"] == 2 and
            [a["name"] for a in d["preview"]["attachments"]] ==
            ["vpn.log"], (st, d))
    st, _, j, _ = alice.call("POST", "/api/chat/confirm",
                             {"action": action, "revision": 1})
    c.check(s + "confirm with an old revision is 409 naming revision",
            st == 409 and j and j.get("field") == "revision", (st, j))
    draft, action = drafted("Upload then confirm again")
    upload(draft)
    st, _, d, _ = upload(draft, "second.log")
    st, _, j, _ = alice.call("POST", "/api/chat/confirm",
                             {"action": action, "revision": 3})
    key_ = ((j or {}).get("result") or {}).get("issue", {}).get("key")
    c.check(s + "confirm with the shown revision files the ticket",
            st == 200 and j and j["status"] == 201 and key_, (st, j))
    st, _, iss, _ = alice.call("GET", "/api/issues/%s" % key_)
    c.eq(s + "with the person's files", sorted(
        a.get("name") for a in (iss or {}).get("attachments", [])),
        ["second.log", "vpn.log"])

    # The stale case: the assistant changes the draft after asking.
    def edit(body):
        d = standin.tool_results(body).get("call_1") or {}
        return standin.tool("updateDraft", {
            "id": d.get("id", "d_x"), "summary": "Changed by the model"},
            call_id="call_3")
    draft, action = drafted("Stale", more=[edit])
    st, _, d, _ = upload(draft)
    rev = (d or {}).get("revision")
    st, _, j, _ = alice.call("POST", "/api/chat/confirm",
                             {"action": action, "revision": rev})
    c.check(s + "an assistant's change in between: 409 naming revision",
            rev == 3 and st == 409 and j and j.get("field") == "revision",
            (rev, st, j))
    st, _, d, _ = alice.call("GET", "/api/drafts/%s" % draft)
    c.check(s + "and nothing filed: a fresh preview of the draft",
            st == 200 and d["status"] == "ready" and d["revision"] == 3 and
            d["preview"]["summary"] == "Changed by the model", (st, d))


if __name__ == "__main__":
    try:
        jtatest.run(test, extra_conf=conf)
    finally:
        MODEL.stop()
