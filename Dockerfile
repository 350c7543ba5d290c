FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
COPY requirements.lock package.json package-lock.json .npmrc ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock && npm ci --no-audit --no-fund

COPY . .
RUN python scripts/compile_messages.py \
    && DJANGO_SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build \
       python manage.py collectstatic --no-input --settings wijkteam.settings.production

RUN useradd --system --uid 10001 wijkteam \
    && mkdir -p /var/lib/wijkteam/seals && chown wijkteam /var/lib/wijkteam/seals
USER wijkteam
EXPOSE 8000
