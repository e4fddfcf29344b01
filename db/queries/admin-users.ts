import { and, asc, count, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { roles, servers, storageUsage, users, type LimitOverrides, type RoleSource } from "../schema";
import type { RoleLimits } from "./roles";
import { ACTIVE_STATES } from "./servers";
import { escapeLike } from "./like";

export const ADMIN_USER_SORTS = ["name", "role", "lastSeen", "servers", "cpu", "memGb"] as const;
export type AdminUserSort = (typeof ADMIN_USER_SORTS)[number];

export interface AdminUserRow {
  name: string;
  displayName: string | null;
  email: string | null;
  role: string;
  roleSource: RoleSource;
  limits: LimitOverrides;
  lastSeenAt: Date | null;
  createdAt: Date;
  /** The role's limits, for the effective limits (overrides win). */
  roleLimits: Omit<RoleLimits, "maxEndpoints" | "maxServingCpu" | "maxServingMemGb">;
  /** What the person's active servers hold now. */
  servers: number;
  cpu: number;
  memGb: number;
  /** Artifact bytes the person owns (lib/quota/storage.ts). */
  storedBytes: number;
}

/**
 * One page of the admin users table in one statement: each user with their role's limits and the
 * sums over their active servers (one grouped pass over servers, not a query per user), plus the
 * number of matches from a window count, so 10k+ users cost one round trip.
 */
export async function searchAdminUsers(
  db: Db,
  opts: { q?: string; role?: string; sort: AdminUserSort; dir: "asc" | "desc"; offset: number; limit: number },
): Promise<{ total: number; items: AdminUserRow[] }> {
  const held = db
    .select({
      userName: servers.userName,
      servers: sql<number>`count(*)`.as("held_servers"),
      cpu: sql<number>`sum(${servers.cpu})`.as("held_cpu"),
      memGb: sql<number>`sum(${servers.memGb})`.as("held_mem_gb"),
    })
    .from(servers)
    .where(inArray(servers.status, ACTIVE_STATES))
    .groupBy(servers.userName)
    .as("held");
  const heldServers = sql<number>`coalesce(${held.servers}, 0)`.mapWith(Number);
  const heldCpu = sql<number>`coalesce(${held.cpu}, 0)`.mapWith(Number);
  const heldMem = sql<number>`coalesce(${held.memGb}, 0)`.mapWith(Number);

  const conds: SQL[] = [];
  if (opts.q) {
    const p = `%${escapeLike(opts.q)}%`;
    const match = or(ilike(users.name, p), ilike(users.displayName, p), ilike(users.email, p));
    if (match) conds.push(match);
  }
  if (opts.role) conds.push(eq(users.role, opts.role));
  const where = conds.length ? and(...conds) : undefined;

  // Whitelisted sort keys; the name breaks ties so paging is stable.
  const key: Record<AdminUserSort, SQL> = {
    name: sql`${users.name}`,
    role: sql`${users.role}`,
    lastSeen: sql`${users.lastSeenAt}`,
    servers: heldServers,
    cpu: heldCpu,
    memGb: heldMem,
  };
  const order = opts.dir === "desc" ? sql`${key[opts.sort]} desc nulls last` : sql`${key[opts.sort]} asc nulls first`;

  const rows = await db
    .select({
      user: users,
      role: {
        maxCpu: roles.maxCpu,
        maxMemGb: roles.maxMemGb,
        maxServers: roles.maxServers,
        maxTotalCpu: roles.maxTotalCpu,
        maxTotalMemGb: roles.maxTotalMemGb,
        maxStorageGb: roles.maxStorageGb,
        maxPids: roles.maxPids,
      },
      servers: heldServers,
      storedBytes: sql<number>`coalesce(${storageUsage.bytes}, 0)`.mapWith(Number),
      cpu: heldCpu,
      memGb: heldMem,
      total: sql<number>`count(*) over ()`.mapWith(Number),
    })
    .from(users)
    .innerJoin(roles, eq(roles.name, users.role))
    .leftJoin(held, eq(held.userName, users.name))
    .leftJoin(storageUsage, eq(storageUsage.ownerId, users.id))
    .where(where)
    .orderBy(order, asc(users.name))
    .limit(opts.limit)
    .offset(opts.offset);

  // A page past the end has no row to carry the window count; count separately only then.
  const total = rows[0]?.total ?? (await db.select({ n: count() }).from(users).where(where))[0]?.n ?? 0;
  return {
    total,
    items: rows.map((r) => ({
      name: r.user.name,
      displayName: r.user.displayName,
      email: r.user.email,
      role: r.user.role,
      roleSource: r.user.roleSource,
      limits: r.user.limits,
      lastSeenAt: r.user.lastSeenAt,
      createdAt: r.user.createdAt,
      roleLimits: r.role,
      servers: r.servers,
      cpu: r.cpu,
      memGb: r.memGb,
      storedBytes: r.storedBytes,
    })),
  };
}

/** How many people have each role (roles nobody has are absent). */
export async function countUsersByRole(db: Db): Promise<Map<string, number>> {
  const rows = await db.select({ role: users.role, n: count() }).from(users).groupBy(users.role);
  return new Map(rows.map((r) => [r.role, r.n]));
}
