# filingwatch in a container: the daemon (default) or `serve`, state in the /data volume.
#   docker build -t filingwatch .
#   docker run --rm filingwatch example-config > config.toml   # edit, then put it in the volume
#   docker run -d -v fwdata:/data filingwatch                    # = filingwatch run --config /data/config.toml
# The image is built from a wheel, so it also proves the wheel carries its data.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin filingwatch \
    && mkdir /data && chown filingwatch:filingwatch /data
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm /tmp/*.whl
USER filingwatch
WORKDIR /data
VOLUME ["/data"]
ENV PYTHONUNBUFFERED=1
EXPOSE 8001
# Healthy = the database opens and answers (the daemon's crawl health is in `filingwatch runs`).
HEALTHCHECK --interval=5m --timeout=30s --start-period=1m --retries=3 \
    CMD ["filingwatch", "query", "--config", "/data/config.toml", "SELECT COUNT(*) FROM source_runs"]
ENTRYPOINT ["filingwatch"]
CMD ["run", "--config", "/data/config.toml"]
