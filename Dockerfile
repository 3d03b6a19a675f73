# syntax=docker/dockerfile:1
# Two images from one file (docs/deploy.md):
#
#   docker build --target web    -t nngpt-web .     # the site: gunicorn, results consumer,
#                                                   # similarity/bulk worker, scheduler; no PyTorch
#   docker build --target grader -t nngpt-grader .  # a grading worker, CPU build of PyTorch
#   docker build --target grader --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu130 \
#       -t nngpt-grader-cuda .                      # the same worker with a CUDA build
#
# Everything is installed and built here (requirements, static files, translations); a
# container only runs it. No secret is in any layer: the one build step that needs a
# SECRET_KEY (collectstatic loads the settings) gets a throw-away value on its own RUN line.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- common base: the interpreter, a non-root user -----------------------------------
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app/platform:/app \
    GRADER_EXERCISES_DIR=/app/exercises \
    VAR_DIR=/tmp/var
RUN groupadd --gid 1000 app \
 && useradd --uid 1000 --gid app --create-home --shell /usr/sbin/nologin app
WORKDIR /app

# --- the site's build: requirements, translations, static files ----------------------
FROM base AS web-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements-site.txt ./
RUN pip install -r requirements-site.txt
# The site's code and what it reads: the grading engine's pure parts (grader.quiz, content),
# the exercise content (the web and the workers must hold the same), the health check.
COPY manage.py ./
COPY platform ./platform
COPY grader ./grader
COPY exercises ./exercises
COPY deploy/healthcheck.py ./deploy/healthcheck.py
# Both commands load the settings, which require a SECRET_KEY: a build-only dummy on this RUN
# line (not ENV, so no later layer or container sees it). Neither opens a database.
RUN SECRET_KEY=build-only-not-a-secret VAR_DIR=/tmp/build-var STATIC_ROOT=/app/staticfiles \
    sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput' \
 && rm -rf /tmp/build-var
# Bytecode now: the containers' root file system is read-only, so Python could not cache it
# later (a file that does not compile, e.g. a package's template, is skipped, hence `|| true`).
RUN python -m compileall -q platform grader deploy /opt/venv || true

# --- web: the site only ---------------------------------------------------------------
FROM base AS web
COPY --from=web-build /opt/venv /opt/venv
COPY --from=web-build /app /app
# The scheduler's schedule file lives in a volume mounted here (owned by app, copied into a
# new named volume from the image).
RUN mkdir -p /var/lib/celery-beat && chown app:app /var/lib/celery-beat
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]

# --- grader: a grading worker ---------------------------------------------------------
FROM base AS grader
# bubblewrap: the cold-path sandbox; libseccomp2: the sandbox's seccomp filter;
# util-linux: prlimit (per-job limits).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap libseccomp2 util-linux \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
# The CPU build of PyTorch unless told otherwise (a CUDA index such as .../whl/cu130 for a
# GPU machine); the version is the one pinned in requirements-grader.txt.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements-grader.txt ./
RUN pip install --index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple \
        "$(grep -E '^torch==' requirements-grader.txt)" \
 && pip install -r requirements-grader.txt
# The grading engine, the exercise content and the health check; no site code or settings.
COPY grader ./grader
COPY exercises ./exercises
COPY deploy/healthcheck.py ./deploy/healthcheck.py
RUN python -m compileall -q grader deploy /opt/venv || true
USER app
HEALTHCHECK --interval=30s --timeout=20s --start-period=120s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "worker"]
CMD ["python", "-m", "grader.queues", "cpu", "--exec", "-c", "1", "--prefetch-multiplier", "1", "-n", "cpu@%h"]
