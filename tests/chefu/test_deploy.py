"""deploy/: the environment reference lists what the settings read, production keeps no state in a web process, and
two web processes (two gunicorns, production settings, as behind deploy/nginx/chefu.conf) share sessions and
throttles."""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import PASSWORD, UserFactory

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
# Where the project reads its environment: every Python file but the tests', the benchmarks' and migrations.
_SKIP = {".venv", "tests", "bench", "migrations", "node_modules", "staticfiles", "var", "media"}
_READ = re.compile(
    r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ(?:\.get)?\s*[\[(]\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)

HOST = "chefu.example.com"
# What production.py requires, for a web process started by the test (TRUSTED_PROXY_COUNT=1: deploy/nginx's).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "chefu.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": HOST,
    "WAGTAILADMIN_BASE_URL": f"https://{HOST}",
    "TRUSTED_PROXY_COUNT": "1",
}


def _python_files() -> Iterator[Path]:
    for path in ROOT.rglob("*.py"):
        if not _SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def _variables_read() -> dict[str, str]:
    found = {}
    for path in _python_files():
        for match in _READ.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(next(g for g in match.groups() if g), str(path.relative_to(ROOT)))
    return found


def test_the_environment_reference_lists_every_variable_the_settings_read():
    read = _variables_read()
    listed = set(_LISTED.findall((DEPLOY / "env.example").read_text(encoding="utf-8")))

    # the scan itself works: it sees what base.py, production.py, test.py and environment.py read
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY_COUNT", "TEST_REDIS_DB", "PRIVATE_MEDIA_ROOT"} <= set(read)
    missing = {name: where for name, where in read.items() if name not in listed}
    assert not missing, f"add these to deploy/env.example (read in): {missing}"
    stale = listed - set(read) - {"DJANGO_SETTINGS_MODULE"}
    assert not stale, f"deploy/env.example lists variables nothing reads: {sorted(stale)}"


def test_environment_py_reads_django_settings_module():
    # chefu/environment.py reads it through a constant, which the scan above does not see.
    from chefu import environment

    assert environment.VARIABLE == "DJANGO_SETTINGS_MODULE"


def _production_settings(*names: str) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": "postgis://u:p@127.0.0.1:5432/none"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_keeps_sessions_caches_and_throttles_out_of_the_process():
    values = _production_settings("SESSION_ENGINE", "CACHES", "TRUSTED_PROXY_COUNT", "SECURE_PROXY_SSL_HEADER")

    assert values["SESSION_ENGINE"] in (
        "chefu.sessions",
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.db",
    )
    # Every cache (the throttles' counters and the SMS codes' secrets use the default one's Redis) is Redis.
    assert values["CACHES"], "no cache configured"
    for alias, cache in values["CACHES"].items():
        assert cache["BACKEND"] == "django_redis.cache.RedisCache", alias
        assert cache["LOCATION"].startswith(("redis://", "rediss://")), alias
    assert values["TRUSTED_PROXY_COUNT"] == 1
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_nginx_configuration_matches_the_settings():
    """What can be checked without nginx: the internal location is the one the settings' example names, the proxy
    headers are the ones TRUSTED_PROXY_COUNT=1 expects, and the body limit fits PHOTO_MAX_BYTES."""
    conf = (DEPLOY / "nginx" / "chefu.conf").read_text(encoding="utf-8")
    env_example = (DEPLOY / "env.example").read_text(encoding="utf-8")

    accel = re.search(r"^PRIVATE_MEDIA_ACCEL_REDIRECT=(\S+)$", env_example, re.MULTILINE).group(1)
    private_root = re.search(r"^PRIVATE_MEDIA_ROOT=(\S+)$", env_example, re.MULTILINE).group(1)
    assert re.search(rf"location {re.escape(accel)} \{{\s*internal;\s*alias {re.escape(private_root)}/;", conf)
    assert accel != settings.PRIVATE_MEDIA_URL  # the public URL goes to the app, which checks who asks
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    limit_mb = int(re.search(r"^    client_max_body_size (\d+)m;", conf, re.MULTILINE).group(1))
    assert settings.PHOTO_MAX_BYTES < limit_mb * 1024 * 1024 <= settings.PHOTO_MAX_BYTES + 2 * 1024 * 1024
    assert f"alias {Path(settings.STATIC_ROOT).name}" not in conf  # the deployed path, not the checkout's name
    assert "alias /srv/chefu/staticfiles/;" in conf


def _nginx() -> str:
    """The nginx program (Debian's is in /usr/sbin, which a user's PATH may lack). `scripts/setup.sh --dev` installs
    it, so CI (CI=true, set by .ci/run) fails without it; elsewhere the test is skipped."""
    found = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if found is None:
        message = "nginx is not installed here: `scripts/setup.sh --dev` (make setup-dev) installs it, never started"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(tz=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain, private


def test_nginx_accepts_the_configuration(tmp_path):
    """`nginx -t` on deploy/nginx/chefu.conf as installed: inside the `http` block of a main configuration that
    keeps nginx's own files (pid, logs, temporary bodies) in a temporary directory, with a throwaway certificate
    where the deployed one would be and free loopback ports for 80 and 443, so it runs as any user, beside any other
    server."""
    nginx = _nginx()
    conf = (DEPLOY / "nginx" / "chefu.conf").read_text(encoding="utf-8")
    chain, private = _self_signed_certificate(tmp_path)
    for deployed, local in (("/etc/ssl/chefu/fullchain.pem", chain), ("/etc/ssl/chefu/privkey.pem", private)):
        assert deployed in conf
        conf = conf.replace(deployed, str(local))
    # `nginx -t` binds what it listens on: ports of its own on the loopback (not 80 and 443, which need root and may
    # be taken), one per `listen`, keeping each one's options (ssl, http2).
    conf, listens = re.subn(
        r"^(\s*listen )(?:\[::\]:)?(?:80|443)\b", lambda m: f"{m.group(1)}127.0.0.1:{_free_port()}", conf, flags=re.M
    )
    assert listens == 4
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n    access_log {tmp_path / 'access.log'};\n{temp_paths}\n{conf}\n}}\n",
        encoding="utf-8",
    )

    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr


def test_the_systemd_units_start_what_serve_sh_starts():
    web = (DEPLOY / "chefu-web.service").read_text(encoding="utf-8")
    worker = (DEPLOY / "chefu-worker@.service").read_text(encoding="utf-8")
    beat = (DEPLOY / "chefu-beat.service").read_text(encoding="utf-8")
    migrate = (DEPLOY / "chefu-migrate.service").read_text(encoding="utf-8")

    assert "gunicorn chefu.wsgi:application" in web
    assert "EnvironmentFile=/etc/chefu/worker-%i.env" in worker
    assert "--queues ${CELERY_QUEUES}" in worker
    assert "beat" in beat and "django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert "Type=oneshot" in migrate and "manage.py migrate --noinput" in migrate
    for unit in (web, worker, beat, migrate):
        assert "EnvironmentFile=/etc/chefu/chefu.env" in unit


def test_the_web_and_workers_of_a_machine_share_one_metrics_directory_emptied_when_they_start():
    metrics_dir = (DEPLOY / "chefu-metrics-dir.service").read_text(encoding="utf-8")
    web = (DEPLOY / "chefu-web.service").read_text(encoding="utf-8")
    worker = (DEPLOY / "chefu-worker@.service").read_text(encoding="utf-8")

    # a oneshot that stays active: it runs (emptying the directory) only when it starts, not when one of them restarts
    assert "Type=oneshot" in metrics_dir and "RemainAfterExit=yes" in metrics_dir
    runtime = re.search(r"^RuntimeDirectory=(\S+)$", metrics_dir, re.MULTILINE).group(1)
    assert "ExecStart=/usr/bin/find /run/chefu/prometheus -mindepth 1 -delete" in metrics_dir
    for unit in (web, worker):
        assert f"Environment=PROMETHEUS_MULTIPROC_DIR=/run/{runtime}\n" in unit
        assert "Requires=chefu-metrics-dir.service" in unit
        assert re.search(r"^After=.*\bchefu-metrics-dir\.service\b", unit, re.MULTILINE)
    # gunicorn marks a worker that exits dead there (deploy/gunicorn.conf.py's child_exit), as scripts/serve.sh does
    assert "-c deploy/gunicorn.conf.py" in web
    assert "-c deploy/gunicorn.conf.py" in (ROOT / "scripts" / "serve.sh").read_text(encoding="utf-8")


# --- two web processes ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One gunicorn web process on its own port, reached as nginx would reach it."""

    def __init__(self, port: int, process: subprocess.Popen):
        self.port = port
        self.process = process

    def request(self, method: str, path: str, *, body=None, cookies: dict | None = None, csrf: str | None = None):
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.7",
            "Origin": f"https://{HOST}",
            "Content-Type": "application/json",
        }
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if csrf:
            headers["X-CSRFToken"] = csrf
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            set_cookies = {}
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    set_cookies[key] = rest.split(";", 1)[0]
            return response.status, (json.loads(data) if data else None), set_cookies
        finally:
            conn.close()


@pytest.fixture
def two_nodes(transactional_db, django_db_serialized_rollback) -> Iterator[tuple[Node, Node]]:
    db = connection.settings_dict
    redis = settings.CACHES["default"]["LOCATION"]
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "DATABASE_URL": f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "REDIS_URL": redis,
        "CACHE_URL": redis,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "GUNICORN_CMD_ARGS": "",
    }
    nodes = []
    try:
        for _ in range(2):
            port = _free_port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "chefu.wsgi:application",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            nodes.append(Node(port, process))
        deadline = time.monotonic() + 90
        for node in nodes:
            while True:
                assert node.process.poll() is None, node.process.stderr.read().decode()[-3000:]
                try:
                    if node.request("GET", "/api/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not answer in 90 s"
                time.sleep(0.3)
        yield nodes[0], nodes[1]
    finally:
        for node in nodes:
            node.process.terminate()
        for node in nodes:
            try:
                node.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()
            node.process.stderr.close()


def test_two_web_processes_share_the_session_and_the_throttles(two_nodes):
    # given two web processes (production settings, behind one trusted proxy) and a user
    a, b = two_nodes
    user = UserFactory()
    # The test settings hash with MD5, which production does not accept: a hash production knows (few iterations).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    user.save(update_fields=["password"])
    csrf = secrets.token_hex(16)  # a browser's csrftoken cookie: 32 characters, echoed in X-CSRFToken

    # when the user signs in on A
    status, body, set_cookies = a.request(
        "POST",
        "/api/v1/auth/session",
        body={"phone": user.phone, "password": PASSWORD},
        cookies={"csrftoken": csrf},
        csrf=csrf,
    )
    assert status == 200, body
    session = set_cookies[settings.SESSION_COOKIE_NAME]
    cookies = {settings.SESSION_COOKIE_NAME: session, "csrftoken": set_cookies["csrftoken"]}

    # then B knows them (and A still does); without the cookie B does not
    assert b.request("GET", "/api/v1/me/vehicles", cookies=cookies)[0] == 200
    assert a.request("GET", "/api/v1/me/vehicles", cookies=cookies)[0] == 200
    assert b.request("GET", "/api/v1/me/vehicles")[0] == 401

    # when they sign out on B, then A no longer knows the session
    status, body, _ = b.request("DELETE", "/api/v1/auth/session", cookies=cookies, csrf=body["csrf_token"])
    assert status == 204, body
    assert a.request("GET", "/api/v1/me/vehicles", cookies=cookies)[0] == 401

    # and wrong passwords from one address count on both nodes together (LOGIN_THROTTLE_MAX_PER_PHONE_IP)
    wrong = {"phone": user.phone, "password": "wrong-password-1"}
    tries = settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP
    for i in range(tries):
        node = (a, b)[i % 2]
        status, body, _ = node.request(
            "POST", "/api/v1/auth/session", body=wrong, cookies={"csrftoken": csrf}, csrf=csrf
        )
        assert status == 401, (i, body)
    status, body, _ = a.request("POST", "/api/v1/auth/session", body=wrong, cookies={"csrftoken": csrf}, csrf=csrf)
    assert status == 429, body
