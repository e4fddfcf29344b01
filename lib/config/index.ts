import { z } from "zod";

/** Thrown when the environment is unusable; the message is one sentence naming the variable. */
export class ConfigError extends Error {}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: `must be an http(s) URL for ${what}`,
  });

const positiveInt = (fallback: number) =>
  optionalString
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .refine((n) => Number.isInteger(n) && n > 0, { message: "must be a positive whole number" });

const list = optionalString.transform((v) =>
  v === undefined ? [] : v.split(",").map((s) => s.trim()).filter(Boolean),
);

const envSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must start with postgres:// or postgresql://",
  }),
  ATRIUM_DATA_DIR: optionalString,
  AUTH_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  OIDC_ISSUER: url("the OIDC issuer"),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_ADMIN_GROUPS: list,
  OIDC_ROLE_GROUPS: optionalString,
  OIDC_DEFAULT_ROLE: optionalString,
  OIDC_SCOPES: optionalString,
  OIDC_GROUPS_CLAIM: optionalString,
  ATRIUM_ADMIN_USERS: list,
  ATRIUM_SPAWNER: optionalString.refine((v) => v === undefined || v === "docker" || v === "swarm", {
    message: 'must be "docker" or "swarm"',
  }),
  DOCKER_HOST: optionalString,
  ATRIUM_DOCKER_NETWORK: optionalString,
  PYPI_INDEX_URL: url("the PyPI index"),
  ATRIUM_PUBLIC_URL: url("the portal's public address"),
  ATRIUM_WORKSPACE_PORTAL_URL: url("the portal as seen from a workspace"),
  ATRIUM_WORKSPACE_PIP_INDEX_URL: url("the PyPI index as seen from a workspace"),
  ATRIUM_IDLE_TIMEOUT_MIN: optionalString
    .transform((v) => (v === undefined ? 0 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 0, { message: "must be a whole number of minutes (0 turns culling off)" }),
  ATRIUM_BOOTSTRAP_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  PORT: positiveInt(3000).refine((n) => n < 65536, { message: "must be a port number below 65536" }),
  ATRIUM_SPAWN_TIMEOUT_S: positiveInt(120),
});

export type RoleGroupMap = Record<string, string>;

export interface AtriumConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  authSecret: string | undefined;
  oidc: { issuer: string; clientId: string; clientSecret: string; adminGroups: string[]; roleGroups: RoleGroupMap; defaultRole: string; scopes: string; groupsClaim: string } | undefined;
  adminUsers: string[];
  spawner: "docker" | "swarm";
  dockerHost: string | undefined;
  dockerNetwork: string | undefined;
  pypiIndexUrl: string | undefined;
  publicUrl: string;
  workspacePortalUrl: string;
  workspacePipIndexUrl: string | undefined;
  idleTimeoutMin: number;
  bootstrapToken: string | undefined;
  port: number;
  spawnTimeoutS: number;
}

/** "data-science=user,gpu-users=power" → { "data-science": "user", "gpu-users": "power" } */
function parseRoleGroups(raw: string | undefined): RoleGroupMap {
  const map: RoleGroupMap = {};
  if (!raw) return map;
  for (const pair of raw.split(",")) {
    const [group, role] = pair.split("=").map((s) => s.trim());
    if (!group || !role) {
      throw new ConfigError(`OIDC_ROLE_GROUPS is invalid: "${pair.trim()}" should look like group=role.`);
    }
    map[group] = role;
  }
  return map;
}

/** Replaces the host of a URL so a container can reach a service listening on the host. */
function viaDockerHost(u: string): string {
  const parsed = new URL(u);
  if (parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1") parsed.hostname = "host.docker.internal";
  return parsed.toString().replace(/\/$/, "");
}

export function parseConfig(env: NodeJS.ProcessEnv): AtriumConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`${name} is invalid: it ${issue?.message ?? "has a bad value"}.`);
  }
  const e = parsed.data;
  let oidc: AtriumConfig["oidc"];
  if (e.OIDC_ISSUER) {
    if (!e.OIDC_CLIENT_ID) throw new ConfigError("OIDC_CLIENT_ID is missing: it is required when OIDC_ISSUER is set.");
    if (!e.OIDC_CLIENT_SECRET) throw new ConfigError("OIDC_CLIENT_SECRET is missing: it is required when OIDC_ISSUER is set.");
    oidc = {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      adminGroups: e.OIDC_ADMIN_GROUPS,
      roleGroups: parseRoleGroups(e.OIDC_ROLE_GROUPS),
      defaultRole: e.OIDC_DEFAULT_ROLE ?? "user",
      scopes: e.OIDC_SCOPES ?? "openid profile email groups",
      groupsClaim: e.OIDC_GROUPS_CLAIM ?? "groups",
    };
  }
  const publicUrl = (e.ATRIUM_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.ATRIUM_DATA_DIR ?? ".atrium",
    authSecret: e.AUTH_SECRET,
    oidc,
    adminUsers: e.ATRIUM_ADMIN_USERS.length > 0 ? e.ATRIUM_ADMIN_USERS : oidc ? [] : ["admin"],
    spawner: e.ATRIUM_SPAWNER === "swarm" ? "swarm" : "docker",
    dockerHost: e.DOCKER_HOST,
    dockerNetwork: e.ATRIUM_DOCKER_NETWORK,
    pypiIndexUrl: e.PYPI_INDEX_URL,
    publicUrl,
    workspacePortalUrl: e.ATRIUM_WORKSPACE_PORTAL_URL ?? viaDockerHost(`http://127.0.0.1:${e.PORT}`),
    workspacePipIndexUrl: e.ATRIUM_WORKSPACE_PIP_INDEX_URL ?? (e.PYPI_INDEX_URL ? viaDockerHost(e.PYPI_INDEX_URL) : undefined),
    idleTimeoutMin: e.ATRIUM_IDLE_TIMEOUT_MIN,
    bootstrapToken: e.ATRIUM_BOOTSTRAP_TOKEN,
    port: e.PORT,
    spawnTimeoutS: e.ATRIUM_SPAWN_TIMEOUT_S,
  };
}

let cached: AtriumConfig | undefined;

/** The process's configuration, parsed once. */
export function getConfig(): AtriumConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
