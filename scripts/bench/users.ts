/**
 * npm run bench:users — the admin users table (lib/admin/users-table.ts: one SQL statement with the
 * role's limits, sums over active servers and a window count) over 10,000 users, 200 a page.
 * Server time is the call as a route makes it, after a warm-up. Target: p50 < 50 ms per page.
 * For scale: JupyterHub 3.0 answers GET /hub/api/users for 200 of 1,000 users in about 14 ms here.
 *
 * BENCH_DB=postgres (default) resets and uses TEST_DATABASE_URL; BENCH_DB=pglite runs in memory.
 * BENCH_USERS (10000), BENCH_SERVERS (1500 active servers), BENCH_RUNS (30 per case).
 */
import { performance } from "node:perf_hooks";
import { servers, users } from "../../db/schema";
import { withNewIdentity } from "../../db/queries/users";
import { openTestDatabase } from "../../db/testing";
import { adminUsersQuerySchema } from "../../lib/admin/schemas";
import { listAdminUsers } from "../../lib/admin/users-table";

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 1_500);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const KIND = process.env.BENCH_DB === "pglite" ? "pglite" : "postgres";
const TARGET_MS = 50;
const PAGE = 200;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  console.log(`bench:users — ${USERS} users, ${SERVERS} active servers, ${PAGE} a page, ${RUNS} runs per case, database ${KIND}`);
  const handle = await openTestDatabase(KIND);
  const db = handle.db;
  try {
    const roles = ["user", "power", "admin"];
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < USERS; i += 1000) {
      const batch = await db
        .insert(users)
        .values(
          Array.from({ length: Math.min(1000, USERS - i) }, (_, k) => {
            const n = i + k;
            return withNewIdentity({
              name: `user-${String(n).padStart(5, "0")}`,
              displayName: `Person ${n}`,
              email: `user${n}@corp.example`,
              role: roles[n % 17 === 0 ? 2 : n % 5 === 0 ? 1 : 0] ?? "user",
              roleSource: "oidc" as const,
              limits: n % 50 === 0 ? { maxTotalCpu: 6 } : {},
              lastSeenAt: n % 3 === 0 ? null : new Date(Date.now() - n * 60_000),
            });
          }),
        )
        .returning({ id: users.id });
      ids.push(...batch.map((u) => u.id));
    }
    for (let i = 0; i < SERVERS; i += 500) {
      await db.insert(servers).values(
        Array.from({ length: Math.min(500, SERVERS - i) }, (_, k) => {
          const n = i + k;
          return {
            userName: `user-${String((n * 7) % USERS).padStart(5, "0")}`,
            ownerId: ids[(n * 7) % USERS] ?? "",
            name: `s${n}`,
            environmentId: "python",
            cpu: 1 + (n % 4),
            memGb: 2 + (n % 8),
            status: n % 10 === 0 ? ("pending" as const) : ("running" as const),
          };
        }),
      );
    }
    console.log(`seeded in ${Math.round(performance.now() - t0)} ms`);

    const cases: [string, Record<string, unknown>][] = [
      ["first page by name", {}],
      ["page 26 of 50 by name", { offset: 5000 }],
      ["last page by name", { offset: USERS - PAGE }],
      ["by CPU held, most first", { sort: "cpu", dir: "desc" }],
      ["by last seen, page 10", { sort: "lastSeen", dir: "desc", offset: 1800 }],
      ["search 'user-01' (1,000 matches)", { q: "user-01" }],
      ["role power, by servers", { role: "power", sort: "servers", dir: "desc" }],
    ];
    let worst = 0;
    for (const [label, q] of cases) {
      const query = adminUsersQuerySchema.parse({ limit: PAGE, ...q });
      for (let i = 0; i < 3; i++) await listAdminUsers(db, query); // warm-up: plans, caches
      const times: number[] = [];
      let rows = 0;
      let total = 0;
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        const page = await listAdminUsers(db, query);
        times.push(performance.now() - start);
        rows = page.items.length;
        total = page.total;
      }
      const p50 = pct(times, 50);
      worst = Math.max(worst, p50);
      console.log(
        `  ${label.padEnd(36)} ${String(rows).padStart(3)} of ${String(total).padStart(5)}   p50 ${p50.toFixed(1).padStart(6)} ms   p95 ${pct(times, 95).toFixed(1).padStart(6)} ms   ${(p50 / TARGET_MS).toFixed(2)}× the ${TARGET_MS} ms target`,
      );
    }
    console.log(
      `worst p50 ${worst.toFixed(1)} ms = ${(worst / TARGET_MS).toFixed(2)}× the ${TARGET_MS} ms target: ${worst < TARGET_MS ? "PASS" : "FAIL"}`,
    );
    if (worst >= TARGET_MS) process.exitCode = 1;
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
