"""What the web servers themselves must do, under nginx and Apache: route
each path to its program, pass Authorization and the raw REQUEST_URI and
X-Request-Id, add the security headers, serve htdocs, and refuse what is
too large before it reaches a program."""

from jtatest import Client, run

SECURITY = {"x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def test(c, stack, server):
    s = server + ": "
    stack.admin("user", "add", "alice")
    stack.admin("project", "add", "DEMO", "Demo")
    key = stack.admin("key", "create", "alice")[1].strip()
    alice = Client(stack, key)

    st, h, body = stack.request("GET", "/")
    c.check(s + "landing page served", st == 200 and
            h.get("content-type", "").startswith("text/html") and
            b"Jira Ticket Assistant" in body, (st, h))
    for k, v in SECURITY.items():
        c.eq(s + "landing page has " + k, h.get(k), v)
    c.check(s + "landing page has a CSP",
            "default-src 'self'" in h.get("content-security-policy", ""), h)

    st, h, _, _ = alice.call("GET", "/api/me")
    c.eq(s + "Authorization reaches the program", st, 200)
    for k, v in SECURITY.items():
        c.eq(s + "API answer has " + k, h.get(k), v)
    c.eq(s + "API answers are not cached", h.get("cache-control"), "no-store")
    st, h, _, _ = alice.call("GET", "/api/nothing-here")
    c.check(s + "unknown /api/ path is a JSON 404", st == 404 and
            h.get("content-type") == "application/problem+json", (st, h))

    st, h, _, _ = alice.call("GET", "/api/me",
                             headers={"X-Request-Id": "trace-42"})
    c.eq(s + "X-Request-Id is echoed", h.get("x-request-id"), "trace-42")
    st, h, _, _ = alice.call("GET", "/api/me",
                             headers={"X-Request-Id": "bad id!"})
    c.check(s + "a bad X-Request-Id is replaced",
            len(h.get("x-request-id", "")) == 32, h)

    # Every program answers on its own path (its 404s and 405s prove
    # which program spoke).
    routes = [("GET", "/healthz", 200), ("GET", "/api/issues", 200),
              ("GET", "/oauth/issues", 200), ("GET", "/api/issues/DEMO-9",
                                              404),
              ("PUT", "/api/issues/DEMO-9/comments", 405),
              ("GET", "/api/issues/DEMO-9/transitions", 404),
              ("GET", "/api/projects", 200), ("GET", "/api/me", 200),
              ("GET", "/api/tickets/", 200), ("GET", "/api/tickets", 200),
              ("GET", "/api/tickets/9/", 404)]
    for method, path, want in routes:
        st, _, _, _ = alice.call(method, path)
        c.eq(s + "%s %s reaches its program" % (method, path), st, want)

    # The raw REQUEST_URI reaches the program: an encoded slash stays
    # inside one path segment.
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO%2D1")
    c.check(s + "percent-encoded key is decoded by the program",
            st == 404 and j.get("field") == "key", (st, j))

    st, h, _, body = alice.call("POST", "/api/issues",
                                raw=b"{" + b" " * 70000 + b"}")
    c.check(s + "a body over 64 KiB is refused by the web server",
            st == 413 and h.get("content-type") ==
            "application/problem+json", (st, h))
    st, h, _, _ = alice.call("GET", "/api/issues?text=" + "a" * 9000)
    c.check(s + "a request line over 8 KiB is refused as JSON",
            st in (400, 414) and "json" in h.get("content-type", ""),
            (st, h))
    st, h, _, _ = alice.call("GET", "/api/me",
                             headers={"X-Junk": "x" * 9000})
    c.check(s + "a header over 8 KiB is refused", 400 <= st < 500, (st, h))


if __name__ == "__main__":
    run(test)
