"""jta-admin's commands, messages and exit codes, and the endpoint programs
run as plain CGI (one request from the environment and stdin), on real
files in a temporary directory."""

import json
import os
import stat
import subprocess
import tempfile

from jtatest import BUILDDIR, Cases

ADMIN = os.path.join(BUILDDIR, "cli", "jta-admin")


def admin(conf, *args):
    p = subprocess.run([ADMIN, "--config", conf] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def cgi(conf, program, method, uri, body=b"", key=None):
    env = {"JTA_CONFIG": conf, "REQUEST_METHOD": method, "REQUEST_URI": uri,
           "QUERY_STRING": uri.partition("?")[2], "GATEWAY_INTERFACE":
           "CGI/1.1", "CONTENT_LENGTH": str(len(body)),
           "CONTENT_TYPE": "application/json"}
    if key:
        env["HTTP_AUTHORIZATION"] = "Bearer " + key
    p = subprocess.run([os.path.join(BUILDDIR, "fcgi", program)], env=env,
                       input=body, capture_output=True, timeout=30)
    head, _, payload = p.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b"\r\n")[0].split()[1]) if head else 0
    return p.returncode, status, json.loads(payload) if payload else None


def main():
    c = Cases()
    work = tempfile.mkdtemp(prefix="jta-cli-")
    conf = os.path.join(work, "jta.conf")
    with open(conf, "w") as f:
        f.write("database = %s/db/jta.db\nvault_key_file = %s/keys/vault.key"
                "\ndefault_project = DEMO\n" % (work, work))

    rc, out, err = admin(conf, "init")
    c.check("init creates key and database", rc == 0 and
            "schema version" in out, (rc, out, err))
    for path in ("keys/vault.key", "db/jta.db"):
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
    c.check("types equal but for case are refused", rc == 1 and
            "twice" in err, err)
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
    c.finish()


if __name__ == "__main__":
    main()
