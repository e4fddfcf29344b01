import { sql } from "drizzle-orm";
import type { Db } from "../client";
import { servers, type ServerState } from "../schema";

/** How many servers are in each state now (states with none are absent). */
export async function countServersByStatus(db: Db): Promise<Partial<Record<ServerState, number>>> {
  const rows = await db
    .select({ status: servers.status, n: sql<number>`count(*)`.mapWith(Number) })
    .from(servers)
    .groupBy(servers.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
