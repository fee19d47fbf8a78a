# syntax=docker/dockerfile:1
# graphsvc API service. Build: docker build -t graphsvc .   (or: docker compose up --build)

# --- build stage: install the project into a virtualenv ----------------------
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY graphsvc ./graphsvc
RUN pip install .

# --- runtime stage -----------------------------------------------------------
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH"

RUN groupadd --system --gid 10001 graphsvc \
 && useradd --system --uid 10001 --gid graphsvc --no-create-home \
        --home-dir /app --shell /usr/sbin/nologin graphsvc \
 && mkdir -p /app \
 && chown graphsvc:graphsvc /app

COPY --from=build /opt/venv /opt/venv
# The Cypher constraints and indexes applied at start-up (see schema/neo4j.cypher).
COPY schema /app/schema
ENV GRAPHSVC_SCHEMA_DIR=/app/schema

WORKDIR /app
USER graphsvc:graphsvc

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["graphsvc", "serve", "--host", "0.0.0.0", "--port", "8000"]
