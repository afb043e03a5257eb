FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite+aiosqlite:////app/data/peerbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY migrations ./migrations
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app peerbot \
    && mkdir -p /app/data \
    && chown peerbot /app/data

USER peerbot
VOLUME ["/app/data"]
ENTRYPOINT ["peerbot"]
CMD ["run"]
