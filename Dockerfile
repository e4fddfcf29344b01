# The portal image: Node 20 on Debian and the production build: Next's, and server.ts with lib/ and db/
# compiled into node_modules/@atrium/core (scripts/build-server.mjs), which plain node runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npm run build
EXPOSE 3000
CMD ["node", "--enable-source-maps", "node_modules/@atrium/core/server.js"]
