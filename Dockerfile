FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENV_FILE= ENVIRONMENT=production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs a secret to start in production mode; this one is thrown away.
RUN SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))') \
    python manage.py collectstatic --noinput -v0
EXPOSE 8000
# Workers, timeouts and graceful shutdown: GUNICORN_* in the environment (gunicorn.conf.py).
ENV GUNICORN_BIND=0.0.0.0:8000 LOG_FORMAT=json
STOPSIGNAL SIGTERM
CMD ["gunicorn", "health_passport.wsgi", "--config", "gunicorn.conf.py"]
