import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, parseConfig } from "./index";

type Env = Record<string, string>;
/** Next's types make NODE_ENV required on ProcessEnv; these tests pass partial environments on purpose. */
const cfg = (env: Env) => parseConfig(env as NodeJS.ProcessEnv);

const oidcEnv = {
  OIDC_ISSUER: "https://idp.example.com/realms/corp",
  OIDC_CLIENT_ID: "atrium",
  OIDC_CLIENT_SECRET: "s3cret",
};

function configError(env: Env): ConfigError {
  let caught: unknown;
  try {
    cfg(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe("parseConfig defaults", () => {
  it("gives every default with an empty environment", () => {
    expect(cfg({})).toStrictEqual({
      databaseUrl: undefined,
      dataDir: ".atrium",
      defaultPermission: "READ",
      authSecret: undefined,
      oidc: undefined,
      adminUsers: ["admin"],
      spawner: "docker",
      dockerHost: undefined,
      dockerNetwork: undefined,
      portalContainer: undefined,
      swarmNetwork: "atrium-swarm",
      swarmPublish: "host",
      pypiIndexUrl: undefined,
      servingBundleMaxBytes: 2048 * 1024 * 1024,
      serving: { tickMs: 2000, drainMs: 30_000, idleMs: 1_800_000, targetConcurrency: 4, scaleDownMs: 300_000 },
      publicUrl: "http://localhost:3000",
      workspacePortalUrl: "http://host.docker.internal:3000",
      workspacePortalUrlGiven: false,
      workspaceListenHost: "auto",
      workspacePipIndexUrl: undefined,
      idleTimeoutMin: 0,
      bootstrapToken: undefined,
      port: 3000,
      listenHost: "127.0.0.1",
      spawnTimeoutS: 120,
      artifactS3: undefined,
      workspaceHost: undefined,
      adminAccess: false,
      servingRequestLog: true,
      usageSampleMs: 60_000,
      jobs: { tickMs: 5000, pollMs: 1000, logMaxBytes: 64 * 1024 * 1024, spoolDir: ".atrium/job-spool" },
      events: { tickMs: 1000, retentionDays: 7 },
      metrics: { token: undefined, allow: [] },
      allowedHosts: [],
      webhooks: {
        allowedSchemes: ["https"],
        allowPrivateIps: false,
        secretEncryptionKey: undefined,
        requestTimeoutMs: 30_000,
        maxRetries: 3,
      },
    });
  });

  it("reads MLflow's MLFLOW_WEBHOOK_* switches and refuses bad values", () => {
    const w = cfg({
      MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "HTTPS, http",
      MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: "true",
      MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: "k".repeat(32),
      MLFLOW_WEBHOOK_REQUEST_TIMEOUT: "5",
      MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES: "0",
    }).webhooks;
    expect(w).toEqual({
      allowedSchemes: ["https", "http"],
      allowPrivateIps: true,
      secretEncryptionKey: "k".repeat(32),
      requestTimeoutMs: 5000,
      maxRetries: 0,
    });
    expect(() => cfg({ MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: "maybe" })).toThrow(/MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS is invalid/);
    expect(() => cfg({ MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: "short" })).toThrow(/at least 16 characters/);
    expect(() => cfg({ MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES: "50" })).toThrow(/from 0 to 10/);
  });

  it("reads ATRIUM_ALLOWED_HOSTS as lower-case host names, wildcards allowed, and refuses URLs and ports", () => {
    expect(cfg({ ATRIUM_ALLOWED_HOSTS: "Atrium.Example.com., *.corp.example, .lan, atrium" }).allowedHosts).toEqual([
      "atrium.example.com",
      "*.corp.example",
      ".lan",
      "atrium",
    ]);
    for (const bad of ["https://atrium.example.com", "atrium:3000", "a b", "*"])
      expect(configError({ ATRIUM_ALLOWED_HOSTS: bad }).message).toBe(
        `ATRIUM_ALLOWED_HOSTS is invalid: "${bad}" is not a host name such as atrium.example.com or *.example.com (no scheme, no port).`,
      );
  });

  it("reads the usage sampling interval in whole seconds from 1 to 3600", () => {
    expect(cfg({ ATRIUM_USAGE_SAMPLE_S: "5" }).usageSampleMs).toBe(5000);
    for (const bad of ["0", "1.5", "3601", "soon"])
      expect(() => cfg({ ATRIUM_USAGE_SAMPLE_S: bad })).toThrow(
        new ConfigError("ATRIUM_USAGE_SAMPLE_S is invalid: it must be a whole number of seconds from 1 to 3600."),
      );
  });

  it("reads the jobs loop's tick and poll in seconds, fractions allowed, from 0.05 to 3600", () => {
    expect(cfg({ ATRIUM_JOBS_TICK_S: "0.5", ATRIUM_JOBS_POLL_S: "2" }).jobs).toMatchObject({ tickMs: 500, pollMs: 2000 });
    for (const bad of ["0", "0.01", "3601", "soon"])
      expect(() => cfg({ ATRIUM_JOBS_POLL_S: bad })).toThrow(
        new ConfigError("ATRIUM_JOBS_POLL_S is invalid: it must be a number of seconds from 0.05 to 3600."),
      );
  });

  it("reads the events loop's tick in seconds and the retention in whole days from 1 to 365", () => {
    expect(cfg({ ATRIUM_EVENTS_TICK_S: "0.25", ATRIUM_EVENTS_RETENTION_DAYS: "30" }).events).toEqual({ tickMs: 250, retentionDays: 30 });
    for (const bad of ["0", "1.5", "366", "week"])
      expect(() => cfg({ ATRIUM_EVENTS_RETENTION_DAYS: bad })).toThrow(
        new ConfigError("ATRIUM_EVENTS_RETENTION_DAYS is invalid: it must be a whole number of days from 1 to 365."),
      );
  });

  it("spools ended executions' output under the data dir, not the OS temp dir", () => {
    expect(cfg({ ATRIUM_DATA_DIR: "/srv/atrium" }).jobs.spoolDir).toBe("/srv/atrium/job-spool");
  });

  it("reads where a job's log is cut in whole MiB from 1 to 4096", () => {
    expect(cfg({ ATRIUM_JOB_LOG_MAX_MIB: "8" }).jobs.logMaxBytes).toBe(8 * 1024 * 1024);
    for (const bad of ["0", "1.5", "4097", "lots"])
      expect(() => cfg({ ATRIUM_JOB_LOG_MAX_MIB: bad })).toThrow(
        new ConfigError("ATRIUM_JOB_LOG_MAX_MIB is invalid: it must be a whole number of MiB from 1 to 4096."),
      );
  });

  it("reads a serving bundle's cap in whole MiB from 1 to 65536, 2048 by default", () => {
    expect(cfg({}).servingBundleMaxBytes).toBe(2048 * 1024 * 1024);
    expect(cfg({ ATRIUM_SERVING_BUNDLE_MAX_MIB: "3" }).servingBundleMaxBytes).toBe(3 * 1024 * 1024);
    for (const bad of ["0", "1.5", "65537", "lots"])
      expect(() => cfg({ ATRIUM_SERVING_BUNDLE_MAX_MIB: bad })).toThrow(
        new ConfigError("ATRIUM_SERVING_BUNDLE_MAX_MIB is invalid: it must be a whole number of MiB from 1 to 65536."),
      );
  });

  it("reads the serving reconciler's tick, drain period, idle time (scale to zero) and load target and cool-down", () => {
    expect(
      cfg({
        ATRIUM_SERVING_TICK_S: "0.5",
        ATRIUM_SERVING_DRAIN_S: "3",
        ATRIUM_SERVING_IDLE_SECONDS: "60",
        ATRIUM_SERVING_TARGET_CONCURRENCY: "2.5",
        ATRIUM_SERVING_SCALE_DOWN_S: "60",
      }).serving,
    ).toEqual({ tickMs: 500, drainMs: 3000, idleMs: 60_000, targetConcurrency: 2.5, scaleDownMs: 60_000 });
    for (const bad of ["0", "0.05", "1001", "many"])
      expect(() => cfg({ ATRIUM_SERVING_TARGET_CONCURRENCY: bad })).toThrow(
        new ConfigError(
          "ATRIUM_SERVING_TARGET_CONCURRENCY is invalid: it must be a number of calls in flight per replica from 0.1 to 1000.",
        ),
      );
    for (const bad of ["9", "1.5", "86401"])
      expect(() => cfg({ ATRIUM_SERVING_SCALE_DOWN_S: bad })).toThrow(
        new ConfigError("ATRIUM_SERVING_SCALE_DOWN_S is invalid: it must be a whole number of seconds from 10 to 86400."),
      );
    for (const bad of ["9", "1.5", "604801", "lots"])
      expect(() => cfg({ ATRIUM_SERVING_IDLE_SECONDS: bad })).toThrow(
        new ConfigError("ATRIUM_SERVING_IDLE_SECONDS is invalid: it must be a whole number of seconds from 10 to 604800."),
      );
  });

  it("listens on loopback with the development sign-in, on every address with SSO, or where ATRIUM_LISTEN_HOST says", () => {
    const sso = { OIDC_ISSUER: "https://sso.example.com", OIDC_CLIENT_ID: "atrium", OIDC_CLIENT_SECRET: "s" };
    expect(cfg({}).listenHost).toBe("127.0.0.1");
    expect(cfg(sso).listenHost).toBe("0.0.0.0");
    expect(cfg({ ATRIUM_LISTEN_HOST: "0.0.0.0" }).listenHost).toBe("0.0.0.0");
    expect(cfg({ ...sso, ATRIUM_LISTEN_HOST: "[::1]" }).listenHost).toBe("::1");
    expect(() => cfg({ ATRIUM_LISTEN_HOST: "0.0.0.0; rm -rf /" })).toThrow(/ATRIUM_LISTEN_HOST is invalid/);
  });

  it("reads where workspaces reach the portal's APIs: auto, off or an IP address, and whether the operator named the portal's URL for them", () => {
    expect(cfg({})).toMatchObject({ workspaceListenHost: "auto", workspacePortalUrlGiven: false });
    expect(cfg({ ATRIUM_WORKSPACE_LISTEN_HOST: "off" }).workspaceListenHost).toBe("off");
    expect(cfg({ ATRIUM_WORKSPACE_LISTEN_HOST: "172.17.0.1" }).workspaceListenHost).toBe("172.17.0.1");
    expect(cfg({ ATRIUM_WORKSPACE_LISTEN_HOST: "[fd00::1]" }).workspaceListenHost).toBe("fd00::1");
    expect(cfg({ ATRIUM_WORKSPACE_PORTAL_URL: "http://portal:3000" }).workspacePortalUrlGiven).toBe(true);
    expect(() => cfg({ ATRIUM_WORKSPACE_LISTEN_HOST: "docker0" })).toThrow(
      /ATRIUM_WORKSPACE_LISTEN_HOST is invalid: it must be an IP address/,
    );
  });

  it("treats blank values as unset", () => {
    const c = cfg({ PORT: "   ", DATABASE_URL: "", AUTH_SECRET: " ", ATRIUM_IDLE_TIMEOUT_MIN: "", OIDC_ISSUER: "" });
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.authSecret).toBeUndefined();
    expect(c.idleTimeoutMin).toBe(0);
    expect(c.oidc).toBeUndefined();
  });

  it("derives the public and workspace addresses from PORT", () => {
    const c = cfg({ PORT: "8080" });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe("http://localhost:8080");
    expect(c.workspacePortalUrl).toBe("http://host.docker.internal:8080");
  });

  it("strips a trailing slash from ATRIUM_PUBLIC_URL and keeps an explicit workspace portal URL", () => {
    const c = cfg({ ATRIUM_PUBLIC_URL: "https://atrium.example.com/", ATRIUM_WORKSPACE_PORTAL_URL: "http://portal:3000" });
    expect(c.publicUrl).toBe("https://atrium.example.com");
    expect(c.workspacePortalUrl).toBe("http://portal:3000");
  });

  it("points workspaces at a local PyPI index through host.docker.internal", () => {
    const c = cfg({ PYPI_INDEX_URL: "http://localhost:3141/root/pypi/+simple/" });
    expect(c.pypiIndexUrl).toBe("http://localhost:3141/root/pypi/+simple/");
    expect(c.workspacePipIndexUrl).toBe("http://host.docker.internal:3141/root/pypi/+simple");
    const remote = cfg({ PYPI_INDEX_URL: "https://pypi.corp.example/simple" });
    expect(remote.workspacePipIndexUrl).toBe("https://pypi.corp.example/simple");
  });

  it("reads the remaining settings", () => {
    const c = cfg({
      DATABASE_URL: "postgresql://a:b@db:5432/atrium",
      ATRIUM_DATA_DIR: "/var/lib/atrium",
      AUTH_SECRET: "0123456789abcdef",
      ATRIUM_SPAWNER: "swarm",
      ATRIUM_SWARM_NETWORK: "atrium-net",
      ATRIUM_SWARM_PUBLISH: "none",
      ATRIUM_PORTAL_CONTAINER: "atrium_portal.1.abc",
      DOCKER_HOST: "tcp://docker:2375",
      ATRIUM_IDLE_TIMEOUT_MIN: "30",
      ATRIUM_BOOTSTRAP_TOKEN: "bootstrap-0123456789",
      ATRIUM_SPAWN_TIMEOUT_S: "300",
      ATRIUM_ADMIN_USERS: " alice , bob ,,",
    });
    expect(c.databaseUrl).toBe("postgresql://a:b@db:5432/atrium");
    expect(c.dataDir).toBe("/var/lib/atrium");
    expect(c.authSecret).toBe("0123456789abcdef");
    expect(c.spawner).toBe("swarm");
    expect(c.swarmNetwork).toBe("atrium-net");
    expect(c.portalContainer).toBe("atrium_portal.1.abc");
    expect(c.swarmPublish).toBe("none");
    expect(c.dockerHost).toBe("tcp://docker:2375");
    expect(c.idleTimeoutMin).toBe(30);
    expect(c.bootstrapToken).toBe("bootstrap-0123456789");
    expect(c.spawnTimeoutS).toBe(300);
    expect(c.adminUsers).toEqual(["alice", "bob"]);
  });
});

describe("parseConfig OIDC", () => {
  it("builds the OIDC settings", () => {
    const c = cfg({
      ...oidcEnv,
      OIDC_ADMIN_GROUPS: "ops, platform",
      OIDC_ROLE_GROUPS: "gpu-users=power, data-science = user",
      OIDC_DEFAULT_ROLE: "guest",
      OIDC_SCOPES: "openid profile email",
      OIDC_GROUPS_CLAIM: "groups_direct",
    });
    expect(c.oidc).toStrictEqual({
      issuer: "https://idp.example.com/realms/corp",
      clientId: "atrium",
      clientSecret: "s3cret",
      adminGroups: ["ops", "platform"],
      roleGroups: { "gpu-users": "power", "data-science": "user" },
      defaultRole: "guest",
      scopes: "openid profile email",
      groupsClaim: "groups_direct",
    });
    expect(Object.keys(c.oidc?.roleGroups ?? {})).toEqual(["gpu-users", "data-science"]);
  });

  it("defaults the role to user and the group lists to empty", () => {
    const c = cfg(oidcEnv);
    expect(c.oidc?.defaultRole).toBe("user");
    expect(c.oidc?.scopes).toBe("openid profile email groups");
    expect(c.oidc?.groupsClaim).toBe("groups");
    expect(c.oidc?.adminGroups).toEqual([]);
    expect(c.oidc?.roleGroups).toEqual({});
  });

  it("has no default admin user with OIDC, but the configured ones", () => {
    expect(cfg(oidcEnv).adminUsers).toEqual([]);
    expect(cfg({ ...oidcEnv, ATRIUM_ADMIN_USERS: "jane" }).adminUsers).toEqual(["jane"]);
    expect(cfg({ ATRIUM_ADMIN_USERS: "jane" }).adminUsers).toEqual(["jane"]);
  });
});

describe("parseConfig artifact storage on S3", () => {
  it("turns S3 on with the bucket alone, on AWS's own addressing", () => {
    expect(cfg({ ATRIUM_ARTIFACT_S3_BUCKET: "ml-artifacts" }).artifactS3).toStrictEqual({
      bucket: "ml-artifacts",
      prefix: undefined,
      endpoint: undefined,
      region: "us-east-1",
      forcePathStyle: false,
    });
  });

  it("uses path-style addressing with an endpoint unless told otherwise, and trims the prefix's slashes", () => {
    const minio = {
      ATRIUM_ARTIFACT_S3_BUCKET: "atrium",
      ATRIUM_ARTIFACT_S3_PREFIX: "/team-a/artifacts/",
      ATRIUM_ARTIFACT_S3_ENDPOINT: "http://minio:9000/",
      ATRIUM_ARTIFACT_S3_REGION: "eu-central-1",
      AWS_ACCESS_KEY_ID: "minioadmin",
      AWS_SECRET_ACCESS_KEY: "minioadmin",
    };
    expect(cfg(minio).artifactS3).toStrictEqual({
      bucket: "atrium",
      prefix: "team-a/artifacts",
      endpoint: "http://minio:9000",
      region: "eu-central-1",
      forcePathStyle: true,
    });
    expect(cfg({ ...minio, ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE: "false" }).artifactS3?.forcePathStyle).toBe(false);
    expect(cfg({ ATRIUM_ARTIFACT_S3_BUCKET: "atrium", ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE: "TRUE" }).artifactS3?.forcePathStyle).toBe(true);
  });

  it("keeps artifacts local when every S3 setting is blank", () => {
    expect(
      cfg({ ATRIUM_ARTIFACT_S3_BUCKET: " ", ATRIUM_ARTIFACT_S3_PREFIX: "", ATRIUM_ARTIFACT_S3_ENDPOINT: "" }).artifactS3,
    ).toBeUndefined();
    expect(cfg({ AWS_ACCESS_KEY_ID: "only-for-something-else" }).artifactS3).toBeUndefined();
  });
});

describe("parseConfig workspace host", () => {
  it("takes the domain with or without '*.', the port, and the portal's scheme", () => {
    expect(cfg({ ATRIUM_WORKSPACE_HOST: "*.WS.example.com", ATRIUM_PUBLIC_URL: "https://portal.example.org" }).workspaceHost).toEqual({
      domain: "ws.example.com",
      port: undefined,
      scheme: "https",
    });
    expect(cfg({ ATRIUM_WORKSPACE_HOST: "ws.localhost:4321" }).workspaceHost).toEqual({
      domain: "ws.localhost",
      port: "4321",
      scheme: "http",
    });
    expect(cfg({ ATRIUM_ADMIN_ACCESS: "true" }).adminAccess).toBe(true);
    expect(cfg({ ATRIUM_SERVING_REQUEST_LOG: "false" }).servingRequestLog).toBe(false);
  });
});

describe("parseConfig errors name the variable", () => {
  const cases: [Env, string][] = [
    [
      { ATRIUM_WORKSPACE_HOST: "https://ws.example.com" },
      'ATRIUM_WORKSPACE_HOST is invalid: it must be a host name such as "ws.example.com" or "*.ws.example.com", optionally with ":port".',
    ],
    [{ ATRIUM_WORKSPACE_HOST: "ws.example.com:0" }, "ATRIUM_WORKSPACE_HOST is invalid: its port must be between 1 and 65535."],
    [
      { ATRIUM_WORKSPACE_HOST: "example.com", ATRIUM_PUBLIC_URL: "https://portal.example.com" },
      "ATRIUM_WORKSPACE_HOST is invalid: the portal (portal.example.com) must not be on the workspace domain example.com.",
    ],
    [{ ATRIUM_ADMIN_ACCESS: "maybe" }, 'ATRIUM_ADMIN_ACCESS is invalid: it must be "true" or "false".'],
    [{ PORT: "abc" }, "PORT is invalid: it must be a positive whole number."],
    [{ PORT: "0" }, "PORT is invalid: it must be a positive whole number."],
    [{ PORT: "80.5" }, "PORT is invalid: it must be a positive whole number."],
    [{ PORT: "70000" }, "PORT is invalid: it must be a port number below 65536."],
    [{ PORT: "65536" }, "PORT is invalid: it must be a port number below 65536."],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL is invalid: it must start with postgres:// or postgresql://."],
    [{ OIDC_ISSUER: "https://idp.example.com" }, "OIDC_CLIENT_ID is missing: it is required when OIDC_ISSUER is set."],
    [
      { OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "atrium" },
      "OIDC_CLIENT_SECRET is missing: it is required when OIDC_ISSUER is set.",
    ],
    [{ OIDC_ISSUER: "idp.example.com" }, "OIDC_ISSUER is invalid: it must be an http(s) URL for the OIDC issuer."],
    [{ ...oidcEnv, OIDC_ROLE_GROUPS: "garbage" }, 'OIDC_ROLE_GROUPS is invalid: "garbage" should look like group=role.'],
    [{ ...oidcEnv, OIDC_ROLE_GROUPS: "a=user, =power" }, 'OIDC_ROLE_GROUPS is invalid: "=power" should look like group=role.'],
    [{ ATRIUM_SPAWNER: "k8s" }, 'ATRIUM_SPAWNER is invalid: it must be "docker" or "swarm".'],
    [
      { ATRIUM_PORTAL_CONTAINER: "portal; rm" },
      "ATRIUM_PORTAL_CONTAINER is invalid: it must be a container name or id (letters, digits, '_', '.', '-').",
    ],
    [{ ATRIUM_SWARM_NETWORK: "-bad name" }, "ATRIUM_SWARM_NETWORK is invalid: it must be a network name (letters, digits, '_', '.', '-')."],
    [
      { ATRIUM_SWARM_PUBLISH: "ingress" },
      'ATRIUM_SWARM_PUBLISH is invalid: it must be "host" (the portal runs on a host) or "none" (the portal is a service on ATRIUM_SWARM_NETWORK).',
    ],
    [{ ATRIUM_IDLE_TIMEOUT_MIN: "-1" }, "ATRIUM_IDLE_TIMEOUT_MIN is invalid: it must be a whole number of minutes (0 turns culling off)."],
    [{ ATRIUM_IDLE_TIMEOUT_MIN: "ten" }, "ATRIUM_IDLE_TIMEOUT_MIN is invalid: it must be a whole number of minutes (0 turns culling off)."],
    [{ AUTH_SECRET: "too-short" }, "AUTH_SECRET is invalid: it must be at least 16 characters."],
    [{ ATRIUM_BOOTSTRAP_TOKEN: "short" }, "ATRIUM_BOOTSTRAP_TOKEN is invalid: it must be at least 16 characters."],
    [{ ATRIUM_SPAWN_TIMEOUT_S: "-5" }, "ATRIUM_SPAWN_TIMEOUT_S is invalid: it must be a positive whole number."],
    [{ PYPI_INDEX_URL: "file:///simple" }, "PYPI_INDEX_URL is invalid: it must be an http(s) URL for the PyPI index."],
    [
      { ATRIUM_PUBLIC_URL: "atrium.example.com" },
      "ATRIUM_PUBLIC_URL is invalid: it must be an http(s) URL for the portal's public address.",
    ],
    ...["My_Bucket", "ab", "-atrium", "atrium.", "a..b", "x".repeat(64), "s3://atrium"].map((bucket): [Env, string] => [
      { ATRIUM_ARTIFACT_S3_BUCKET: bucket },
      "ATRIUM_ARTIFACT_S3_BUCKET is invalid: it must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.",
    ]),
    ...["a//b", "a/../b", "./a", "a\\b"].map((prefix): [Env, string] => [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", ATRIUM_ARTIFACT_S3_PREFIX: prefix },
      'ATRIUM_ARTIFACT_S3_PREFIX is invalid: it must be a key prefix such as "atrium/artifacts": segments joined by single slashes, none of them empty, "." or "..".',
    ]),
    [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", ATRIUM_ARTIFACT_S3_ENDPOINT: "minio:9000" },
      "ATRIUM_ARTIFACT_S3_ENDPOINT is invalid: it must be an http(s) URL for the S3-compatible artifact storage.",
    ],
    [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", ATRIUM_ARTIFACT_S3_REGION: "us east" },
      "ATRIUM_ARTIFACT_S3_REGION is invalid: it must be a region name such as us-east-1.",
    ],
    [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE: "sometimes" },
      'ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE is invalid: it must be "true" or "false".',
    ],
    [
      { ATRIUM_ARTIFACT_S3_ENDPOINT: "http://minio:9000" },
      "ATRIUM_ARTIFACT_S3_BUCKET is missing: it is required when ATRIUM_ARTIFACT_S3_ENDPOINT is set.",
    ],
    [
      { ATRIUM_ARTIFACT_S3_PREFIX: "artifacts" },
      "ATRIUM_ARTIFACT_S3_BUCKET is missing: it is required when ATRIUM_ARTIFACT_S3_PREFIX is set.",
    ],
    [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", AWS_ACCESS_KEY_ID: "minioadmin" },
      "AWS_SECRET_ACCESS_KEY is missing: it is required when AWS_ACCESS_KEY_ID is set.",
    ],
    [
      { ATRIUM_ARTIFACT_S3_BUCKET: "atrium", AWS_SECRET_ACCESS_KEY: "minioadmin" },
      "AWS_ACCESS_KEY_ID is missing: it is required when AWS_SECRET_ACCESS_KEY is set.",
    ],
  ];
  for (const [env, message] of cases) {
    it(`${JSON.stringify(env)} → ${message}`, () => {
      expect(configError(env).message).toBe(message);
    });
  }

  it("OIDC_ROLE_GROUPS is only checked when OIDC is on", () => {
    expect(cfg({ OIDC_ROLE_GROUPS: "garbage" }).oidc).toBeUndefined();
  });
});

describe("getConfig", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("parses process.env once and caches the result", async () => {
    vi.resetModules();
    vi.stubEnv("PORT", "4123");
    const { getConfig } = await import("./index");
    const first = getConfig();
    expect(first.port).toBe(4123);
    vi.stubEnv("PORT", "5000");
    expect(getConfig()).toBe(first);
    expect(getConfig().port).toBe(4123);
  });

  it("throws a ConfigError for a bad process.env", async () => {
    vi.resetModules();
    vi.stubEnv("PORT", "nope");
    const mod = await import("./index");
    expect(() => mod.getConfig()).toThrow(new mod.ConfigError("PORT is invalid: it must be a positive whole number."));
  });
});
