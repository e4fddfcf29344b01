import { sql } from "drizzle-orm";
import { getDb } from "@/lib/runtime/db";

export interface Health {
  status: "ok" | "degraded";
  db: "ok" | "down";
  engine: "ok" | "down" | "not_configured";
}

export type EngineProbe = () => Promise<boolean>;

const holder = globalThis as typeof globalThis & { __atriumEngineProbe?: EngineProbe };

/** The workspace layer registers how to ping the container engine; health reports it. */
export function registerEngineProbe(probe: EngineProbe): void {
  holder.__atriumEngineProbe = probe;
}

async function ok(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(): Promise<Health> {
  const db = (await ok(getDb().then((d) => d.execute(sql`select 1`)), 3000)) ? "ok" : "down";
  const probe = holder.__atriumEngineProbe;
  const engine = probe ? ((await ok(probe().then((up) => (up ? true : Promise.reject())), 3000)) ? "ok" : "down") : "not_configured";
  return { status: db === "ok" && engine !== "down" ? "ok" : "degraded", db, engine };
}
