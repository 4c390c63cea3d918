"""A scripted stand-in for an OpenAI-compatible Chat Completions server
(POST .../chat/completions with "stream": true), on one port of 127.0.0.1,
for the chat's integration tests.  Standard library only.

The shapes are those of OpenAI's API reference ("Chat Completions", "The
chat completion chunk object", "stream_options"): Server-Sent Events, each
data one chat.completion.chunk, text in choices[0].delta.content, tool
calls in choices[0].delta.tool_calls by index (id and name first, the
arguments in pieces), the finish_reason, a last chunk with empty choices
and "usage" when stream_options.include_usage is true, then "[DONE]".

A test sets a script: a list of answers, one per model call (a call past
the end answers 500).  An answer is a function of the request body (the
parsed JSON) returning a dict:
  {"status": 200, "headers": {...}, "events": [data, ...],
   "hold": True, "stall": seconds}
where each event is a JSON-able object or a raw string (sent as is,
malformed chunks included).  With "hold", the last event waits until the
test calls release(): a test sees the first events arrive while the
"model" is still writing, with no timing threshold.  With "stall", the
stand-in sends the first event and then nothing for that many seconds.

Every request is kept (path, headers, body) for the test to read.  A
request whose key is not the expected one is answered 401, as OpenAI
answers a bad key (Authorization: Bearer, or api-key for the Azure form).
"""

import http.server
import json
import threading
import time

MODEL = "standin-model"


def chunk(delta=None, finish=None):
    return {"id": "chatcmpl-standin", "object": "chat.completion.chunk",
            "created": 0, "model": MODEL,
            "choices": [{"index": 0, "delta": delta or {},
                         "finish_reason": finish}]}


def usage(prompt, completion):
    return {"id": "chatcmpl-standin", "object": "chat.completion.chunk",
            "created": 0, "model": MODEL, "choices": [],
            "usage": {"prompt_tokens": prompt,
                      "completion_tokens": completion,
                      "total_tokens": prompt + completion}}


def text(pieces, prompt=50, completion=None, hold=False):
    """An answer streaming pieces of text, then stop, usage, [DONE]."""
    ev = [chunk({"role": "assistant", "content": ""})]
    ev += [chunk({"content": p}) for p in pieces]
    ev += [chunk({}, "stop"),
           usage(prompt, completion if completion is not None
                 else len(pieces)), "[DONE]"]
    return {"status": 200, "events": ev, "hold": hold}


def tool(name, args, call_id="call_1", prompt=40, completion=9):
    """An answer asking for one tool call, its arguments in two pieces."""
    a = json.dumps(args)
    half = len(a) // 2
    ev = [chunk({"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": call_id, "type": "function",
         "function": {"name": name, "arguments": ""}}]})]
    ev += [chunk({"tool_calls": [{"index": 0,
                                  "function": {"arguments": a[:half]}}]}),
           chunk({"tool_calls": [{"index": 0,
                                  "function": {"arguments": a[half:]}}]}),
           chunk({}, "tool_calls"), usage(prompt, completion), "[DONE]"]
    return {"status": 200, "events": ev}


def tool_results(body):
    """The tool messages of a request: {tool_call_id: parsed content}."""
    out = {}
    for m in body.get("messages", []):
        if m.get("role") == "tool":
            try:
                out[m.get("tool_call_id")] = json.loads(m.get("content"))
            except ValueError:
                out[m.get("tool_call_id")] = m.get("content")
    return out


class Model:
    def __init__(self, key="sk-standin"):
        self.key = key
        self.script = []
        self.requests = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.finished = threading.Event()
        self.srv = None

    # ---- control -----------------------------------------------------

    def set(self, answers):
        """A new script: answers, as above, for the next calls."""
        with self.lock:
            self.script = list(answers)
            self.requests = []
        self.released.clear()
        self.finished.clear()

    def release(self):
        """Let a held last event go."""
        self.released.set()

    def start(self, port=0):
        """Serve on port (0: any free one; the port it had, to come
        back after stop); the port."""
        model = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                model.serve(self)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                   Handler)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return self.srv.server_address[1]

    def stop(self):
        self.released.set()
        if self.srv is not None:
            self.srv.shutdown()
            self.srv.server_close()

    # ---- serving -----------------------------------------------------

    def serve(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        auth = h.headers.get("Authorization") or ""
        apikey = h.headers.get("api-key") or ""
        with self.lock:
            self.requests.append({"path": h.path, "body": body,
                                  "authorization": auth, "api_key": apikey})
            answer = self.script.pop(0) if self.script else None
        if self.key is not None and auth != "Bearer " + self.key and \
                apikey != self.key:
            return self.plain(h, 401, {"error": {
                "message": "Incorrect API key provided: sk-****",
                "type": "invalid_request_error",
                "code": "invalid_api_key"}})
        if answer is None or body is None or not body.get("stream"):
            return self.plain(h, 500, {"error": {"message": "no script"}})
        a = answer(body) if callable(answer) else answer
        if a.get("status", 200) != 200:
            return self.plain(h, a["status"], {"error": {"message": "x"}},
                              a.get("headers"))
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        events = a["events"]
        try:
            for i, e in enumerate(events):
                if i == len(events) - 1 and a.get("hold"):
                    self.released.wait(60)
                data = e if isinstance(e, str) else json.dumps(e)
                h.wfile.write(("data: %s\n\n" % data).encode())
                h.wfile.flush()
                if i == 0 and a.get("stall"):
                    time.sleep(a["stall"])
        except OSError:
            pass
        self.finished.set()
        h.close_connection = True

    @staticmethod
    def plain(h, status, obj, headers=None):
        data = json.dumps(obj).encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(data)
        h.close_connection = True
