import type { Db } from "@/db/client";
import { sumActiveUsage } from "@/db/queries/servers";

export interface Usage {
  cpu: number;
  memGb: number;
  servers: number;
}

/** What a person's servers hold now: pending, running and stopping servers all count. */
export function currentUsage(db: Db, name: string): Promise<Usage> {
  return sumActiveUsage(db, name);
}
