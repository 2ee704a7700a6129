# One image for the API and the worker (production-like runs with docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY adapters adapters
COPY observability observability
COPY db db
COPY api api
COPY web web
COPY data data
COPY deploy/logging-api.json deploy/logging-api.json
COPY worker.py settings.py codec.py process_gc.py ./
RUN pip install --no-cache-dir .
RUN useradd --system --home /app kuaichu && mkdir -p /app/var && chown kuaichu /app/var
USER kuaichu
EXPOSE 8000 9000
CMD ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets-sansio", "--log-config", "deploy/logging-api.json"]
