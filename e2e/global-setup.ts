import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, E2E_DATABASE_URL, PORTS, SSO_URL, TEST_USERS } from "./support/env";
import { startTestOidc } from "./support/oidc-server";
import { SERVER_ENTRY, startPortal, type RunningPortal } from "./support/portal";

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(process.cwd(), process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID")) || !existsSync(SERVER_ENTRY)) {
    throw new Error("No production build: run `npm run build` first (npm run test:e2e does).");
  }
  await resetDatabase(E2E_DATABASE_URL);
  const oidc = await startTestOidc({
    port: PORTS.oidc,
    redirectUris: [`${SSO_URL}/api/auth/callback/oidc`],
    users: TEST_USERS,
  });
  const common = { AUTH_SECRET, ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN };
  const started: RunningPortal[] = [];
  try {
    started.push(
      await startPortal("postgres-sso", PORTS.sso, {
        ...common,
        DATABASE_URL: E2E_DATABASE_URL,
        ATRIUM_PUBLIC_URL: SSO_URL,
        OIDC_ISSUER: oidc.issuer,
        OIDC_CLIENT_ID: oidc.clientId,
        OIDC_CLIENT_SECRET: oidc.clientSecret,
        OIDC_ADMIN_GROUPS: "platform-admins",
        OIDC_ROLE_GROUPS: "gpu-users=power,data-science=user",
      }),
    );
    started.push(
      await startPortal("pglite-dev", PORTS.dev, {
        ...common,
        ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-e2e-")),
        ATRIUM_PUBLIC_URL: DEV_URL,
        ATRIUM_ADMIN_USERS: "admin",
      }),
    );
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    await oidc.stop();
    throw err;
  }
  return async () => {
    await Promise.all(started.map((p) => p.stop()));
    await oidc.stop();
  };
}
