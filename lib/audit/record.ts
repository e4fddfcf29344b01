import type { Db } from "@/db/client";
import { insertAuditEvent, type AuditInput } from "@/db/queries/audit";

/** Actions recorded in the audit log; one place so the admin page can offer them as a filter. */
export const AUDIT_ACTIONS = [
  "user.sign_in",
  "user.create",
  "user.update",
  "user.delete",
  "user.sessions_revoke",
  "user.sso_name_taken",
  "role.update",
  "token.create",
  "token.revoke",
  "server.start",
  "server.stop",
  "server.cull",
  "server.fail",
  "server.delete",
  "server.admin_open",
  "server.shared_open",
  "share.create",
  "share.revoke",
  "share.code_create",
  "share.code_revoke",
  "share.code_accept",
  "environment.create",
  "environment.update",
  "environment.delete",
  "package.install",
  "storage.recount",
  "job.create",
  "job.update",
  "job.delete",
  "job.pause",
  "job.resume",
  "job.run",
  "job.cancel",
  "endpoint.create",
  "endpoint.config_update",
  "endpoint.permissions_update",
  "endpoint.tags_update",
  "endpoint.delete",
  "endpoint.rollout",
  "endpoint.rollout_failed",
  "project.create",
  "project.update",
  "project.delete",
  "project.member_add",
  "project.member_update",
  "project.member_remove",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function recordAudit(db: Db, event: AuditInput & { action: AuditAction }): Promise<void> {
  return insertAuditEvent(db, event);
}
