# Trợ lý số: web chat, console and (with TELEGRAM_BOT_TOKEN) the Telegram bot.
# Build:  docker build -t tro-ly-so .
# Run:    see README.md, "Deployment".

FROM python:3.11-slim AS build
WORKDIR /src
# setup.py puts the root faq.yaml into the package: the image carries the whole shipped content
COPY pyproject.toml README.md setup.py MANIFEST.in faq.yaml ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app trolyso \
 && mkdir -p /data/knowledge /data/db && chown -R trolyso /data
COPY --from=build /opt/venv /opt/venv
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    KNOWLEDGE_DIR=/data/knowledge \
    DATABASE_PATH=/data/db/tro_ly_so.sqlite \
    LOG_FORMAT=json
# Everything staff may change (faq.yaml, procedures/, sectors.yaml, lexicon.yaml) and the records survive
# upgrades: both live on volumes. The package's own copy is the read-only shipped default.
VOLUME ["/data/knowledge", "/data/db"]
WORKDIR /app
USER trolyso
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"
# SIGTERM: stop taking updates, answer the accepted ones, flush records, exit (see bot/runner.py).
STOPSIGNAL SIGTERM
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["python", "-m", "bot", "run"]
