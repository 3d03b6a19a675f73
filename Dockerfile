# One image for the web process, the results consumer and the grading workers.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap util-linux gettext \
 && rm -rf /var/lib/apt/lists/*

# Set PIP_EXTRA_INDEX_URL at build time to pick a CPU-only or CUDA build of torch.
ARG PIP_EXTRA_INDEX_URL=""
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 app && mkdir -p /app/var && chown app /app/var
ENV PYTHONPATH=/app/platform:/app \
    PYTHONUNBUFFERED=1
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
