/** Fixed values shared by the global set-up (which starts the portals) and the tests. */
export const BOOTSTRAP_TOKEN = "e2e-bootstrap-token-0123456789abcdef";
export const AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789";
/** E2E_PORT_BASE lets several test runs share a machine (each developer picks its own base). */
const BASE = Number(process.env.E2E_PORT_BASE ?? 3300);
export const PORTS = { sso: BASE + 1, dev: BASE + 2, oidc: BASE + 9 } as const;
/** Ports for portals a single test starts and stops itself. */
export const extraPort = (n: number) => BASE + 10 + n;
export const localUrl = (port: number) => `http://localhost:${port}`;
// "localhost", not 127.0.0.1: Next rewrites 127.0.0.1 to localhost in request URLs, and cookies follow the host.
export const SSO_URL = `http://localhost:${PORTS.sso}`;
export const DEV_URL = `http://localhost:${PORTS.dev}`;

/** Postgres the e2e portals use; .ci/run creates it. */
export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_e2e";

export const TEST_USERS = [
  {
    sub: "u-alice",
    preferred_username: "alice",
    name: "Alice Liddell",
    email: "alice@example.com",
    groups: ["data-science"],
    password: "alice-pw",
  },
  {
    sub: "u-pat",
    preferred_username: "Pat.Power@Example.com",
    name: "Pat Power",
    email: "pat@example.com",
    groups: ["gpu-users", "data-science"],
    password: "pat-pw",
  },
  {
    sub: "u-root",
    preferred_username: "root-admin",
    name: "Root Admin",
    email: "root@example.com",
    groups: ["platform-admins"],
    password: "root-pw",
  },
  { sub: "u-bad", preferred_username: "!!!", name: "No Name", email: "", groups: [], password: "bad-pw" },
  // Two people whose names fold to one Atrium name, "jane-doe" (e2e/sso-sign-in.spec.ts).
  {
    sub: "u-jane-1",
    preferred_username: "Jane Doe",
    name: "Jane Doe",
    email: "jane@example.com",
    groups: ["data-science"],
    password: "jane1-pw",
  },
  { sub: "u-jane-2", preferred_username: "jane/doe", name: "Jane Other", email: "jdoe@example.com", groups: [], password: "jane2-pw" },
  // No preferred_username and an address nobody verified: it names no one, least of all root-admin.
  {
    sub: "u-unverified",
    login: "mallory",
    name: "Mallory",
    email: "root-admin@example.org",
    email_verified: false,
    groups: [],
    password: "mallory-pw",
  },
];

/** One portal per database kind: the SSO one on Postgres, the development one on PGlite. */
export const PORTALS = [
  { name: "postgres+sso", url: SSO_URL },
  { name: "pglite+dev", url: DEV_URL },
] as const;
