# truto-log-mcp as a container: `serve --transport http` for a team (see docs/install.md, "Container").
# Build: docker build -t truto-log-mcp .
# Run:   docker run -p 8000:8000 -e TRUTO_MCP_BEARER_TOKEN=... -e TRUTO_MCP_ALLOWED_HOSTS=logs.example.com \
#          -e TRUTO_API_TOKEN=... truto-log-mcp        (or --multi-user instead of TRUTO_API_TOKEN)
# The server refuses to listen beyond loopback without a bearer token and allowed host names.

# ---- build: the project and its dependencies into a virtualenv ----------------------------------
FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md LICENSE /src/
COPY truto_log_mcp /src/truto_log_mcp
RUN /opt/venv/bin/pip install "/src[redis]"

# ---- run: the virtualenv alone, as an unprivileged user -----------------------------------------
FROM python:3.12-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin truto
COPY --from=build /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["truto-log-mcp"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
