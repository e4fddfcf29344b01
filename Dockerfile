# The portal image: Node 20 on Debian, the production build, and tsx to run server.ts.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npx next build
EXPOSE 3000
CMD ["node_modules/.bin/tsx", "server.ts"]
