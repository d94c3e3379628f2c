"""Production settings pass Django's deploy checks, and the one switch behind them does what it says.

docker-compose.yml runs behind a TLS-terminating proxy with DJANGO_HTTPS=1: plain http is
redirected, HSTS is sent, cookies are Secure. ``make run`` and the tests run without it, over plain
http, and must keep working there. The settings are read once, when Django starts, so each case
starts manage.py in a subprocess with exactly its environment (none of the variables of this run).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
HOST = "tracker.example.org"
# What docker-compose.yml and .env.example give the web container.
PRODUCTION = {
    "DJANGO_HTTPS": "1",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
}
# A Django system check's message names its id, e.g. "?: (security.W004) You have not set …".
CHECK_MESSAGE = re.compile(r"\(\w+(?:\.\w+)*\.[WE]\d+\)")

# Run inside the subprocess: how the sign-in page and the page docker/healthcheck.py asks for
# answer over plain http and through the proxy (X-Forwarded-Proto: https), as JSON.
PROBE = """
import json, os
from django.test import Client

client = Client(HTTP_HOST=os.environ["PROBE_HOST"])
answers = {}
for path in ("/accounts/login/", "/admin/login/"):
    for scheme, headers in (("http", {}), ("https", {"HTTP_X_FORWARDED_PROTO": "https"})):
        response = client.get(path, **headers)
        cookie = response.cookies.get("csrftoken")
        answers[f"{scheme} {path}"] = {
            "status": response.status_code,
            "location": response.get("Location"),
            "hsts": response.get("Strict-Transport-Security"),
            "secure_cookie": bool(cookie and cookie["secure"]),
        }
print(json.dumps(answers))
"""


def manage(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """manage.py with none of the settings' variables from this run, plus ``variables``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    # No database is needed; this keeps the subprocess from touching any real one.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    env.update(variables)
    return subprocess.run(
        [sys.executable, MANAGE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def probe(tmp_path, host: str, **variables: str) -> dict:
    done = manage(tmp_path, "shell", "-c", PROBE, PROBE_HOST=host, **variables)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deploy_check_with_no_warning(tmp_path, figure):
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert CHECK_MESSAGE.findall(output) == [], output
    assert "System check identified no issues" in output, output
    figure("manage.py check --deploy, production settings", warnings=0)


@pytest.mark.parametrize(
    "switch",
    [{"DJANGO_HTTPS": "1"}, {"DJANGO_SECURE_COOKIES": "1"}],
    ids=["DJANGO_HTTPS", "the earlier DJANGO_SECURE_COOKIES"],
)
def test_production_redirects_plain_http_and_keeps_browsers_on_https(tmp_path, switch):
    others = {name: value for name, value in PRODUCTION.items() if name != "DJANGO_HTTPS"}
    answers = probe(tmp_path, HOST, **others, **switch)
    for path in ("/accounts/login/", "/admin/login/"):
        assert answers[f"http {path}"]["status"] == 301
        assert answers[f"http {path}"]["location"] == f"https://{HOST}{path}"
        # Through the proxy (the health check sends the same header): answered, not redirected.
        https = answers[f"https {path}"]
        assert https["status"] == 200, https
        assert https["hsts"] == "max-age=31536000; includeSubDomains; preload"
        assert https["secure_cookie"] is True


def test_without_the_switch_the_embedded_default_answers_plain_http(tmp_path):
    # What `make run` sets; the host is Django's test client's, one of the default ALLOWED_HOSTS.
    answers = probe(tmp_path, "testserver", DJANGO_DEBUG="1")
    for path in ("/accounts/login/", "/admin/login/"):
        http = answers[f"http {path}"]
        assert (http["status"], http["location"], http["hsts"]) == (200, None, None), http
        assert http["secure_cookie"] is False  # a browser on http://127.0.0.1 sends it back
