"""`jta-admin migrate` end to end through the web server (README "Moving
a SQLite deployment into PostgreSQL"), under nginx and then Apache, Jira
mode against the Atlassian stand-in, on a private cluster of our own
(tests/pg-cluster.sh).

A stack on SQLite: a person links Atlassian (the consent dance) and gets
an API key; a GPT client signs in through our OAuth server (code + PKCE,
chained through Atlassian's consent) and holds an access and a refresh
token.  Then the programs are stopped, `jta-admin init` and `jta-admin
migrate` move the deployment into PostgreSQL, and the programs start
again with database_url (same key files, same port).  Through the web
server: /healthz names PostgreSQL; the API key answers /api/me; a search
reaches Jira with the moved, still sealed Atlassian tokens (the call
counted at the stand-in, no refresh and no 401 there); the GPT's access
token is accepted and its refresh token rotates once at /oauth/token;
the replaced one, past its grace (the row aged in PostgreSQL), is then
refused and revokes the family; no SQLite file is written after the
move.  Standard library only."""

import hashlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402


def own_cluster():
    """Re-run this file inside a cluster of its own (77 when there is no
    PostgreSQL server or the build has no libpq), as test_pg.py does."""
    with open(os.path.join(jtatest.BUILDDIR, "config.h")) as f:
        if "#define HAVE_LIBPQ 1" not in f.read():
            print("SKIP: this build has no libpq (install libpq-dev)")
            sys.exit(77)
    if os.environ.get("JTA_PG_TEST_OWN") == "1":
        return
    env = dict(os.environ, JTA_PG_TEST_OWN="1", JTA_TEST_PG_TIMEOUT="600")
    env.pop("JTA_TEST_PG", None)
    p = subprocess.run(["sh", os.path.join(jtatest.SRCDIR, "tests",
                                           "pg-cluster.sh"),
                        sys.executable, os.path.abspath(__file__)],
                       env=env)
    if p.returncode == 77:
        print("SKIP: no PostgreSQL server (sh cli/deps.sh test installs "
              "postgresql-15)")
    sys.exit(p.returncode)


own_cluster()

import harness  # noqa: E402
import jiratest  # noqa: E402
from jiratest import Browser, get_url, link, local_path, standin  # noqa

PG = os.environ["JTA_TEST_PG"]
PWFILE = os.environ["JTA_TEST_PG_PASSWORD_FILE"]
CB = "https://chatgpt.com/aip/g-0123abcd/oauth/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SEARCH = ("GET /rest/api/3/search/jql", "POST /rest/api/3/search/jql")


def psql(sql, db):
    """One statement as the cluster's role; its rows, '|'-separated."""
    with open(PWFILE) as f:
        pw = f.read().strip()
    p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                        PG.replace("dbname=postgres", "dbname=" + db),
                        "-c", sql], capture_output=True, text=True,
                       env=dict(os.environ, PGPASSWORD=pw), timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return [ln.split("|") for ln in p.stdout.splitlines() if ln]


def sqlite_files(stack):
    """The SQLite files of the deployment (the database, its -wal and
    -shm, the usage file): name -> (size, mtime_ns, sha256).  Not the
    usage batches (DATABASE.batches/w.N, README "Usage counted in
    batches"): those are each host's own files, not SQLite, written on
    PostgreSQL too and folded into it."""
    out = {}
    for name in sorted(os.listdir(stack.workdir)):
        path = os.path.join(stack.workdir, name)
        if not name.startswith("jta.db") or name == "jta.db.batches":
            continue
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        st = os.stat(path)
        out[name] = (st.st_size, st.st_mtime_ns, digest)
    return out


def gpt_signin(stack):
    """A GPT client registered with jta-admin signs the stand-in's person
    in: /oauth/authorize -> Atlassian's consent -> /oauth/callback ->
    back to the GPT with our code -> /oauth/token (PKCE).  (client id,
    secret, token answer)."""
    rc, out, err = stack.admin("client", "add", "--name", "Moved GPT",
                               "--redirect-uri", CB)
    assert rc == 0, err
    creds = dict(re.findall(r"^(client_id|client_secret): (\S+)$", out,
                            re.M))
    b = Browser(stack)
    st, h, _ = b.get("/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": creds["client_id"],
        "redirect_uri": CB, "state": "st-move",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256"}))
    assert st == 302 and h["location"].startswith(standin.url), (st, h)
    st, h, _ = get_url(h["location"])
    assert st == 302, st
    st, h, body = b.get(local_path(h["location"]))
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        h.get("location", "")).query))
    assert st == 302 and q.get("state") == "st-move", (st, h, body[:300])
    st, j = token(stack, creds, {
        "grant_type": "authorization_code", "code": q.get("code", ""),
        "redirect_uri": CB, "code_verifier": VERIFIER})
    assert st == 200, (st, j)
    return creds, j


def token(stack, creds, form):
    f = dict(form, client_id=creds["client_id"],
             client_secret=creds["client_secret"])
    st, _, body = stack.request("POST", "/oauth/token", headers=FORM,
                                raw_body=urllib.parse.urlencode(f).encode())
    return st, jtatest.body_json(body) or {}


def bearer(stack, tok, path):
    st, _, body = stack.request("GET", path, headers={
        "Authorization": "Bearer " + tok})
    return st, jtatest.body_json(body) or {}


def searches():
    routes = standin.state()["api_routes"]
    return sum(routes.get(r, 0) for r in SEARCH)


def restart_on_pg(c, stack, s):
    """Stop the programs, move the SQLite deployment into a new
    PostgreSQL database, start them again on it (same key files, same
    port).  The database's name and the SQLite files as the move left
    them."""
    stack.stop()
    db = "jta_mig_" + secrets.token_hex(4)
    psql("CREATE DATABASE " + db, "postgres")
    with open(stack.conf, "a") as f:
        f.write("database_url = %s\ndatabase_password_file = %s\n"
                % (PG.replace("dbname=postgres", "dbname=" + db), PWFILE))
    rc1, _, err1 = stack.admin("init")
    rc2, out, err2 = stack.admin("migrate")
    c.check(s + "jta-admin init and migrate into PostgreSQL",
            rc1 == 0 and rc2 == 0 and "nothing was moved" not in out + err2,
            (rc1, err1, rc2, out, err2))
    before = sqlite_files(stack)
    subprocess.run(["sh", os.path.join(stack.srcdir, "nginx-conf",
                                       "jta-spawn-fcgi"), "start"],
                   env=stack._spawn_env(), check=True, timeout=30)
    stack.started_programs = True
    if stack.server == "nginx":
        stack._start_nginx()
    else:
        stack._start_apache()
    stack._wait_up()
    return db, before


def moved(c, stack, server):
    s = server + ": "
    key = link(stack)
    creds, pair = gpt_signin(stack)
    st, me = bearer(stack, pair["access_token"], "/api/me")
    c.check(s + "on SQLite: the GPT's access token is the person",
            st == 200 and me.get("display_name") == "Alice Example",
            (st, me))

    db, before = restart_on_pg(c, stack, s)
    st0 = standin.state()

    st, _, hz, _ = jtatest.Client(stack).call("GET", "/healthz")
    c.check(s + "after the move /healthz names PostgreSQL, reachable",
            st == 200 and (hz or {}).get("database", {}).get("engine") ==
            "postgresql" and hz["database"].get("reachable") is True, hz)

    alice = jtatest.Client(stack, key)
    st, _, me, _ = alice.call("GET", "/api/me")
    c.check(s + "the moved API key answers /api/me",
            st == 200 and (me or {}).get("display_name") == "Alice Example",
            (st, me))

    n0 = searches()
    st, _, r, _ = alice.call("GET", "/api/issues?project=OPS")
    st1 = standin.state()
    c.check(s + "a search goes to Jira with the moved sealed Atlassian "
            "tokens (one search at the stand-in, no refresh, no 401)",
            st == 200 and (r or {}).get("issues") and searches() == n0 + 1
            and st1["token_calls"]["refresh_token"] ==
            st0["token_calls"]["refresh_token"] and
            st1["unauthorized"] == st0["unauthorized"],
            (st, r, searches() - n0, st1["token_calls"]))

    st, me = bearer(stack, pair["access_token"], "/api/me")
    c.check(s + "the GPT's moved access token is accepted",
            st == 200 and me.get("display_name") == "Alice Example",
            (st, me))
    st, new = token(stack, creds, {"grant_type": "refresh_token",
                                   "refresh_token": pair["refresh_token"]})
    c.check(s + "its moved refresh token rotates once at /oauth/token",
            st == 200 and new.get("refresh_token", "").startswith("jta_rt_")
            and new["refresh_token"] != pair["refresh_token"] and
            new.get("access_token") != pair["access_token"], (st, new))
    st, me = bearer(stack, new.get("access_token", "x"), "/api/me")
    c.eq(s + "the new access token works", st, 200)
    # Within 60 s the replaced token still gives a fresh pair (the grace
    # rule, README); aged past it in PostgreSQL, as test_oauth_server.py
    # ages it in SQLite, it is refused and revokes the family.
    psql("UPDATE oauth_tokens SET replaced_at = replaced_at - 61 "
         "WHERE replaced_at IS NOT NULL", db)
    st, j = token(stack, creds, {"grant_type": "refresh_token",
                                 "refresh_token": pair["refresh_token"]})
    st2, _ = bearer(stack, new.get("access_token", "x"), "/api/me")
    c.check(s + "the old refresh token is then refused (invalid_grant) "
            "and revokes the family", st == 400 and
            j.get("error") == "invalid_grant" and st2 == 401, (st, j, st2))

    stack.stop()
    c.eq(s + "no SQLite file written after the move", sqlite_files(stack),
         before)


def main():
    os.environ["JTA_CHILDREN"] = "1"
    os.environ["JTA_CHAT_CHILDREN"] = "1"
    cases = jtatest.Cases()
    for server in ("nginx", "apache"):
        work = tempfile.mkdtemp(prefix="jta-pgmig-%s-" % server)
        stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                              work, jiratest.conf)
        try:
            stack.start()
            moved(cases, stack, server)
        except Exception:  # a broken test is a failed case
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
        standin.stop()
