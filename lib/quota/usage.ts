import type { Db } from "@/db/client";

export interface Usage {
  cpu: number;
  memGb: number;
  servers: number;
}

/** What a person's running servers hold now. Until workspaces exist nobody holds anything. */
export async function currentUsage(_db: Db, _name: string): Promise<Usage> {
  return { cpu: 0, memGb: 0, servers: 0 };
}
