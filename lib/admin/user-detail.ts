import type { Db } from "@/db/client";
import { searchAudit } from "@/db/queries/audit-search";
import { findRole } from "@/db/queries/roles";
import { allRows } from "@/db/queries/readable";
import { listServersOf } from "@/db/queries/servers";
import { findUser } from "@/db/queries/users";
import { auditView, type AuditView } from "@/lib/audit/search";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";
import { storageUsageOf, type StorageUsage } from "@/lib/quota/storage";
import { heldBy, type Usage } from "@/lib/quota/holdings";
import { userView, type UserView } from "@/lib/users/view";
import { serverView, type ServerView } from "@/lib/workspaces/view";

export interface UserDetail {
  user: UserView;
  roleLimits: Limits;
  limits: Limits;
  usage: Usage;
  /** Artifact bytes owned against the storage quota. */
  storage: StorageUsage;
  servers: ServerView[];
  /** The newest things done by or to this person. */
  recent: AuditView[];
}

/** Everything the per-person admin page shows; null when there is no such person. */
export async function getUserDetail(db: Db, name: string): Promise<UserDetail | null> {
  const user = await findUser(db, name);
  const role = user ? await findRole(db, user.role) : undefined;
  if (!user || !role) return null;
  const limits = effectiveLimits(role, user.limits);
  const [usage, storage, servers, byThem, toThem] = await Promise.all([
    heldBy(db, user.id),
    storageUsageOf(db, user.id, limits.maxStorageGb),
    listServersOf(db, user.id, allRows),
    searchAudit(db, { actor: name, offset: 0, limit: 10 }),
    searchAudit(db, { target: name, offset: 0, limit: 10 }),
  ]);
  const seen = new Set<number>();
  const recent = [...byThem.items, ...toThem.items]
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id)
    .slice(0, 10)
    .map(auditView);
  return {
    user: userView(user),
    roleLimits: effectiveLimits(role, {}),
    limits,
    usage,
    storage,
    servers: servers.map(serverView),
    recent,
  };
}
