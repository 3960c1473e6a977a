# oerlint: one image for the worker, beat and command-line jobs.
FROM python:3.12-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver chromium-headless-shell \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY harvester harvester
COPY checkers checkers
COPY rules rules
COPY store store
COPY sweeps sweeps
COPY reports reports
RUN pip install --no-cache-dir .
RUN useradd --create-home oerlint
USER oerlint
ENV OERLINT_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["oerlint"]
