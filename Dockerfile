# syntax=docker/dockerfile:1
# One image for the worker and the Slack bot (docker-compose.yml picks the command).
# tsx (a runtime dependency) runs the TypeScript sources; the workflow code is bundled with
# webpack once, at image build (dist/workflow-bundle.json, keyed on the workflow sources), so
# the worker starts without bundling. The image carries the sources, that bundle and the
# production dependencies only.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file decides every version; dev tools (eslint, tsc, the test server) stay out.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MIGRATE_IDENTITY_DATA_DIR=/data
WORKDIR /app
# Code and dependencies belong to root and are read-only for the service user, which
# writes only to /data (the sandbox fleet's state file) and tsx's cache in /tmp.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY slack ./slack
COPY deploy/healthcheck.ts ./deploy/healthcheck.ts
RUN node --import tsx src/entrypoints/build-workflow-bundle.ts
RUN mkdir -p /data && chown node:node /data
USER node
CMD ["node", "--import", "tsx", "src/entrypoints/worker.ts"]
