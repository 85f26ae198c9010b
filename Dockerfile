# The one image of web (gunicorn), worker and beat (Celery); see docker-compose.yml.
# It is built and run with scripts/entrypoint.sh, the same script that
# scripts/production-check.sh runs in CI on the real PostgreSQL and Redis.
FROM python:3.11-slim-bookworm

# The PostgreSQL major version of docker-compose.yml's `db` (a test keeps them equal): the
# image's pg_dump must not be older than the server it backs up. 15 is Debian bookworm's, so
# the image takes postgresql-client-15 from Debian like the machines CI runs on (the
# production check installs the same "image" set there).
ARG PG_MAJOR=15
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GOVREPORT_DATA_DIR=/data GOVREPORT_BACKUP_DIR=/backups DJANGO_STATIC_ROOT=/app/staticfiles

WORKDIR /app
COPY scripts/system-packages.sh scripts/
RUN PG_MAJOR=$PG_MAJOR bash scripts/system-packages.sh image && rm -rf /var/lib/apt/lists/*
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt
COPY . .
# Static files under the production settings (their manifest is checked), then the user the
# processes run as: it can write only the two volumes, /data and /backups.
RUN scripts/entrypoint.sh build-static \
 && useradd --system --home-dir /data --shell /usr/sbin/nologin govreport \
 && mkdir -p /data /backups && chown govreport:govreport /data /backups
USER govreport
EXPOSE 8000
CMD ["/app/scripts/entrypoint.sh", "web"]
