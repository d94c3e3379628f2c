#!/bin/sh
# Entry point of the production image (see docker-compose.yml).
#   web          apply migrations, then serve with gunicorn on 0.0.0.0:8000
#   anything else is run as given: the celery worker and beat commands,
#                `python manage.py createsuperuser`, a shell...
set -eu

# Refuse to start rather than run on the settings' development-only key or SQLite.
for name in DJANGO_SECRET_KEY DATABASE_URL; do
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
        echo "$name is not set: copy .env.example to .env and fill it in." >&2
        exit 1
    fi
done

if [ "${1:-web}" = "web" ]; then
    # Two web containers starting together would both migrate; run one web
    # service (scale gunicorn with GUNICORN_WORKERS instead).
    python manage.py migrate --noinput
    exec gunicorn zhaoqing_tracker.wsgi \
        --bind 0.0.0.0:8000 \
        --workers "${GUNICORN_WORKERS:-3}" \
        --access-logfile -
fi
exec "$@"
