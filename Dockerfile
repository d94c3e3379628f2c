# Production image for Zhaoqing Tracker: one image for web, worker and beat
# (see docker-compose.yml). Static files are collected at build time and
# served by whitenoise; the container runs as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage

# PDF bulletins (supervision/bulletin_exports.py): WeasyPrint draws text with Pango
# (libpango, libpangoft2; HarfBuzz's subsetter keeps the embedded fonts small) and needs
# CJK fonts, or every Chinese character prints as a box.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /home/app --create-home app

WORKDIR /app

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt
# Only here, not in requirements.txt: WeasyPrint needs the system libraries above, which
# a developer's machine may lack. Without it (or without a CJK font) the app offers no PDF
# and the printable HTML page stands in (bulletin_exports.pdf_available()).
RUN pip install weasyprint==70.0

COPY . .

# The manifest storage needs the files collected before the first request.
# collectstatic touches no database; the key exists only for this build step.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput
# Uploaded ledgers (DJANGO_MEDIA_ROOT): the media volume mounts here, owned by the app user.
RUN mkdir -p /app/media && chown app:app /app/media

USER app
EXPOSE 8000

ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["web"]
