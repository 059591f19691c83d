# syntax=docker/dockerfile:1
# One image, two processes, chosen by the command:
#   docker run IMAGE app       the Streamlit app on 8501   (/_stcore/health)
#   docker run IMAGE service   the engine HTTP service on 8000 (/healthz)
# BASE_IMAGE: a public Python base on hosted runners; on machines without Docker Hub a local
# Debian made by deploy/build-image.sh (debootstrap, imported as localhost/debian:bookworm).
# Both must give Python 3.11 (the wheels in deploy/requirements.lock are cp311).
ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 PATH=/opt/venv/bin:$PATH

# A bare Debian has no Python: take Debian's 3.11 (apt's mirror is plain HTTP, no CA needed).
RUN if ! command -v python3 >/dev/null; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv && rm -rf /var/lib/apt/lists/*; \
    fi \
 && python3 -m venv /opt/venv \
 && groupadd --gid 10001 app \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/app --shell /usr/sbin/nologin app

# Every package pinned with its hash (deploy/requirements.lock, made from requirements.txt by
# deploy/lock.sh). A wheelhouse mounted at /wheels (deploy/build-image.sh: buildah -v) is used
# when present, with no network; otherwise PyPI, trusting the host's CA when it is passed as
# the build secret "hostca" (never stored in the image; hosted runners need neither).
COPY deploy/requirements.lock /tmp/requirements.lock
RUN --mount=type=secret,id=hostca \
    if [ -s /run/secrets/hostca ]; then export PIP_CERT=/run/secrets/hostca; fi; \
    if ls /wheels/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /wheels; else set --; fi; \
    pip install --no-cache-dir --require-hashes --only-binary=:all: "$@" -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock

WORKDIR /app
COPY . /app
USER 10001:10001
ENV HOME=/home/app APP_PORT=8501 SERVICE_PORT=8000 SERVICE_WORKERS=1
EXPOSE 8501 8000
# Healthy when whichever process this container runs answers its health path.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["app"]
