# syntax=docker/dockerfile:1

# Build: install everything, compile TypeScript (src/ and migrations/ into dist/), then keep only
# production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: the compiled app on a slim image. The files stay owned by root and the process runs as the
# image's unprivileged `node` user (numeric, so Kubernetes can verify runAsNonRoot), which cannot
# change them; it writes nothing but, outside production, DATA_DIR under /tmp.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/tmp/app-data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node directly (not npm) so that SIGTERM reaches the process and the graceful drain runs.
# Migrations without starting the service (a Kubernetes Job, for instance):
#   node node_modules/typeorm/cli.js migration:run -d dist/src/scripts/cli-data-source.js
CMD ["node", "dist/src/main.js"]
