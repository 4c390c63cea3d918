"""Knowledge before tickets (README.md "Knowledge before tickets") over real
HTTP under nginx and Apache, on the embedded store and in Jira mode:
jta-admin kb import of Markdown and hostile HTML (no script survives),
GET /api/knowledge and /api/knowledge/{id}, FTS5 syntax in a person's words
taken as words, German, French, Spanish and Japanese documents and
queries, the response cap, and bad input named by field.  Standard library
only."""

import os
import shutil
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import test_jira as tj  # noqa: E402  (its stand-in, conf and consent)

DATA = os.path.join(jtatest.SRCDIR, "tests", "data", "kb")
CAP = 100000
MARKER = " more characters not shown]"
WIFI_Q = "How do I connect to the office Wi-Fi?"


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def titles(j):
    return [a["title"] for a in (j or {}).get("articles", [])]


def import_all(c, stack, s):
    """Import tests/data/kb (a copy, so the paths are the stack's) and an
    HR article in a space of its own; the titles by file."""
    docs = os.path.join(stack.workdir, "kb")
    shutil.copytree(DATA, docs)
    rc, out, err = stack.admin("kb", "import", docs, "--url-base",
                               "https://docs.example/kb/")
    c.check(s + "kb import DIR: exit 0, one line per file",
            rc == 0 and len(out.strip().splitlines()) == len(
                os.listdir(DATA)), (rc, out, err))
    hr = os.path.join(stack.workdir, "leave.md")
    with open(hr, "w") as f:
        f.write("# Request parental leave\n\nFill in the leave form on the "
                "HR portal and tell your manager about your Wi-Fi needs.\n")
    rc, out, err = stack.admin("kb", "import", hr, "--space", "HR")
    c.check(s + "kb import FILE --space: added",
            rc == 0 and out.startswith("added kb-"), (rc, out, err))
    rc, out, err = stack.admin("kb", "import", hr, "--space", "HR")
    c.check(s + "kb import of the same file again replaces it",
            rc == 0 and out.startswith("replaced kb-"), (rc, out, err))
    bad = os.path.join(stack.workdir, "notes.txt")
    with open(bad, "w") as f:
        f.write("plain text\n")
    rc, out, err = stack.admin("kb", "import", bad)
    c.check(s + "kb import of a .txt file: exit 2 naming the file types",
            rc == 2 and ".md" in err, (rc, out, err))
    latin1 = os.path.join(stack.workdir, "latin1.md")
    with open(latin1, "wb") as f:
        f.write(b"# Caf\xe9\n")
    rc, out, err = stack.admin("kb", "import", latin1)
    c.check(s + "kb import of a file that is not UTF-8 is refused",
            rc == 2 and "UTF-8" in err, (rc, out, err))
    rc, out, err = stack.admin("kb", "import",
                               os.path.join(stack.workdir, "none.md"))
    c.check(s + "kb import of a missing file: exit 1", rc == 1, (rc, err))
    rc, out, err = stack.admin("kb", "list")
    listed = jtatest.json.loads(out) if rc == 0 else []
    c.check(s + "kb list: every article, with ids kb-N",
            len(listed) == len(os.listdir(DATA)) + 1 and
            all(a["id"].startswith("kb-") for a in listed), (rc, out))
    return {os.path.basename(a["source"]): a for a in listed}


def search_cases(c, s, who, arts):
    st, _, j, raw = who.call("GET", q("/api/knowledge", text=WIFI_Q))
    c.check(s + "the office Wi-Fi question finds the Wi-Fi article first",
            st == 200 and titles(j)[:1] == ["Connect to the office Wi-Fi"],
            (st, raw[:400]))
    first = (j or {}).get("articles", [{}])[0]
    c.check(s + "an article has id, title, space, excerpt, updated, url, "
            "from", set(first) == {"id", "title", "space", "excerpt",
                                   "updated", "url", "from"} and
            first["url"] == "https://docs.example/kb/wifi.html" and
            first["from"] == "local" and "CorpNet" in first["excerpt"],
            first)
    c.check(s + "the answer says where it searched",
            "local" in (j or {}).get("searched", []), j)
    c.check(s + "the HR article (space HR) is found without space=",
            "Request parental leave" in titles(j), titles(j))
    st, _, j, _ = who.call("GET", q("/api/knowledge", text=WIFI_Q,
                                    space="HR"))
    c.check(s + "space=HR narrows the search to that space",
            st == 200 and titles(j) == ["Request parental leave"], j)
    st, _, j, _ = who.call("GET", q("/api/knowledge", text=WIFI_Q,
                                    limit=1))
    c.check(s + "limit=1", st == 200 and len(titles(j)) == 1, j)
    st, _, j, _ = who.call("GET", q("/api/knowledge",
                                    text="submarine periscope"))
    c.check(s + "nothing found: an empty list",
            st == 200 and j["articles"] == [], j)
    for text in ('wifi" OR * NEAR( ^x :y', 'title:wifi AND -"', "NOT vpn",
                 "wi* OR title : x", "\\\" NEAR/2", "wifi (((", 'wifi """',
                 "{title body}: wifi", "NEAR(wifi office, 2)"):
        st, _, j, raw = who.call("GET", q("/api/knowledge", text=text))
        c.check(s + "FTS5 syntax %r is taken as words (200)" % text,
                st == 200 and isinstance((j or {}).get("articles"), list),
                (st, raw[:300]))
    st, _, j, _ = who.call("GET", q("/api/knowledge", text="NOT vpn"))
    c.check(s + "'NOT vpn' finds the VPN article (NOT is a word)",
            "en-vpn" in titles(j), j)
    # No heading: the title is the file's name.
    st, _, j, _ = who.call("GET", q("/api/knowledge",
                                    text="VPN client software portal"))
    c.check(s + "a file without heading is titled by its name",
            st == 200 and titles(j)[:1] == ["en-vpn"], j)


def multilingual(c, s, who):
    for lang, text, want in (
            ("German", "Wie verbinde ich meinen Laptop mit dem WLAN im Büro?",
             "WLAN im Büro einrichten"),
            ("German, no umlaut", "wlan buro funknetz",
             "WLAN im Büro einrichten"),
            ("German, case folded", "STÖRUNGEN FIRMENKONTO",
             "WLAN im Büro einrichten"),
            ("French", "Comment réinitialiser mon mot de passe ?",
             "Réinitialiser votre mot de passe"),
            ("French, no accents", "reinitialiser mot de passe oublie",
             "Réinitialiser votre mot de passe"),
            ("Spanish", "¿Cómo configuro la impresora de la oficina?",
             "Configurar la impresora de la oficina"),
            ("Spanish, no accents", "configuracion impresion falla",
             "Configurar la impresora de la oficina"),
            ("Japanese", "オフィスの無線LANに接続できません",
             "オフィスの無線LANに接続する方法"),
            ("Japanese, no spaces, other words", "ヘルプデスクに問い合わせたい",
             "オフィスの無線LANに接続する方法"),
            ("Japanese, expenses", "経費精算のやり方を教えてください",
             "経費精算の手順"),
            ("Japanese, full-width punctuation", "領収書、アップロード。",
             "経費精算の手順")):
        st, _, j, raw = who.call("GET", q("/api/knowledge", text=text))
        c.check(s + "%s: %r finds %r first" % (lang, text, want),
                st == 200 and titles(j)[:1] == [want],
                (st, titles(j) if j else raw[:300]))
    st, _, j, _ = who.call("GET", q("/api/knowledge", text="経費精算"))
    c.check(s + "Japanese: the expenses article is not the Wi-Fi one",
            st == 200 and titles(j) == ["経費精算の手順"], j)
    st, _, j, _ = who.call("GET", q("/api/knowledge", text="無線"))
    c.check(s + "Japanese: a two-character query is 422 naming text "
            "(trigrams need three)", st == 422 and j["field"] == "text",
            (st, j))


def read_cases(c, s, who, stack, arts):
    wifi = arts["wifi.html"]["id"]
    st, _, j, raw = who.call("GET", "/api/knowledge/" + wifi)
    body = (j or {}).get("body", "")
    c.check(s + "GET /api/knowledge/{id}: the article as Markdown",
            st == 200 and j["id"] == wifi and
            j["title"] == "Connect to the office Wi-Fi" and
            body.startswith("# Office Wi-Fi") and
            "[CorpNet](https://intranet.example/wifi)" in body and
            "- Forget the network *Guest* first" in body and
            "  - then reconnect" in body and
            "```\nnetsh wlan connect name=CorpNet\n```" in body and
            j["url"] == "https://docs.example/kb/wifi.html", (st, body))
    low = body.lower()
    # The split tag's tail stays as text (libxml2 reads "<scr" as a bad
    # tag): harmless without a '<', which no text keeps.
    for bad in ("<script", 'alert("head")', "alert('onload')",
                "alert('h1')", "alert('click')", "alert('link')",
                "alert(3)", "alert(4)", 'alert("svg")', "alert('img')",
                'alert("comment")', "x.js", "javascript:", "onclick",
                "onload", "onerror", "iframe", "evil.example",
                "fallback object", "hunter2", "data:text", "<",
                "display: none", "refresh"):
        c.check(s + "hostile HTML: %r does not survive the import" % bad,
                bad not in low, body)
    c.check(s + "hostile HTML: escaped text stays text (as entities)",
            "&lt;script&gt;shown as text" in body and "bad link" in body and
            "padded one" in body, body)
    for path, st_want in (("/api/knowledge/kb-99999", 404),
                          ("/api/knowledge/kb-0", 404),
                          ("/api/knowledge/kb-01", 404),
                          ("/api/knowledge/nothing", 404),
                          ("/api/knowledge/" + "k" * 65, 422),
                          ("/api/knowledge/kb.1", 422),
                          ("/api/knowledge/kb%2F1", 404),
                          ("/api/knowledge/kb-1/x", 404)):
        st, h, j, _ = who.call("GET", path)
        c.check(s + "%s is %d naming id or path" % (path, st_want),
                st == st_want and (j or {}).get("field") in ("id", "path")
                and
                h.get("content-type") == "application/problem+json",
                (st, j))
    # A long article is cut under the cap with the marker.
    big = os.path.join(stack.workdir, "big.md")
    with open(big, "w") as f:
        f.write("# Big handbook\n\n" + "caf\u00e9 handbook words " * 9000)
    rc, out, err = stack.admin("kb", "import", big)
    bid = out.split()[1] if rc == 0 else "kb-0"
    st, _, j, raw = who.call("GET", "/api/knowledge/" + bid)
    text = raw.decode("utf-8")
    c.check(s + "a 180,000-character article: 200, under the cap, "
            "truncated with the note",
            st == 200 and len(text) < CAP and j.get("truncated") is True and
            MARKER in text and j["body"].startswith("# Big handbook"),
            (st, len(text), text[:100]))
    rc, out, err = stack.admin("kb", "remove", bid)
    c.check(s + "kb remove: exit 0", rc == 0, (rc, out, err))
    st, _, j, _ = who.call("GET", "/api/knowledge/" + bid)
    c.check(s + "a removed article is 404", st == 404, st)
    st, _, j, _ = who.call("GET", q("/api/knowledge", text="handbook"))
    c.check(s + "a removed article is no longer found",
            st == 200 and j["articles"] == [], j)
    rc, out, err = stack.admin("kb", "remove", bid)
    c.check(s + "kb remove of a missing article: exit 1", rc == 1,
            (rc, err))
    rc, out, err = stack.admin("kb", "remove", "kb-x")
    c.check(s + "kb remove of a bad id: exit 2", rc == 2, (rc, err))


def helped_cases(c, s, who, stack, arts):
    """POST /api/knowledge/{id}/helped: answered from knowledge, counted
    next to the creates by jta-admin usage."""
    wifi = arts["wifi.html"]["id"]
    rc, out, _ = stack.admin("usage")
    before = out.count("answered from knowledge")
    st, _, j, _ = who.call("POST", "/api/knowledge/%s/helped" % wifi)
    c.check(s + "helped: recorded", st == 200 and j == {
        "recorded": True, "id": wifi}, (st, j))
    st, _, j, _ = who.call("POST", "/api/knowledge/%s/helped" % wifi)
    c.eq(s + "helped: a second time counts again", st, 200)
    rc, out, err = stack.admin("usage")
    c.check(s + "helped: jta-admin usage shows 2 answered from knowledge",
            rc == 0 and before == 1 and
            "answered from knowledge (a person said an article helped): 2;"
            in out, (rc, out, err))
    for path, st_want, field in (
            ("/api/knowledge/kb-99999/helped", 404, "id"),
            ("/api/knowledge/page-1/helped", 404, "id"),
            ("/api/knowledge/k.b/helped", 422, "id")):
        st, _, j, _ = who.call("POST", path)
        c.check(s + "helped: %s is %d naming %s" % (path, st_want, field),
                st == st_want and (j or {}).get("field") == field, (st, j))
    st, _, j, _ = who.call("POST", "/api/knowledge/%s/helped" % wifi,
                           body={"helped": True})
    c.check(s + "helped: a body is 422 naming body",
            st == 422 and (j or {}).get("field") == "body", (st, j))
    st, h, _, _ = who.call("GET", "/api/knowledge/%s/helped" % wifi)
    c.check(s + "helped: GET is 405 with Allow: POST",
            st == 405 and "POST" in h.get("allow", ""), (st, h))
    st, h, _, _ = who.call("POST", "/api/knowledge/" + wifi)
    c.check(s + "POST on an article is 405", st == 405, st)


def bad_input(c, s, who):
    for path, field, why in (
            (q("/api/knowledge"), "text", "missing text"),
            (q("/api/knowledge", text=""), "text", "empty text"),
            (q("/api/knowledge", text="?! -- ..."), "text",
             "punctuation only"),
            (q("/api/knowledge", text="((("), "text", "parentheses only"),
            (q("/api/knowledge", text='"""'), "text", "quotes only"),
            (q("/api/knowledge", text="x" * 257), "text", "oversized text"),
            (q("/api/knowledge", text="a\nb"), "text", "a newline"),
            (q("/api/knowledge", text="wifi", limit=0), "limit", "limit 0"),
            (q("/api/knowledge", text="wifi", limit=21), "limit",
             "limit 21"),
            (q("/api/knowledge", text="wifi", limit="-1"), "limit",
             "limit -1"),
            (q("/api/knowledge", text="wifi", space="H R"), "space",
             "space with a blank"),
            (q("/api/knowledge", text="wifi", space='HR" OR 1'), "space",
             "space with a quote"),
            (q("/api/knowledge", text="wifi", space="x" * 65), "space",
             "oversized space"),
            (q("/api/knowledge", text="wifi", colour="red"), "colour",
             "unknown parameter")):
        st, h, j, _ = who.call("GET", path)
        c.check(s + "%s is 4xx problem+json naming %s" % (why, field),
                st is not None and 400 <= st < 500 and
                h.get("content-type") == "application/problem+json" and
                (j or {}).get("field") == field, (st, j))
    st, h, _, _ = who.call("POST", q("/api/knowledge", text="wifi"))
    c.check(s + "POST is 405 with Allow",
            st == 405 and "GET" in h.get("allow", ""), (st, h))
    st, _, _, _ = Client(who.stack).call("GET", q("/api/knowledge",
                                                  text="wifi"))
    c.eq(s + "no key is 401", st, 401)


def latency(c, s, who):
    """Search latency through the web server (printed, not judged)."""
    n = 50
    t0 = time.monotonic()
    for _ in range(n):
        who.call("GET", q("/api/knowledge", text=WIFI_Q))
    ms = (time.monotonic() - t0) * 1000 / n
    print("# %s knowledge search: %.2f ms per request over %d" % (s, ms, n))


def local(c, stack, s):
    rc, out, err = stack.admin("user", "add", "alice")
    assert rc == 0, err
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    alice = Client(stack, out.strip())
    arts = import_all(c, stack, s)
    search_cases(c, s + "local ", alice, arts)
    multilingual(c, s + "local ", alice)
    read_cases(c, s + "local ", alice, stack, arts)
    helped_cases(c, s + "local ", alice, stack, arts)
    bad_input(c, s + "local ", alice)
    latency(c, s + "local", alice)


def jira(c, stack, s):
    arts = import_all(c, stack, s + "jira ")
    st, page, _ = tj.consent(c, stack, s)
    m = tj.KEY_RE.search(page or "")
    if not c.check(s + "jira: a linked person", st == 200 and m, page):
        return
    alice = Client(stack, m.group(1))
    search_cases(c, s + "jira ", alice, arts)
    multilingual(c, s + "jira ", alice)
    bad_input(c, s + "jira ", alice)
    latency(c, s + "jira", alice)


# ---- Confluence and the JSM knowledge base (knowledge_confluence) ----

def conf_confluence(stack):
    return tj.conf(stack, extra="knowledge_confluence = on\n")


def ids(j):
    return [a["id"] for a in (j or {}).get("articles", [])]


def calls(name):
    st = tj.standin.world
    with st.lock:
        return dict(st.counters["api_calls"]).get(name, 0)


def confluence_mode(c, stack, s):
    import atlassian
    import confluence as cf
    w = tj.standin.world
    arts = import_all(c, stack, s + "confluence ")
    st, page, _ = tj.consent(c, stack, s)
    m = tj.KEY_RE.search(page or "")
    if not c.check(s + "confluence: a linked person", st == 200 and m, page):
        return
    alice = Client(stack, m.group(1))
    site = w.site_url("acme")
    cs0 = calls("confluence GET /wiki/rest/api/search")
    kb0 = calls("GET /rest/servicedeskapi/knowledgebase/article")
    st, _, j, raw = alice.call("GET", q("/api/knowledge", text=WIFI_Q))
    c.check(s + "confluence: the Wi-Fi question finds the Confluence page "
            "first, then the local article and the blog post",
            st == 200 and ids(j)[:1] == ["page-1001"] and
            "blog-2001" in ids(j) and
            arts["wifi.html"]["id"] in ids(j), (st, raw[:600]))
    c.eq(s + "confluence: one search is one Confluence call and one JSM "
         "call", (calls("confluence GET /wiki/rest/api/search") - cs0,
                  calls("GET /rest/servicedeskapi/knowledgebase/article") -
                  kb0), (1, 1))
    latency(c, s + "confluence (2 stand-in calls each)", alice)
    c.eq(s + "confluence: it says where it searched",
         (j or {}).get("searched"), ["confluence", "jsm", "local"])
    first = (j or {}).get("articles", [{}])[0]
    c.check(s + "confluence: a page carries title, space, excerpt without "
            "highlight marks, updated and its link on the site",
            first.get("title") == "Connect to the office Wi-Fi" and
            first.get("space") == "IT" and first.get("from") ==
            "confluence" and "@@@" not in first.get("excerpt", "x") and
            "CorpNet" in first.get("excerpt", "") and
            first.get("updated") == "2026-11-02T10:00:00.000Z" and
            first.get("url") == site + "/wiki/spaces/IT/pages/1001/"
            "Connect+to+the+office+Wi-Fi", first)
    c.check(s + "confluence: the HR page only Bob may read never appears",
            "page-1003" not in ids(j), ids(j))
    last = cf.state(w)["cql"][-1]
    c.eq(s + "confluence: the CQL is pages and blog posts, each term a "
         "quoted text clause", last,
         'type in (page, blogpost) AND (text ~ "connect" OR text ~ '
         '"office")')
    # A person's text that tries to end the string or add clauses.
    for text in ('wifi" OR space = "HR', 'office\\" OR title ~ "salary',
                 "salary) OR (type = page", "NOT office AND salary OR x",
                 'office* AND (title:wifi)^2 ~ \\ "x" {a TO b} /re/',
                 "salary\u00a0allowance -office +wifi !x"):
        st, _, j, raw = alice.call("GET", q("/api/knowledge", text=text))
        last = cf.state(w)["cql"][-1]
        c.check(s + "confluence: %r stays words: 200, the HR page not "
                "found, the CQL one text clause per term" % text,
                st == 200 and "page-1003" not in ids(j) and
                last.startswith('type in (page, blogpost) AND (text ~ "')
                and last.count("(") == 2 and "HR" not in last and
                "title" not in last.replace('text ~ "title"', ""),
                (st, last, raw[:300]))
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text=WIFI_Q,
                                      space="IT"))
    last = cf.state(w)["cql"][-1]
    c.check(s + "confluence: space=IT is a quoted space clause; only IT "
            "pages (the local ones have no space IT)",
            st == 200 and last.endswith(') AND space = "IT"') and
            "page-1001" in ids(j) and set(ids(j)) <= {
                "page-1001", "page-1002", "blog-2001", "page-1004"},
            (last, ids(j)))
    # JSM's knowledge base: the HELP pages, found once.
    st, _, j, _ = alice.call("GET", q("/api/knowledge",
                                      text="printer jams paper tray"))
    c.check(s + "confluence: a knowledge-base article found by Confluence "
            "and JSM is listed once",
            st == 200 and ids(j).count("page-3001") == 1, ids(j))
    c.eq(s + "confluence: JSM was asked with the terms",
         cf.state(w)["jsm_queries"][-1], "printer jams paper tray")
    st, _, j, _ = alice.call("GET", q("/api/knowledge",
                                      text="alarm code reception"))
    c.check(s + "confluence: a knowledge-base article Alice may not read "
            "never appears", st == 200 and "page-3002" not in ids(j),
            ids(j))
    # Reading.
    st, _, j, raw = alice.call("GET", "/api/knowledge/page-1001")
    c.check(s + "confluence: page-1001 read through v2 as Markdown",
            st == 200 and j["title"] == "Connect to the office Wi-Fi" and
            j["body"].startswith("## Office Wi-Fi") and
            "- Forget the Guest network first" in j["body"] and
            j["url"] == site + "/wiki/spaces/IT/pages/1001/"
            "Connect+to+the+office+Wi-Fi" and j["from"] == "confluence",
            (st, raw[:500]))
    st, _, j, _ = alice.call("GET", "/api/knowledge/blog-2001")
    c.check(s + "confluence: a blog post is read too",
            st == 200 and "Saturday" in j.get("body", ""), (st, j))
    for path in ("/api/knowledge/page-1003", "/api/knowledge/page-9999",
                 "/api/knowledge/blog-1001", "/api/knowledge/page-3002"):
        st, _, j, _ = alice.call("GET", path)
        c.check(s + "confluence: %s is 404 naming id" % path,
                st == 404 and j.get("field") == "id", (st, j))
    st, _, j, _ = alice.call("GET", "/api/knowledge/" +
                             arts["wifi.html"]["id"])
    c.check(s + "confluence: a local article is still read locally",
            st == 200 and j["from"] == "local", (st, j))
    st, _, j, _ = alice.call("POST", "/api/knowledge/page-1001/helped")
    c.check(s + "confluence: a Confluence page that helped is recorded",
            st == 200 and j == {"recorded": True, "id": "page-1001"},
            (st, j))
    # Bob may read the HR page.
    tj.standin.config(person=dict(atlassian.BOB))
    st, page, _ = tj.consent(c, stack, s + "bob")
    m = tj.KEY_RE.search(page or "")
    if c.check(s + "confluence: Bob linked", st == 200 and m, page):
        bob = Client(stack, m.group(1))
        st, _, j, _ = bob.call("GET", q("/api/knowledge",
                                        text="salary bands allowance"))
        c.check(s + "confluence: Bob finds the HR page he may read",
                st == 200 and "page-1003" in ids(j), (st, j))
        st, _, j, _ = bob.call("GET", "/api/knowledge/page-1003")
        c.check(s + "confluence: ... and reads it", st == 200 and
                "Confidential" in j.get("body", ""), (st, j))
    # A site without JSM: searched without it.
    cf.configure(w, no_jsm=["acme"])
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text=WIFI_Q))
    c.check(s + "confluence: a site without JSM searches the rest",
            st == 200 and j["searched"] == ["confluence", "local"] and
            "page-1001" in ids(j), (st, j))
    # A site without Confluence: a clear 404.
    cf.configure(w, no_confluence=["acme"], no_jsm=[])
    st, h, j, _ = alice.call("GET", q("/api/knowledge", text=WIFI_Q))
    c.check(s + "confluence: a site without Confluence is 404 naming "
            "Confluence", st == 404 and "no Confluence" in
            (j or {}).get("detail", "") and
            h.get("content-type") == "application/problem+json", (st, j))
    st, _, j, _ = alice.call("GET", "/api/knowledge/page-1001")
    c.check(s + "confluence: ... and its pages are 404", st == 404, (st, j))
    cf.configure(w, no_confluence=[])
    # A link made before knowledge_confluence: its token lacks the scopes.
    with w.lock:
        for fam in w.families.values():
            fam["scope"] = " ".join(x for x in fam["scope"].split()
                                    if "confluence" not in x)
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text=WIFI_Q))
    c.check(s + "confluence: a token without Confluence's scopes asks the "
            "person to link again", st == 401 and "/oauth/start" in
            (j or {}).get("detail", "") and "Confluence" in j["detail"],
            (st, j))


def main():
    cases = jtatest.Cases()
    try:
        for server in ("nginx", "apache"):
            for mode, test, extra in (("local", local, None),
                                      ("jira", jira, tj.conf),
                                      ("confluence", confluence_mode,
                                       conf_confluence)):
                work = tempfile.mkdtemp(prefix="jta-kb-%s-" % server)
                stack = harness.Stack(server, jtatest.BUILDDIR,
                                      jtatest.SRCDIR, work, extra)
                try:
                    stack.start()
                    test(cases, stack, server + ": ")
                except Exception:
                    traceback.print_exc()
                    cases.check("%s %s: test ran to the end" % (server, mode),
                                False)
                finally:
                    stack.stop()
                bad = jtatest.logs_clean(stack)
                cases.check("%s %s: no sanitizer report or crash in the "
                            "logs" % (server, mode), not bad,
                            "\n".join(bad[:10]))
                jtatest.keep_if_failed(cases, work)
    finally:
        tj.standin.stop()
    cases.finish()


if __name__ == "__main__":
    main()
