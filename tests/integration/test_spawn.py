"""nginx-conf/jta-spawn-fcgi never runs the programs as root by accident
and never opens their sockets: started as root it refuses a missing or
root JTA_USER (unless JTA_RUN_AS_ROOT=yes) and a socket mode open to
others; with a real unprivileged user every worker runs as that user, the
socket directory is 0750 with the web server's group, each socket 0660,
each log 0640, and a FastCGI request over a socket is answered.  Makes a
throwaway system user and removes it; needs root (skips, 77, without)."""

import os
import pwd
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

from harness import PROGRAMS
from jtatest import BUILDDIR, SRCDIR, Cases

SCRIPT = os.path.join(SRCDIR, "nginx-conf", "jta-spawn-fcgi")
ADMIN = os.path.join(BUILDDIR, "cli", "jta-admin")
WEB = "www-data"


def spawn(work, verb, **env):
    e = dict(os.environ)
    e.pop("JTA_RUN_AS_ROOT", None)
    e.update(JTA_BINDIR=os.path.join(BUILDDIR, "fcgi"),
             JTA_SOCKDIR=os.path.join(work, "sock"),
             JTA_LOGDIR=os.path.join(work, "logs"),
             JTA_CONFIG=os.path.join(work, "jta.conf"), JTA_CHILDREN="1",
             JTA_GROUP=WEB)
    e.update(env)
    p = subprocess.run(["sh", SCRIPT, verb], env=e, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def fcgi_get(path, uri):
    """One FastCGI GET (RFC-less but the FastCGI 1.0 spec's records:
    BEGIN_REQUEST, PARAMS, empty PARAMS, empty STDIN); the STDOUT text."""
    def rec(t, body):
        return struct.pack(">BBHHBB", 1, t, 1, len(body), 0, 0) + body

    def nv(k, v):
        return bytes([len(k), len(v)]) + k + v
    params = b"".join(nv(k.encode(), v.encode()) for k, v in (
        ("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri),
        ("SCRIPT_NAME", uri), ("QUERY_STRING", ""),
        ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1")))
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, params) +
              rec(4, b"") + rec(5, b""))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out = b""
    while len(data) >= 8:
        _, t, _, n, pad, _ = struct.unpack(">BBHHBB", data[:8])
        if t == 6:
            out += data[8:8 + n]
        data = data[8 + n + pad:]
    return out.decode(errors="replace")


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (makes a system user)")
        sys.exit(77)
    c = Cases()
    work = tempfile.mkdtemp(prefix="jta-spawn-")
    os.chmod(work, 0o755)
    user = "jta-spawntest"
    made = False
    try:
        rc, out = spawn(work, "start", JTA_USER="jta-no-such-user")
        c.check("as root without the user: exit 1, names the user and the "
                "override", rc == 1 and "jta-no-such-user" in out and
                "refusing to run the programs as root" in out and
                "JTA_RUN_AS_ROOT=yes" in out, (rc, out))
        c.check("... and starts nothing", not os.path.exists(
            os.path.join(work, "sock", "healthz.sock")), os.listdir(work))
        rc, out = spawn(work, "start", JTA_USER="root")
        c.check("JTA_USER=root is refused (exit 1)", rc == 1 and
                "is root" in out, (rc, out))
        rc, out = spawn(work, "start", JTA_USER="root",
                        JTA_SOCKMODE="0666")
        c.check("a socket mode open to others is refused", rc == 1 and
                "0666" in out and "others" in out, (rc, out))

        if subprocess.run(["id", user], capture_output=True).returncode:
            subprocess.run(["useradd", "--system", "--user-group",
                            "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", user],
                           check=True, timeout=30)
            made = True
        pw = pwd.getpwnam(user)
        conf = os.path.join(work, "jta.conf")
        state = os.path.join(work, "state")
        os.mkdir(state, 0o750)
        os.chown(state, pw.pw_uid, pw.pw_gid)
        with open(conf, "w") as f:
            f.write("database = %s/jta.db\nvault_key_file = %s/vault.key\n"
                    % (state, state))
        subprocess.run(["runuser", "-u", user, "--", ADMIN, "--config",
                        conf, "init"], check=True, capture_output=True,
                       timeout=60)
        rc, out = spawn(work, "start", JTA_USER=user)
        c.check("as root with an unprivileged user: starts (exit 0)",
                rc == 0, (rc, out))
        sock = os.path.join(work, "sock")
        st = os.stat(sock)
        c.eq("the socket directory is 0750, the user's, group %s" % WEB,
             (stat.S_IMODE(st.st_mode), pwd.getpwuid(st.st_uid).pw_name,
              st.st_gid == pwd.getpwnam(WEB).pw_gid),
             (0o750, user, True))
        socks = [n for n in os.listdir(sock) if n.endswith(".sock")]
        c.eq("one socket per program", len(socks), len(PROGRAMS))
        bad = []
        for n in socks:
            st = os.stat(os.path.join(sock, n))
            if (stat.S_IMODE(st.st_mode) != 0o660 or
                    st.st_uid != pw.pw_uid or
                    st.st_gid != pwd.getpwnam(WEB).pw_gid):
                bad.append((n, oct(st.st_mode), st.st_uid, st.st_gid))
        c.eq("every socket 0660, the user's, group %s" % WEB, bad, [])
        owners = set()
        for n in os.listdir(sock):
            if n.endswith(".pid"):
                with open(os.path.join(sock, n)) as f:
                    for pid in f.read().split():
                        owners.add(subprocess.run(
                            ["ps", "-o", "user=", "-p", pid],
                            capture_output=True, text=True).stdout.strip())
        c.eq("every worker runs as the user, none as root", owners, {user})
        text = fcgi_get(os.path.join(sock, "healthz.sock"), "/healthz")
        c.check("a worker answers over its socket: 200, status ok",
                text.startswith("Status: 200") and
                '"status":"ok"' in text.replace(" ", ""), text)
        logs = os.path.join(work, "logs")
        modes = {n: stat.S_IMODE(os.stat(os.path.join(logs, n)).st_mode)
                 for n in os.listdir(logs)}
        c.check("every log is 0640 at most, the directory 0750",
                len(modes) == len(PROGRAMS) and all(m & 0o137 == 0 for m in
                                         modes.values()) and
                stat.S_IMODE(os.stat(logs).st_mode) == 0o750, modes)
        p = subprocess.run(["runuser", "-u", user, "--", ADMIN, "--config",
                            conf, "check", "--sockets", sock, "--logs",
                            logs], capture_output=True, text=True,
                           timeout=60)
        c.check("jta-admin check, as the user, passes on what it made",
                p.returncode == 0, p.stdout + p.stderr)
        rc, out = spawn(work, "stop", JTA_USER=user)
        c.check("stop: exit 0, sockets gone", rc == 0 and not [
            n for n in os.listdir(sock) if n.endswith(".sock")], (rc, out))
    finally:
        spawn(work, "stop", JTA_USER=user)
        if made:
            # The workers finish after SIGTERM; userdel wants them gone.
            for _ in range(100):
                if subprocess.run(["pgrep", "-u", user],
                                  capture_output=True).returncode != 0:
                    break
                time.sleep(0.05)
            subprocess.run(["userdel", user], timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
