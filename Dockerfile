# The relapsed-ALL pathway explorer as a container: Streamlit on port 8501, run as a non-root user.
# Build: docker build -t relapsed-all-explorer .
# Run:   docker run --rm -p 127.0.0.1:8501:8501 --read-only --tmpfs /tmp -e BASE_PATH=/pathways relapsed-all-explorer
# Settings (environment): STREAMLIT_SERVER_PORT, BASE_PATH (the sub-path, e.g. /pathways: the same setting as
# scripts/run.sh, the systemd unit, render_nginx.py and deploy/k8s/), PATHWAY_FILE.
# Pinned by exact tag; pin the digest too (FROM python:3.11.13-slim-bookworm@sha256:...) once you have pulled it.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Graphviz's dot draws the graph, for the page (as an SVG image) and for the SVG download; Pango, HarfBuzz and the
# DejaVu fonts lay out the PDF handout (WeasyPrint), offline.
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 explorer \
 && useradd --system --uid 10001 --gid explorer --home-dir /home/explorer --create-home --shell /usr/sbin/nologin explorer

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Code and content belong to root and are read-only for the app's user.
COPY app.py views.py i18n.py serving.py embedding.py guard.py logs.py ./
COPY deploy/embed/frame-size.js ./deploy/embed/
COPY pathways ./pathways
COPY .streamlit ./.streamlit

USER explorer

ENV STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    BASE_PATH="" \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/cache \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; base = os.environ.get('BASE_PATH', '').strip('/'); urllib.request.urlopen('http://127.0.0.1:%s/%s_stcore/health' % (os.environ.get('STREAMLIT_SERVER_PORT', '8501'), base + '/' if base else ''), timeout=4)"]

# A shell only to pass BASE_PATH on; exec leaves Streamlit as the container's main process (signals reach it).
CMD ["sh", "-c", "exec python -m streamlit run app.py --server.baseUrlPath \"$BASE_PATH\""]
