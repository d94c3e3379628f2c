"""Health check of the web container: does gunicorn answer a page through Django?

Asks for the admin login page with a Host header Django accepts (the first
entry of DJANGO_ALLOWED_HOSTS), so the check itself never logs DisallowedHost.
Healthy when the answer is anything below 500.
"""

import http.client
import os
import sys

host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost"
if host == "*":
    host = "localhost"
elif host.startswith("."):  # ".example.org" allows every subdomain
    host = "www" + host

try:
    connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=5)
    connection.request("GET", "/admin/login/", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
except OSError as error:
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
print(status)
sys.exit(0 if status < 500 else 1)
