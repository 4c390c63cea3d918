"""jta-admin's commands, messages and exit codes, and the endpoint programs
run as plain CGI (one request from the environment and stdin), on real
files in a temporary directory."""

import ctypes
import ctypes.util
import json
import re
import os
import socket
import sqlite3
import stat
import struct
import subprocess
import tempfile

import jtatest
from jtatest import BUILDDIR, SRCDIR, Cases, keep_if_failed

ADMIN = os.path.join(BUILDDIR, "cli", "jta-admin")


def admin(conf, *args):
    p = subprocess.run([ADMIN, "--config", conf] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def cgi(conf, program, method, uri, body=b"", key=None):
    rc, status, _, payload = jtatest.cgi(conf, program, method, uri, body,
                                         key)
    return rc, status or 0, json.loads(payload) if payload else None


# The sealed-token format of jta_vault.h, through libsodium itself, so the
# test checks the documented format and not only our own round trip:
# version 1 | KID (4 bytes, big-endian) | nonce (24) | ciphertext and tag,
# with the 5 header bytes and then the ad string as additional data.
SODIUM = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
SODIUM.sodium_init()


def token_keys(path):
    keys = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                kid, hexkey = line.split()
                keys[int(kid)] = bytes.fromhex(hexkey)
    return keys


def seal(keys, pt, ad):
    kid = max(keys)
    head = bytes([1]) + struct.pack(">I", kid)
    nonce = os.urandom(24)
    out = ctypes.create_string_buffer(len(pt) + 16)
    outlen = ctypes.c_ulonglong(0)
    add = head + ad.encode()
    rc = SODIUM.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(outlen), pt, ctypes.c_ulonglong(len(pt)), add,
        ctypes.c_ulonglong(len(add)), None, nonce, keys[kid])
    assert rc == 0
    return head + nonce + out.raw[:outlen.value]


def unseal(keys, ct, ad):
    """The plaintext, or None when it does not open."""
    if len(ct) < 45 or ct[0] != 1:
        return None
    kid = struct.unpack(">I", ct[1:5])[0]
    if kid not in keys:
        return None
    out = ctypes.create_string_buffer(len(ct) - 45)
    outlen = ctypes.c_ulonglong(0)
    add = ct[:5] + ad.encode()
    rc = SODIUM.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(outlen), None, ct[29:],
        ctypes.c_ulonglong(len(ct) - 29), add, ctypes.c_ulonglong(len(add)),
        ct[5:29], keys[kid])
    return out.raw[:outlen.value] if rc == 0 else None


def rotate_cases(c, conf, work):
    """key-rotate with links present: every token opens afterwards, only
    the new key is left, the file stays 0600."""
    tk = os.path.join(work, "keys", "token.key")
    db = os.path.join(work, "db", "jta.db")
    keys = token_keys(tk)
    c.eq("init made one token key, KID 1", sorted(keys), [1])
    want = {}
    con = sqlite3.connect(db)
    for i in range(3):
        name = "linked%d" % i
        cur = con.execute("INSERT INTO users (name, display_name, created)"
                          " VALUES (?, ?, 1)", (name, name))
        uid = cur.lastrowid
        acc = ("access-%d-" % i).encode() + os.urandom(8).hex().encode()
        ref = ("refresh-%d-" % i).encode() + os.urandom(8).hex().encode()
        con.execute("INSERT INTO atlassian_links (user_id, account_id, "
                    "cloud_id, site_url, access_ct, access_expires, "
                    "refresh_ct, created, updated) VALUES (?, ?, 'c', "
                    "'https://x.atlassian.net', ?, 9, ?, 1, 1)",
                    (uid, "acct-%d" % i,
                     seal(keys, acc, "atl:%d:access" % uid),
                     seal(keys, ref, "atl:%d:refresh" % uid)))
        want[uid] = (acc, ref)
    con.commit()
    con.close()

    rc, out, err = admin(conf, "key-rotate", "--help")
    c.check("key-rotate --help explains it", rc == 0 and
            "re-seal" in out, out)
    rc, out, err = admin(conf, "key-rotate")
    c.check("key-rotate succeeds and counts the links", rc == 0 and
            "re-sealed 3 " in out, (rc, out, err))
    c.eq("token key file stays 0600",
         stat.S_IMODE(os.stat(tk).st_mode), 0o600)
    keys = token_keys(tk)
    c.eq("only the new key is left (KID 1 retired)", sorted(keys), [2])
    leftovers = [n for n in os.listdir(os.path.dirname(tk))
                 if n.startswith("token.key.")]
    c.eq("no temporary key files are left", leftovers, [])

    def check_rows(label, kid):
        con = sqlite3.connect(db)
        rows = con.execute("SELECT user_id, access_ct, refresh_ct FROM "
                           "atlassian_links").fetchall()
        con.close()
        ok = len(rows) == 3
        for uid, act, rct in rows:
            ok = ok and struct.unpack(">I", act[1:5])[0] == kid
            ok = ok and struct.unpack(">I", rct[1:5])[0] == kid
            ok = ok and unseal(keys, act, "atl:%d:access" % uid) == \
                want[uid][0]
            ok = ok and unseal(keys, rct, "atl:%d:refresh" % uid) == \
                want[uid][1]
            # Bound to its column: the access token does not open as
            # the refresh token.
            ok = ok and unseal(keys, act, "atl:%d:refresh" % uid) is None
        c.check(label, ok, rows)

    check_rows("every token opens under KID 2 after the rotation", 2)
    with open(db, "rb") as f:
        raw = f.read()
    c.check("no token is in the database in clear",
            not any(a in raw or r in raw for a, r in want.values()))
    rc, out, err = admin(conf, "key-rotate")
    keys = token_keys(tk)
    c.check("a second rotation moves to KID 3", rc == 0 and
            sorted(keys) == [3], (rc, out, err, sorted(keys)))
    check_rows("every token opens under KID 3", 3)

    os.chmod(tk, 0o644)
    rc, out, err = admin(conf, "key-rotate")
    c.check("key-rotate refuses a token key file others can read",
            rc == 1 and "chmod 600" in err and "token.key" in err,
            (rc, err))
    os.chmod(tk, 0o600)
    c.eq("the refused rotation changed nothing", sorted(token_keys(tk)),
         [3])


def admin_in(conf, text, *args):
    p = subprocess.run([ADMIN, "--config", conf] + list(args), input=text,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def oauth_cases(c, conf, work):
    """client add/list/remove/rotate-secret and user passwd."""
    cb = "https://chatgpt.com/aip/g-1/oauth/callback"
    rc, out, err = admin(conf, "client", "add", "--help")
    c.check("client add --help explains it", rc == 0 and
            "--redirect-uri" in out and "once" in out, out)
    for verb in ("list", "remove", "rotate-secret"):
        rc, out, _ = admin(conf, "client", verb, "--help")
        c.check("client %s --help" % verb, rc == 0 and "usage:" in out, out)
    rc, out, _ = admin(conf, "user", "passwd", "--help")
    c.check("user passwd --help says stdin", rc == 0 and
            "standard input" in out, out)
    rc, out, err = admin(conf, "client", "add", "--name", "GPT")
    c.check("client add without a redirect URI is 2", rc == 2, (rc, err))
    rc, out, err = admin(conf, "client", "add", "--name", "GPT",
                         "--redirect-uri", "http://chatgpt.com/cb")
    c.check("client add refuses a plain-http redirect URI (2)",
            rc == 2 and "https" in err, (rc, err))
    # Issue 10, item 17: what /oauth/authorize would refuse.
    for bad in ("https://*.chatgpt.com/cb", "https://user@chatgpt.com/cb",
                "https://u:pw@chatgpt.com/cb", "http://10.0.0.1/cb"):
        rc, out, err = admin(conf, "client", "add", "--name", "GPT",
                             "--redirect-uri", bad)
        c.check("client add refuses %s (2), naming the rule" % bad,
                rc == 2 and "wildcard" in err and "client_id" not in out,
                (rc, out, err))
    rc, out, err = admin(conf, "client", "add", "--name", "GPT",
                         "--redirect-uri", cb, "--color", "x")
    c.check("client add refuses an unknown option (2)", rc == 2, (rc, err))
    rc, out, err = admin(conf, "client", "add", "--name", "GPT",
                         "--redirect-uri", cb, "--redirect-uri",
                         "https://chat.openai.com/aip/g-1/oauth/callback")
    lines = dict(ln.split(": ", 1) for ln in out.splitlines())
    cid, secret = lines.get("client_id", ""), lines.get("client_secret", "")
    c.check("client add prints id and secret once", rc == 0 and
            cid.startswith("jtac_") and secret.startswith("jtacs_") and
            "only once" in err, (rc, out, err))
    con = sqlite3.connect(os.path.join(work, "db", "jta.db"))
    rows = con.execute("SELECT client_id, secret_hash, redirect_uris FROM "
                       "oauth_clients").fetchall()
    con.close()
    c.check("the database keeps a 32-byte hash, not the secret",
            len(rows) == 1 and rows[0][0] == cid and
            len(rows[0][1]) == 32 and secret.encode() not in rows[0][1] and
            json.loads(rows[0][2])[0] == cb, rows)
    rc, out, _ = admin(conf, "client", "list")
    lst = json.loads(out) if rc == 0 else []
    c.check("client list is JSON without secrets", rc == 0 and
            lst[0]["client_id"] == cid and len(lst[0]["redirect_uris"]) == 2
            and secret not in out, out)
    rc, out, err = admin(conf, "client", "rotate-secret", cid)
    new = out.strip().split(": ", 1)[-1]
    c.check("rotate-secret prints a new secret", rc == 0 and
            new.startswith("jtacs_") and new != secret, (rc, out, err))
    rc, _, err = admin(conf, "client", "rotate-secret", "jtac_" + "0" * 24)
    c.eq("rotate-secret of an unknown client is 1", rc, 1)
    rc, _, err = admin(conf, "client", "remove", "not-an-id")
    c.check("client remove of a malformed id is 2", rc == 2 and
            "jtac_" in err, err)
    rc, out, err = admin_in(conf, "short\n", "user", "passwd", "alice")
    c.check("user passwd refuses a short password (2)", rc == 2 and
            "8" in err, (rc, err))
    rc, out, err = admin_in(conf, "", "user", "passwd", "alice")
    c.eq("user passwd with nothing on stdin is 2", rc, 2)
    rc, out, err = admin_in(conf, "x" * 300 + "\n", "user", "passwd",
                            "alice")
    c.eq("user passwd refuses an overlong password (2)", rc, 2)
    rc, out, err = admin_in(conf, "long enough pw\n", "user", "passwd",
                            "nobody")
    c.eq("user passwd of an unknown user is 1", rc, 1)
    rc, out, err = admin_in(conf, "long enough pw\n", "user", "passwd",
                            "alice")
    c.check("user passwd sets it", rc == 0 and "alice" in out, (rc, err))
    con = sqlite3.connect(os.path.join(work, "db", "jta.db"))
    pw = con.execute("SELECT pw_hash FROM users WHERE name = 'alice'"
                     ).fetchone()[0]
    con.close()
    c.check("only an Argon2id hash is kept", pw.startswith("$argon2id$")
            and "long enough" not in pw, pw)
    rc, out, _ = admin(conf, "client", "remove", cid)
    c.eq("client remove", rc, 0)
    rc, out, _ = admin(conf, "client", "remove", cid)
    c.eq("removing twice is 1", rc, 1)
    rc, out, _ = admin(conf, "client", "list")
    c.check("client list is empty again", rc == 0 and json.loads(out) == [],
            out)


def usage_cases(c, conf, work):
    """usage and quota: help, validation and exit codes; a quota and the
    usage_counting key as a CGI program sees them."""
    for cmd in (("usage",), ("quota", "set"), ("quota", "list"),
                ("quota", "remove")):
        rc, out, _ = admin(conf, *(cmd + ("--help",)))
        c.check("%s --help explains it" % " ".join(cmd), rc == 0 and
                out.startswith("usage: jta-admin " + " ".join(cmd)) and
                len(out.splitlines()) >= 3, out)
    setp = ("quota", "set", "--person", "alice")
    for args, words in (
            (("usage", "--by", "week"), "--by is one of"),
            (("usage", "--from", "2026-13-01"), "YYYY-MM-DD"),
            (("usage", "--to", "2026-02-30"), "--to is a day"),
            (("usage", "--from", "2026-11-02", "--to", "2026-11-01"),
             "after"),
            (("usage", "--json", "--csv"), "not both"),
            (("usage", "--by"), "needs a value"),
            (("usage", "--by", "day", "--by", "site"), "twice"),
            (("usage", "extra"), "unexpected argument"),
            (("quota", "set", "--metric", "calls", "--limit", "5"),
             "exactly one"),
            (setp + ("--site", "x", "--metric", "calls", "--limit", "5"),
             "exactly one"),
            (setp + ("--metric", "tokens", "--limit", "5"),
             "metric is one of"),
            (setp + ("--metric", "calls", "--limit", "-1"), "--limit"),
            (setp + ("--metric", "calls", "--limit", "1e3"), "--limit"),
            (setp + ("--metric", "calls", "--limit", "1000000001"),
             "0 to 1000000000"),
            (setp + ("--metric", "calls"), "required"),
            (setp + ("--metric", "calls", "--limit", "5", "--per", "week"),
             "day or month"),
            (("quota", "set", "--site", "a b", "--metric", "calls",
              "--limit", "5"), "site"),
            (("quota", "remove", "--person", "alice"), "--metric is"),
            (("quota", "list", "--bogus"), "unknown option")):
        rc, out, err = admin(conf, *args)
        c.check("%s: exit 2 saying %r" % (" ".join(args)[:60], words),
                rc == 2 and words in err, (rc, out, err))
    rc, _, err = admin(conf, "quota", "set", "--person", "nobody",
                       "--metric", "calls", "--limit", "5")
    c.check("a quota for an unknown user is 1", rc == 1 and
            "no user" in err, err)
    rc, _, err = admin(conf, "quota", "remove", "--default-site",
                       "--metric", "calls")
    c.check("removing a quota that is not there is 1", rc == 1 and
            "no such quota" in err, err)
    rc, out, _ = admin(conf, "quota", "list")
    c.check("quota list without quotas says so", rc == 0 and
            "no quotas" in out, out)
    rc, out, _ = admin(conf, "usage", "--json")
    base = {r["person"]: r for r in json.loads(out)}.get(
        "alice", {"calls": 0})["calls"] if rc == 0 else -1
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me", key=KEY[0])
    rc, out, _ = admin(conf, "usage", "--json")
    c.check("a CGI call is counted", rc == 0 and {
        r["person"]: r for r in json.loads(out)}["alice"]["calls"] ==
        base + 1, out)
    rc, out, err = admin(conf, "quota", "set", "--person", "alice",
                         "--metric", "calls", "--limit", str(base + 1))
    c.check("quota set says what it set", rc == 0 and
            "person alice: %d calls per day" % (base + 1) in out, out + err)
    rc, out, _ = admin(conf, "quota", "list", "--json")
    c.check("quota list --json", rc == 0 and json.loads(out)[0]["limit"] ==
            base + 1 and json.loads(out)[0]["per"] == "day", out)
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me", key=KEY[0])
    c.check("CGI at 100 %: 429 naming the quota", status == 429 and
            j.get("field") == "quota", (status, j))
    off = os.path.join(work, "usage-off.conf")
    with open(conf) as f, open(off, "w") as g:
        g.write(f.read() + "usage_counting = off\n")
    rc, status, j = cgi(off, "jta-me", "GET", "/api/me", key=KEY[0])
    c.eq("usage_counting = off: nothing is capped", status, 200)
    rc, out, _ = admin(conf, "usage", "--json")
    c.check("... nor counted", rc == 0 and {
        r["person"]: r for r in json.loads(out)}["alice"]["calls"] ==
        base + 1, out)
    with open(conf) as f, open(off, "w") as g:
        g.write(f.read() + "usage_counting = maybe\n")
    rc, _, err = admin(off, "usage")
    c.check("a bad usage_counting names the key", rc == 78 and
            "usage_counting" in err and "'on' or 'off'" in err, err)
    rc, out, _ = admin(conf, "quota", "remove", "--person", "alice",
                       "--metric", "calls", "--per", "day")
    c.eq("quota remove", rc, 0)
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me", key=KEY[0])
    c.eq("the quota removed, the call is served", status, 200)


def store_optimize_cases(c, conf):
    """jta-admin store optimize (README "The search indexes merged
    daily"): both search indexes end in one segment, it says how many
    there were, it is audited, and it takes no argument."""
    rc, out, err = admin(conf, "store", "optimize")
    c.check("store optimize: each search index merged into one segment",
            rc == 0 and re.fullmatch(r"search indexes merged: words \d+ "
                                     r"segments to 1, trigrams \d+ to 1",
                                     out.strip()), (rc, out, err))
    rows = audit_rows(conf, "admin:search-optimize")
    c.check("store optimize is audited with the segments",
            len(rows) == 1 and rows[0]["detail"].startswith(
                "segments: words ") and rows[0]["who"].startswith(
                "operator:"), rows)
    rc, out, err = admin(conf, "store", "optimize", "now")
    c.check("store optimize takes no argument: 2 with its usage",
            rc == 2 and "usage: jta-admin store optimize" in err,
            (rc, out, err))


def jira_mode_cases(c, work):
    """In Jira mode the GPT sign-in endpoints say plainly that it is not
    available: no page that pretends to sign anyone in."""
    secret = os.path.join(work, "atl.secret")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"s3cret\n")
    os.close(fd)
    jconf = os.path.join(work, "jira.conf")
    with open(jconf, "w") as f:
        f.write("database = %s/db/jta.db\nvault_key_file = %s/keys/vault.key"
                "\ntoken_key_file = %s/keys/token.key\nbackend = jira\n"
                "atlassian_client_id = abc\n"
                "atlassian_client_secret_file = %s\n"
                % (work, work, work, secret))
    rc, status, h, body = jtatest.cgi(
        jconf, "jta-oauth-authorize", "GET", "/oauth/authorize?"
        "response_type=code&client_id=x&redirect_uri=https%3A%2F%2Fa.b%2F"
        "&state=s")
    c.check("Jira mode: /oauth/authorize for an unknown client is a 400 "
            "page, no redirect (the consent flow: test_oauth_jira.py)",
            rc == 0 and status == 400 and "location" not in h and
            h.get("content-type", "").startswith("text/html"),
            (rc, status, h, body[:200]))
    rc, status, h, body = jtatest.cgi(
        jconf, "jta-oauth-metadata", "GET",
        "/.well-known/oauth-authorization-server")
    c.check("Jira mode: authorization server metadata too (200)",
            rc == 0 and status == 200, (rc, status))
    rc, out, err = admin(jconf, "store", "optimize")
    c.check("Jira mode: store optimize has nothing to do and says so (0)",
            rc == 0 and "nothing to optimize" in out, (rc, out, err))


def policy_cases(c, conf, work):
    """off, on, status, allow, deny, rules: messages, validation and exit
    codes; the switch as a CGI program sees it."""
    for cmd in (("off",), ("on",), ("status",), ("allow",), ("deny",),
                ("rules",), ("rules", "remove")):
        rc, out, _ = admin(conf, *(cmd + ("--help",)))
        c.check("%s --help explains it" % " ".join(cmd), rc == 0 and
                out.startswith("usage: jta-admin " + " ".join(cmd)) and
                len(out.splitlines()) >= 3, out)
    rc, out, _ = admin(conf, "status")
    c.check("status: on, no rules", rc == 0 and "state:   on" in out and
            "rules:   0" in out, out)
    for args, words in (
            (("off", "--message"), "needs a value"),
            (("off", "--message", ""), "empty"),
            (("off", "--message", "two\nlines"), "one line"),
            (("off", "--message", "x" * 501), "at most 500"),
            (("off", "extra"), "usage"),
            (("on", "extra"), "usage"),
            (("allow",), "usage"),
            (("allow", "colour", "red"), "KIND is one of"),
            (("allow", "project", "1AB"), "project key"),
            (("allow", "project", "OPS", "--for", "delete"), "--for is"),
            (("allow", "domain", "not a domain"), "without spaces"),
            (("allow", "domain", "bad..example"), "DNS name"),
            (("allow", "site", "http://acme.atlassian.net"), "a site is"),
            (("allow", "readonly"), "deny rule"),
            (("deny", "readonly", "OPS"), "takes no value"),
            (("deny", "readonly", "--for", "read"), "leave out --for"),
            (("deny", "person"), "needs a VALUE"),
            (("deny", "person", "bob", "--note", "a\tb"), "--note"),
            (("rules", "remove", "x1"), "whole number"),
            (("rules", "remove", "0"), "whole number"),
            (("rules", "remove", "-3"), "whole number")):
        rc, out, err = admin(conf, *args)
        c.check("%s is refused (2) saying %r" % (" ".join(args)[:60], words),
                rc == 2 and words in err and out == "", (rc, out, err))
    rc, out, err = admin(conf, "deny", "project", "sec", "--for", "read",
                         "--note", "security team only")
    c.check("deny project: upper-cased, id printed", rc == 0 and
            out == "rule 1: deny project SEC for read\n", (out, err))
    rc, out, err = admin(conf, "allow", "domain", "@Example.COM")
    c.check("allow domain: lower-cased, '@' dropped, default for all",
            rc == 0 and out == "rule 2: allow domain example.com for all\n",
            (out, err))
    rc, out, err = admin(conf, "allow", "group", "Site Admins")
    c.check("a group name may hold spaces; a note that site and group need "
            "Jira", rc == 0 and "backend = jira" in err, (out, err))
    rc, out, err = admin(conf, "deny", "readonly")
    c.check("deny readonly", rc == 0 and
            out == "rule 4: deny readonly * for write\n", (out, err))
    rc, _, err = admin(conf, "deny", "project", "SEC", "--for", "read")
    c.check("the same rule twice is 1", rc == 1 and "exists" in err, err)
    rc, out, _ = admin(conf, "rules")
    lines = out.splitlines()
    c.check("rules lists them with ids, oldest first, with the note",
            rc == 0 and len(lines) == 5 and lines[0].startswith("ID") and
            [ln.split()[0] for ln in lines[1:]] == ["1", "2", "3", "4"] and
            "# security team only" in lines[1], out)
    rc, status, j = cgi(conf, "jta-issues", "POST", "/api/issues",
                        json.dumps({"project": "DEMO",
                                    "summary": "read-only"}).encode(),
                        KEY[0])
    c.check("CGI create under read-only is 403 naming rule 4",
            status == 403 and j.get("field") == "readonly" and
            "rule 4" in j.get("detail", ""), (status, j))
    rc, out, _ = admin(conf, "rules", "remove", "4")
    c.check("rules remove", rc == 0 and out == "removed rule 4\n", out)
    rc, _, err = admin(conf, "rules", "remove", "4")
    c.check("removing it again is 1", rc == 1 and "no rule" in err, err)
    rc, out, _ = admin(conf, "status")
    c.check("status counts the rules", "rules:   3" in out, out)
    env = dict(os.environ, SUDO_USER="opsperson")
    p = subprocess.run([ADMIN, "--config", conf, "off", "--message",
                        "Back at 14:00 UTC."], capture_output=True,
                       text=True, timeout=30, env=env)
    c.check("off", p.returncode == 0 and "Back at 14:00 UTC." in p.stdout,
            p.stdout + p.stderr)
    rc, out, _ = admin(conf, "status")
    c.check("status: off, the message, since when, by the operator "
            "behind sudo", rc == 0 and "state:   off" in out and
            "message: Back at 14:00 UTC." in out and
            "by:      opsperson" in out and "since:   20" in out, out)
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me", key=KEY[0])
    c.check("CGI: off is 503 with the message", status == 503 and
            j.get("detail") == "Back at 14:00 UTC.", (status, j))
    rc, status, j = cgi(conf, "jta-healthz", "GET", "/healthz")
    c.check("CGI healthz while off: 200, enabled false, the message",
            status == 200 and j.get("enabled") is False and
            j.get("message") == "Back at 14:00 UTC.", (status, j))
    rc, out, _ = admin(conf, "on")
    c.check("on", rc == 0 and out.startswith("on"), out)
    for i in ("1", "2", "3"):
        admin(conf, "rules", "remove", i)
    rc, out, _ = admin(conf, "rules")
    c.check("no rules left", rc == 0 and out.startswith("no rules"), out)


def audit_rows(conf, action):
    rc, out, err = admin(conf, "audit", "--action", action, "--json")
    return json.loads(out) if rc == 0 else []


def operator_cases(c, conf, work):
    """Every change jta-admin makes is audited (jta_operator) as
    admin:<action> by operator:NAME, endpoint jta-admin: NAME from
    --operator, else $SUDO_USER, else the login."""
    env = dict(os.environ)
    env.pop("SUDO_USER", None)

    def run(*args, stdin=None, environ=None):
        p = subprocess.run([ADMIN, "--config", conf] + list(args),
                           input=stdin, capture_output=True, text=True,
                           timeout=30, env=environ or env)
        return p.returncode, p.stdout, p.stderr

    ops = "--operator", "ops-anna"
    changes = (
        ("switch-off", ops + ("off", "--message", "Maintenance.")),
        ("switch-on", ops + ("on",)),
        ("rule-add", ops + ("deny", "project", "AUD", "--note", "n")),
        ("quota-set", ops + ("quota", "set", "--person", "alice",
                             "--metric", "creates", "--limit", "9")),
        ("quota-remove", ops + ("quota", "remove", "--person", "alice",
                                "--metric", "creates")),
        ("client-add", ops + ("client", "add", "--name", "Audited",
                              "--redirect-uri", "https://a.example/cb")),
    )
    for action, args in changes:
        before = len(audit_rows(conf, "admin:" + action))
        rc, out, err = run(*args)
        rows = audit_rows(conf, "admin:" + action)
        c.check("jta-admin %s: audited as admin:%s by operator:ops-anna, "
                "endpoint jta-admin" % (" ".join(args[2:4]), action),
                rc == 0 and len(rows) == before + 1 and
                rows[0]["who"] == "operator:ops-anna" and
                rows[0]["endpoint"] == "jta-admin", (rc, out, err, rows[:1]))
    rid = audit_rows(conf, "admin:rule-add")[0]["detail"].split(":")[0]
    rc, out, err = run(*(ops + ("rules", "remove", rid.split()[1])))
    rows = audit_rows(conf, "admin:rule-remove")
    c.check("rules remove: audited as admin:rule-remove by ops-anna",
            rc == 0 and rows and rows[0]["who"] == "operator:ops-anna" and
            rows[0]["detail"] == "%s removed" % rid and
            rows[0]["status"] == 204, (rc, out, err, rows[:1]))
    rc, out, err = run(*(ops + ("user", "passwd", "alice")),
                       stdin="an audited pw\n")
    rows = audit_rows(conf, "admin:password-set")
    c.check("user passwd: audited as admin:password-set, never the "
            "password", rc == 0 and rows and
            rows[0]["who"] == "operator:ops-anna" and
            "audited pw" not in json.dumps(rows), (rc, out, err, rows[:1]))
    rc, out, err = run(*(ops + ("user", "passwd", "alice", "--clear")))
    rows = audit_rows(conf, "admin:password-clear")
    c.check("user passwd --clear: cleared and audited", rc == 0 and
            "cleared" in out and len(rows) == 1, (rc, out, err))
    rc, out, err = run("on", environ=dict(env, SUDO_USER="sudo-sam"))
    rows = audit_rows(conf, "admin:switch-on")
    c.check("without --operator: the operator behind sudo", rc == 0 and
            rows[0]["who"] == "operator:sudo-sam", rows[:1])
    rows = audit_rows(conf, "admin:switch-off")
    c.check("the policy cases' off (SUDO_USER=opsperson) was audited",
            any(r["who"] == "operator:opsperson" and
                r["detail"] == "off: Back at 14:00 UTC." for r in rows),
            rows)
    rc, out, err = run("on")
    rows = audit_rows(conf, "admin:switch-on")
    c.check("without --operator or sudo: the login name", rc == 0 and
            rows[0]["who"].startswith("operator:") and
            rows[0]["who"] != "operator:sudo-sam", rows[:1])
    before = len(audit_rows(conf, "admin:quota-set"))
    rc, out, err = run(*(ops + ("quota", "set", "--person", "alice",
                                "--metric", "calls", "--limit",
                                "10000000000")))
    c.check("a refused change (2) writes no audit row", rc == 2 and
            "--limit: the limit is a whole number" in err and
            len(audit_rows(conf, "admin:quota-set")) == before, (rc, err))
    cid = audit_rows(conf, "admin:client-add")[0]["detail"].split(":")[0]
    rc, out, err = run(*(ops + ("client", "remove", cid.split()[1])))
    rows = audit_rows(conf, "admin:client-remove")
    c.check("client remove: audited as admin:client-remove", rc == 0 and
            len(rows) == 1 and rows[0]["detail"] == cid, (rc, err, rows))
    rc, out, err = admin(conf, "--operator", "", "on")
    c.check("--operator needs a name (2)", rc == 2, (rc, err))


# A key of the CLI test's user, for the policy cases.
KEY = [None]


def main():
    c = Cases()
    work = tempfile.mkdtemp(prefix="jta-cli-")
    conf = os.path.join(work, "jta.conf")
    with open(conf, "w") as f:
        f.write("database = %s/db/jta.db\nvault_key_file = %s/keys/vault.key"
                "\ntoken_key_file = %s/keys/token.key"
                "\ndefault_project = DEMO\nbusy_timeout_ms = 1000\n"
                % (work, work, work))

    rc, out, err = admin(conf, "init")
    c.check("init creates key and database", rc == 0 and
            "schema version" in out, (rc, out, err))
    c.check("init names the token key file it made",
            "keys/token.key" in out, out)
    for path in ("keys/vault.key", "keys/token.key", "db/jta.db"):
        mode = stat.S_IMODE(os.stat(os.path.join(work, path)).st_mode)
        c.eq("%s is mode 0600" % path, mode, 0o600)
    rc, out, _ = admin(conf, "init")
    c.eq("init runs again safely", rc, 0)

    c.eq("no command is a usage error (2)", admin(conf)[0], 2)
    rc, out, err = admin(conf, "frobnicate")
    c.check("unknown command is 2 and named", rc == 2 and
            "frobnicate" in err, (rc, err))
    rc, out, _ = admin(conf, "key", "create", "--help")
    c.check("--help explains a command", rc == 0 and "Bearer" in out, out)
    rc, _, err = admin(conf, "user", "add", "Bad Name")
    c.check("bad user name is 2 with a reason", rc == 2 and
            "user name" in err, err)
    rc, _, err = admin(conf, "user", "add", "alice", "--email", "nope")
    c.check("email without @ is refused", rc == 2 and "@" in err, err)
    rc, _, err = admin(conf, "user", "add", "alice", "--color", "red")
    c.check("unknown option is refused", rc == 2 and "--color" in err, err)
    c.eq("user add", admin(conf, "user", "add", "alice", "--email",
                           "alice@example.com")[0], 0)
    rc, _, err = admin(conf, "user", "add", "alice")
    c.check("duplicate user is 1 with a reason", rc == 1 and
            "exists" in err, err)
    rc, _, err = admin(conf, "project", "add", "demo", "Demo")
    c.check("lower-case project key refused", rc == 2 and
            "project key" in err, err)
    rc, _, err = admin(conf, "project", "add", "DEMO", "Demo", "--types",
                       "Task,task")
    c.check("types equal but for case are a wrong argument (2)",
            rc == 2 and "twice" in err, err)
    c.eq("project add", admin(conf, "project", "add", "DEMO", "Demo",
                              "--types", "Task,Incident")[0], 0)
    rc, out, _ = admin(conf, "project", "list")
    c.check("project list is JSON with types", rc == 0 and
            json.loads(out)[0]["types"] == ["Task", "Incident"], out)
    rc, key, err = admin(conf, "key", "create", "alice", "--label", "cli")
    key = key.strip()
    c.check("key create prints only the key on stdout",
            rc == 0 and key.startswith("jta_") and len(key) == 60, key)
    rc, _, err = admin(conf, "key", "create", "nobody")
    c.eq("key for an unknown user is 1", rc, 1)
    rc, out, _ = admin(conf, "key", "list")
    keys = json.loads(out)
    c.check("key list shows id and label, never the key",
            keys[0]["label"] == "cli" and key not in out and
            key[4:16] == keys[0]["id"], out)
    with open(os.path.join(work, "db", "jta.db"), "rb") as f:
        c.check("the key is not in the database", key.encode() not in
                f.read())

    # The programs as plain CGI.
    rc, status, j = cgi(conf, "jta-healthz", "GET", "/healthz")
    c.check("CGI healthz", rc == 0 and status == 200 and
            j["status"] == "ok", (rc, status, j))
    rc, status, j = cgi(conf, "jta-issues", "POST", "/api/issues",
                        json.dumps({"project": "DEMO",
                                    "summary": "CGI made"}).encode(), key)
    c.check("CGI create", status == 201 and j["key"] == "DEMO-1",
            (status, j))
    rc, status, j = cgi(conf, "jta-issue", "GET", "/api/issues/DEMO-1",
                        key=key)
    c.check("CGI read", status == 200 and j["summary"] == "CGI made", j)
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me")
    c.eq("CGI without a key is 401", status, 401)

    rc, _, err = admin(conf, "key", "revoke", keys[0]["id"])
    c.eq("key revoke", rc, 0)
    rc, _, err = admin(conf, "key", "revoke", keys[0]["id"])
    c.eq("revoking twice is 1", rc, 1)
    rc, status, j = cgi(conf, "jta-me", "GET", "/api/me", key=key)
    c.eq("revoked key is refused at once", status, 401)

    rotate_cases(c, conf, work)
    rc, k2, _ = admin(conf, "key", "create", "alice", "--label", "policy")
    KEY[0] = k2.strip()
    policy_cases(c, conf, work)
    usage_cases(c, conf, work)
    operator_cases(c, conf, work)
    store_optimize_cases(c, conf)
    oauth_cases(c, conf, work)
    jira_mode_cases(c, work)

    # Configuration and key-file errors name what is wrong.
    bad = os.path.join(work, "bad.conf")
    with open(bad, "w") as f:
        f.write("database = %s/db/jta.db\n\ncolour = blue\n" % work)
    rc, _, err = admin(bad, "user", "list")
    c.check("unknown key: exit 78 naming file, line and key", rc == 78 and
            "bad.conf:3" in err and "colour" in err, err)
    with open(bad, "w") as f:
        f.write("busy_timeout_ms = 0\n")
    rc, _, err = admin(bad, "user", "list")
    c.check("bad value names the key", rc == 78 and
            "busy_timeout_ms" in err, err)
    for v in ("0", "3651", "1y"):
        with open(bad, "w") as f:
            f.write("audit_retention_days = %s\n" % v)
        rc, _, err = admin(bad, "audit")
        c.check("audit_retention_days = %s: exit 78 naming the key" % v,
                rc == 78 and "audit_retention_days" in err and
                "1 to 3650" in err, err)
    for cmd in (("audit",), ("users",), ("users", "unlink"), ("check",)):
        rc, out, _ = admin(conf, *(cmd + ("--help",)))
        c.check("%s --help explains it" % " ".join(cmd), rc == 0 and
                out.startswith("usage: jta-admin %s" % " ".join(cmd)) and
                len(out.splitlines()) > 3, out)
    rc, out, err = admin(conf, "audit")
    c.check("audit: exit 0, a table with the CGI requests above", rc == 0
            and out.startswith("WHEN") and "issues.create" in out, out + err)
    rc, out, err = admin(conf, "audit", "--action", "nothing-like-this")
    c.check("audit with a filter nothing matches: exit 0, says so",
            rc == 0 and "no audit rows match" in out, out + err)
    rc, out, err = admin(conf, "users", "unlink", "nobody")
    c.check("users unlink of an unknown user: exit 1 naming it", rc == 1 and
            "nobody" in err and "no user" in err, err)
    rc, _, err = admin(os.path.join(work, "missing.conf"), "user", "list")
    c.check("a named missing file is an error", rc == 78 and
            "missing.conf" in err, err)
    os.chmod(os.path.join(work, "keys", "vault.key"), 0o644)
    rc, status, _ = cgi(conf, "jta-healthz", "GET", "/healthz")
    c.check("a readable key file stops a program at start-up (78)",
            rc == 78, rc)
    rc, _, err = admin(conf, "key", "create", "alice")
    c.check("jta-admin names the unsafe key file", rc == 1 and
            "chmod 600" in err, err)
    rc, out, err = admin(conf, "check")
    c.check("check names the unsafe key file: FAIL vault_key_file, exit 1",
            rc == 1 and "FAIL vault_key_file" in out and "mode 0644" in out
            and out.strip().endswith("check: FAIL"), out + err)
    os.chmod(os.path.join(work, "keys", "vault.key"), 0o600)
    modes_cases(c, conf, work)
    beside_cases(c, work)
    attachment_cases(c, work)
    keep_if_failed(c, work)
    c.finish()


def modes_cases(c, conf, work):
    """check names every socket, log and directory others can reach: a
    real socket at 0666, a key file at 0644, a log at 0644, a socket
    directory at 0777; the same files closed pass."""
    socks = os.path.join(work, "sock")
    logs = os.path.join(work, "logs")
    os.makedirs(socks)
    os.makedirs(logs)
    held = []
    for name in ("me", "issues"):
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(socks, name + ".sock"))
        held.append(s)
    for name in ("me", "issues"):
        with open(os.path.join(logs, name + ".log"), "w") as f:
            f.write("x\n")
    where = ("--sockets", socks, "--logs", logs)

    def closed():
        os.chmod(socks, 0o750)
        os.chmod(logs, 0o750)
        for name in ("me", "issues"):
            os.chmod(os.path.join(socks, name + ".sock"), 0o660)
            os.chmod(os.path.join(logs, name + ".log"), 0o640)
    closed()
    rc, out, err = admin(conf, "check", *where)
    c.check("check: closed sockets, logs and keys pass (exit 0)",
            rc == 0 and "FAIL" not in out and
            "ok   sockets %s and its 2 *.sock" % socks in out and
            "ok   logs %s and its 2 *.log" % logs in out and
            out.strip().endswith("check: ok"), out + err)
    me = os.path.join(socks, "me.sock")
    log = os.path.join(logs, "issues.log")
    vk = os.path.join(work, "keys", "vault.key")
    os.chmod(me, 0o666)
    os.chmod(log, 0o644)
    os.chmod(vk, 0o644)
    os.chmod(socks, 0o777)
    rc, out, err = admin(conf, "check", *where)
    lines = [ln for ln in out.splitlines() if ln.startswith("FAIL")]
    c.check("check: a 0666 socket is named, exit 1", rc == 1 and
            "FAIL sockets %s: mode 0666, others may connect (chmod 660 %s)"
            % (me, me) in out, out)
    c.check("check: a 0644 key file is named",
            "FAIL vault_key_file %s: mode 0644" % vk in out, out)
    c.check("check: a 0644 log is named", "FAIL logs %s: mode 0644" % log
            in out, out)
    c.check("check: a 0777 socket directory is named",
            "FAIL sockets %s: mode 0777" % socks in out, out)
    c.eq("check: exactly those four FAILs, nothing closed named",
         len(lines), 4)
    closed()
    os.chmod(vk, 0o600)
    state = os.path.join(work, "db")
    mode = stat.S_IMODE(os.stat(state).st_mode)
    os.chmod(state, 0o777)
    rc, out, err = admin(conf, "check", *where)
    os.chmod(state, mode)
    c.check("check: a state directory others may write is named",
            rc == 1 and "FAIL state directory %s: mode 0777" % state in out,
            out)
    rc, out, err = admin(conf, "check", "--sockets")
    c.check("check --sockets without a directory is 2", rc == 2, (rc, err))
    rc, out, err = admin(conf, "check", "--colour", "x")
    c.check("check with an unknown option is 2", rc == 2 and
            "--colour" in err, (rc, err))
    for s in held:
        s.close()


def beside_cases(c, work):
    """A configuration naming only vault_key_file: init makes the token
    keys beside it, not in the host-wide /etc/jta/token.key."""
    d = os.path.join(work, "beside")
    os.makedirs(d)
    conf = os.path.join(d, "jta.conf")
    with open(conf, "w") as f:
        f.write("database = %s/jta.db\nvault_key_file = %s/k/vault.key\n"
                % (d, d))
    rc, out, err = admin(conf, "init")
    tk = os.path.join(d, "k", "token.key")
    c.check("init makes token_key_file beside vault_key_file when the "
            "file names no token_key_file", rc == 0 and
            "created token key file %s" % tk in out and os.path.exists(tk)
            and stat.S_IMODE(os.stat(tk).st_mode) == 0o600, (rc, out, err))


def attachment_cases(c, work):
    """attachment check: the fetch rules read from the configuration,
    against the loopback file host (tests/standin/filehost.py)."""
    d = os.path.join(work, "attach")
    os.makedirs(d)
    host = subprocess.Popen(["python3", os.path.join(
        SRCDIR, "tests", "standin", "filehost.py"), d],
        stdout=subprocess.PIPE, text=True)
    try:
        _, port, cert = host.stdout.readline().split()
        base = "https://127.0.0.1:%s" % port
        conf = os.path.join(d, "jta.conf")

        def write(extra):
            with open(conf, "w") as f:
                f.write("database = %s/jta.db\n"
                        "attachment_fetch_test_ca_file = %s\n%s"
                        % (d, cert, extra))
        write("attachment_fetch_hosts = 127.0.0.1:%s\n"
              "attachment_fetch_allow_loopback = on\n"
              "attachment_max_bytes = 5000\n" % port)
        rc, out, err = admin(conf, "attachment", "check", base + "/png",
                             "--type", "image/png", "--name",
                             "../shots/screen.png")
        c.check("attachment check: a listed host's file passes, its name "
                "cleaned", rc == 0 and out.strip() ==
                "ok screen.png, image/png, 33 bytes", (rc, out, err))
        for what, link, mime, field in (
                ("over attachment_max_bytes", "/bytes/5001", "text/plain",
                 "size"),
                ("a type its content belies", "/png", "application/pdf",
                 "mime_type"),
                ("a redirect loop", "/loop", "image/png", "redirect")):
            rc, out, err = admin(conf, "attachment", "check", base + link,
                                 "--type", mime)
            c.check("attachment check: %s is refused (%s)" % (what, field),
                    rc == 1 and out.startswith("refused (%s)" % field),
                    (rc, out, err))
        rc, out, err = admin(conf, "attachment", "check", base + "/png")
        c.check("attachment check without --type is 2", rc == 2, (rc, err))
        rc, out, err = admin(conf, "attachment", "check")
        c.check("attachment check without a link: the scanner's state "
                "(off: no attachment_clamd_socket)", rc == 0 and
                out.startswith("scanner: off"), (rc, out, err))
        rc, out, err = admin(conf, "attachment", "check", "--type",
                             "image/png")
        c.check("attachment check --type without a link is 2", rc == 2,
                (rc, err))
        # The defaults: only ChatGPT's file host, loopback refused.
        write("")
        rc, out, err = admin(conf, "attachment", "check", base + "/png",
                             "--type", "image/png")
        c.check("attachment check: by default only "
                "files.oaiusercontent.com is listed", rc == 1 and
                out.startswith("refused (host)"), (rc, out, err))
        write("attachment_fetch_hosts = 127.0.0.1:%s\n" % port)
        rc, out, err = admin(conf, "attachment", "check", base + "/png",
                             "--type", "image/png")
        c.check("attachment check: a listed loopback host is refused "
                "without the test-only switch", rc == 1 and
                out.startswith("refused (address)"), (rc, out, err))
        write("attachment_fetch_hosts = https://evil.example/\n")
        rc, out, err = admin(conf, "attachment", "check", base + "/png",
                             "--type", "image/png")
        c.check("attachment_fetch_hosts with a URL is a configuration "
                "error naming the key", rc == 78 and
                "attachment_fetch_hosts" in err, (rc, err))
    finally:
        host.terminate()
        host.wait()


if __name__ == "__main__":
    main()
