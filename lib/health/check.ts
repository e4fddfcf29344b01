import { sql } from "drizzle-orm";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { replicaState, type ReplicaState } from "@/lib/leader/state";

export interface Health {
  status: "ok" | "degraded";
  db: "ok" | "down";
  engine: "ok" | "down";
  /** Which portal process answered, and whether it runs the background loops. */
  replica: ReplicaState;
}

async function answers(p: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p().then((v) => v !== false), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The portal keeps serving when the engine is down; health says "degraded" so operators notice. */
export async function checkHealth(): Promise<Health> {
  const [db, engine] = await Promise.all([
    answers(async () => (await getDb()).execute(sql`select 1`), 3000),
    answers(() => getSpawner().ping(), 3000),
  ]);
  return { status: db && engine ? "ok" : "degraded", db: db ? "ok" : "down", engine: engine ? "ok" : "down", replica: replicaState() };
}
