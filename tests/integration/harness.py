"""The test stack: the FastCGI programs under spawn-fcgi (through our own
nginx-conf/jta-spawn-fcgi), behind a real nginx or a real Apache built from
our own nginx-conf/ and apache-conf/ files, on 127.0.0.1 at a free port,
everything inside one work directory.  Standard library only.

    stack = Stack("nginx", builddir, srcdir, workdir)
    stack.start()
    rc, out, err = stack.admin("user", "add", "alice")
    status, headers, body = stack.request("GET", "/healthz")
    stack.stop()
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time

APACHE_MODULES = ("mpm_event", "authz_core", "mime", "dir", "headers",
                  "proxy", "proxy_fcgi", "alias", "setenvif",
                  "reqtimeout", "authz_host", "auth_basic", "authn_core",
                  "authn_file", "authz_user", "buffer", "env", "rewrite",
                  "asis")
PROGRAMS = ("healthz", "issues", "issue", "comments", "transitions",
            "projects", "me", "tickets", "oauth-start", "oauth-callback",
            "oauth-authorize", "oauth-token", "oauth-revoke",
            "oauth-metadata", "similar", "users", "openapi",
            "project-fields", "drafts", "metrics", "admin-api", "browse",
            "mcp", "oauth-register", "knowledge", "servicedesks",
            "requests", "agent", "agent-confirm", "attachments", "files")
# The account the web servers' workers run as: it must reach the sockets
# and read htdocs, nothing more.
WEB_USER = "www-data"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, server, builddir, srcdir, workdir, extra_conf=None,
                 metrics_open=False, admin_auth=None, admin_ip=False,
                 default_project="DEMO"):
        """extra_conf(stack) may return more configuration lines; it is
        called once the port (stack.base_url) is known.  metrics_open:
        let 127.0.0.1 read /metrics (shipped: denied to everyone).
        admin_auth, a (user, password) pair, opens /admin/ and /metrics
        with basic auth against an htpasswd file (bcrypt, htpasswd -B)
        instead of the shipped deny-all: nginx through
        jta-admin-access.conf, Apache in place of each "Require all
        denied" of apache-conf/jta.conf.  admin_ip: open them to
        127.0.0.1 by address alone, no authentication (nginx: allow;
        Apache: Require ip).  default_project: the
        configuration key (/api/tickets/ files there; a Jira stack needs
        one of the stand-in's projects)."""
        assert server in ("nginx", "apache"), server
        self.default_project = default_project
        self.extra_conf = extra_conf
        self.metrics_open = metrics_open
        self.admin_auth = admin_auth
        self.admin_ip = admin_ip
        self.htpasswd = os.path.join(workdir, "admin.htpasswd")
        self.server = server
        self.builddir = builddir
        self.srcdir = srcdir
        self.workdir = workdir
        self.sockdir = os.path.join(workdir, "sock")
        self.logdir = os.path.join(workdir, "logs")
        self.rundir = os.path.join(workdir, "run")
        self.htdocs = os.path.join(workdir, "htdocs")
        self.conf = os.path.join(workdir, "jta.conf")
        self.port = None
        self.base_url = None
        self.web = None
        self.started_programs = False

    # ---- set-up -------------------------------------------------------

    def _spawn_env(self):
        env = dict(os.environ)
        env.update(JTA_BINDIR=os.path.join(self.builddir, "fcgi"),
                   JTA_SOCKDIR=self.sockdir, JTA_CONFIG=self.conf,
                   JTA_LOGDIR=self.logdir, JTA_GROUP=WEB_USER,
                   # The tests run as root and their files are root's:
                   # the explicit opt-in the script asks for (a
                   # deployment runs them as their own user).
                   JTA_RUN_AS_ROOT="yes",
                   JTA_CHILDREN=os.environ.get("JTA_CHILDREN", "2"))
        return env

    def admin(self, *args):
        """Run jta-admin on this stack's configuration."""
        p = subprocess.run([os.path.join(self.builddir, "cli", "jta-admin"),
                            "--config", self.conf] + list(args),
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def start(self):
        for d in (self.sockdir, self.logdir, self.rundir):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        shutil.copytree(os.path.join(self.srcdir, "htdocs"), self.htdocs)
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        with open(self.conf, "w") as f:
            f.write("database = %s/jta.db\n"
                    "vault_key_file = %s/vault.key\n"
                    "public_url = %s\n"
                    "default_project = %s\n"
                    "log_level = debug\n" % (self.workdir, self.workdir,
                                              self.base_url,
                                              self.default_project))
            extra = self.extra_conf(self) if self.extra_conf else ""
            # Usage counted in batches (README "Usage counted in
            # batches"): the tests read the counts right after their
            # requests, so every request is folded at once (1) unless
            # JTA_USAGE_FOLD_CALLS says otherwise ("default": the
            # shipped batches, as the benchmarks run) or the test sets
            # the key itself.
            fold = os.environ.get("JTA_USAGE_FOLD_CALLS", "1")
            if fold != "default" and "usage_fold_calls" not in extra:
                f.write("usage_fold_calls = %s\n" % fold)
            f.write(extra)
        rc, out, err = self.admin("init")
        if rc != 0:
            raise RuntimeError("jta-admin init failed: %s" % err)
        subprocess.run(["sh", os.path.join(self.srcdir, "nginx-conf",
                                           "jta-spawn-fcgi"), "start"],
                       env=self._spawn_env(), check=True, timeout=30)
        self.started_programs = True
        if self.server == "nginx":
            self._start_nginx()
        else:
            self._start_apache()
        self._wait_up()

    def _ours(self, path):
        """One of our server configuration files, with this stack's
        paths instead of the production ones."""
        with open(os.path.join(self.srcdir, path)) as f:
            text = f.read()
        text = text.replace("/run/jta", self.sockdir).replace(
            "/usr/local/share/jta/htdocs", self.htdocs).replace(
            "/etc/nginx/jta-admin-access.conf",
            os.path.join(self.workdir, "jta-admin-access.conf"))
        if self.metrics_open:
            text = text.replace('<Location "/metrics">\n'
                                '\tRequire all denied\n',
                                '<Location "/metrics">\n'
                                '\tRequire ip 127.0.0.1\n')
        return text

    def _admin_access(self):
        """The password file of admin_auth, and nginx's access include:
        basic auth (admin_auth), 127.0.0.1 (metrics_open) or the shipped
        one (deny all)."""
        if self.admin_auth is not None:
            user, password = self.admin_auth
            subprocess.run(["htpasswd", "-cbB", self.htpasswd, user,
                            password], check=True, capture_output=True,
                           timeout=30)
            os.chmod(self.htpasswd, 0o644)
        with open(os.path.join(self.workdir, "jta-admin-access.conf"),
                  "w") as f:
            if self.admin_auth is not None:
                f.write('auth_basic "jta admin";\n'
                        "auth_basic_user_file %s;\n"
                        "fastcgi_param AUTH_TYPE Basic;\n" % self.htpasswd)
            elif self.metrics_open or self.admin_ip:
                f.write("allow 127.0.0.1;\ndeny all;\n")
            else:
                f.write(self._ours("nginx-conf/jta-admin-access.conf"))

    def _apache_access(self, text):
        if self.admin_ip:
            return text.replace("\tRequire all denied\n",
                                "\tRequire ip 127.0.0.1\n")
        if self.admin_auth is None:
            return text
        return text.replace(
            "\tRequire all denied\n",
            '\tAuthType Basic\n\tAuthName "jta admin"\n'
            "\tAuthBasicProvider file\n\tAuthUserFile %s\n"
            "\tRequire valid-user\n" % self.htpasswd)

    def _start_nginx(self):
        inc = os.path.join(self.workdir, "jta-locations.conf")
        with open(inc, "w") as f:
            f.write(self._ours("nginx-conf/jta-locations.conf"))
        self._admin_access()
        main = os.path.join(self.workdir, "nginx.conf")
        w = self.workdir
        with open(main, "w") as f:
            f.write(f"""daemon off;
master_process on;
user {WEB_USER};
worker_processes 2;
pid {self.rundir}/nginx.pid;
error_log {self.logdir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.logdir}/nginx-access.log;
    client_body_temp_path {w}/run/body;
    fastcgi_temp_path {w}/run/fastcgi;
    proxy_temp_path {w}/run/proxy;
    uwsgi_temp_path {w}/run/uwsgi;
    scgi_temp_path {w}/run/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
        server_tokens off;
        include {inc};
    }}
}}
""")
        self.web = subprocess.Popen(["nginx", "-c", main, "-p", w],
                                    stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(
                                        self.logdir, "nginx.out"), "w"))

    def _start_apache(self):
        inc = os.path.join(self.workdir, "apache-jta.conf")
        with open(inc, "w") as f:
            f.write(self._apache_access(self._ours("apache-conf/jta.conf")))
        self._admin_access()
        main = os.path.join(self.workdir, "apache2.conf")
        mods = "\n".join(
            "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so" % (m, m)
            for m in APACHE_MODULES)
        with open(main, "w") as f:
            f.write(f"""ServerRoot {self.workdir}
{mods}
PidFile {self.rundir}/apache2.pid
DefaultRuntimeDir {self.rundir}
Mutex file:{self.rundir} default
ErrorLog {self.logdir}/apache-error.log
LogLevel warn
User {WEB_USER}
Group {WEB_USER}
TypesConfig /etc/mime.types
ServerName localhost
# Stopped with SIGWINCH (graceful-stop): children finish what they hold.
GracefulShutdownTimeout 5
ServerTokens Prod
ServerSignature Off
Listen 127.0.0.1:{self.port}
<VirtualHost 127.0.0.1:{self.port}>
    Include {inc}
</VirtualHost>
""")
        self.web = subprocess.Popen(["/usr/sbin/apache2", "-f", main,
                                     "-DFOREGROUND"],
                                    stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(
                                        self.logdir, "apache.out"), "w"))

    def _wait_up(self):
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError("%s exited at start; see %s" % (
                    self.server, self.logdir))
            try:
                self.request("GET", "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s did not answer within 15 s" % self.server)

    # ---- use ----------------------------------------------------------

    def request(self, method, path, body=None, headers=None, raw_body=None,
                timeout=15):
        """One request over a fresh connection: (status, headers with
        lower-case names, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            data = raw_body if raw_body is not None else body
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()

    def pids_of(self, program):
        """The worker processes of one program (from its pid file)."""
        try:
            with open(os.path.join(self.sockdir, program + ".pid")) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def program_pids(self):
        pids = []
        for p in PROGRAMS:
            try:
                with open(os.path.join(self.sockdir, p + ".pid")) as f:
                    pids += [int(x) for x in f.read().split()]
            except OSError:
                pass
        return pids

    # ---- tear-down ----------------------------------------------------

    def stop(self):
        """Stop the web server, then the programs (SIGTERM: they finish
        and exit normally, so leak checkers report), bounded in time."""
        if self.web is not None and self.web.poll() is None:
            # Apache: graceful-stop (SIGWINCH) lets each child finish the
            # connection it holds; a plain SIGTERM racing a child that is
            # closing one has made Apache's own child segfault now and
            # then.  nginx: SIGQUIT is its graceful shutdown.
            self.web.send_signal(signal.SIGWINCH if self.server == "apache"
                                 else signal.SIGQUIT)
            try:
                self.web.wait(10)
            except subprocess.TimeoutExpired:
                self.web.kill()
                self.web.wait(5)
        if self.started_programs:
            pids = self.program_pids()
            subprocess.run(["sh", os.path.join(self.srcdir, "nginx-conf",
                                               "jta-spawn-fcgi"), "stop"],
                           env=self._spawn_env(), timeout=30)
            deadline = time.time() + 10
            while pids and time.time() < deadline:
                pids = [p for p in pids if _alive(p)]
                time.sleep(0.05)
            for p in pids:
                os.kill(p, signal.SIGKILL)
            self.started_programs = False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (spawn-fcgi's children are reparented to init) is gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
