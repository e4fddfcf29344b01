/** What the share routes accept (JupyterHub's shapes, docs/sharing.md). */
import { z } from "zod";
import { userNameSchema } from "@/lib/auth/names";
import { projectNameSchema } from "@/lib/projects/schemas";
import { serverNameSchema } from "@/lib/workspaces/schemas";

/** The one permission a share gives, in JupyterHub's words; a filtered form (`access:servers!server=u/s`) is read as it. */
export const SHARE_SCOPE = "access:servers";

const groupSchema = z
  .string()
  .min(1)
  .max(256)
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must be a group name from your sign-in provider, without control characters");

/** `{ user }`, `{ group }` (JupyterHub's) or `{ project }` (its members), exactly one. */
const granteeSchema = z.union(
  [z.strictObject({ user: userNameSchema }), z.strictObject({ group: groupSchema }), z.strictObject({ project: projectNameSchema })],
  { error: 'Send exactly one of "user" (a person\'s name), "group" (an SSO group) or "project" (its members).' },
);
export type GranteeInput = z.output<typeof granteeSchema>;

/** POST: the grantee, and optionally the scopes (only access:servers exists). */
export const shareCreateSchema = z.union(
  [
    z.strictObject({ user: userNameSchema, scopes: z.array(z.string().max(200)).max(10).optional() }),
    z.strictObject({ group: groupSchema, scopes: z.array(z.string().max(200)).max(10).optional() }),
    z.strictObject({ project: projectNameSchema, scopes: z.array(z.string().max(200)).max(10).optional() }),
  ],
  { error: 'Send exactly one of "user" (a person\'s name), "group" (an SSO group) or "project" (its members), and optionally "scopes".' },
);

/** PATCH, as JupyterHub's: the scopes to take away from one grantee; taking access:servers ends the share. */
export const sharePatchSchema = z.union(
  [
    z.strictObject({ user: userNameSchema, scopes: z.array(z.string().max(200)).min(1).max(10) }),
    z.strictObject({ group: groupSchema, scopes: z.array(z.string().max(200)).min(1).max(10) }),
    z.strictObject({ project: projectNameSchema, scopes: z.array(z.string().max(200)).min(1).max(10) }),
  ],
  { error: 'Send "scopes" to revoke and exactly one of "user", "group" or "project".' },
);

/** DELETE: one grantee, or (no body, `{}`) every share of the server. */
export const shareDeleteSchema = z.union([granteeSchema, z.strictObject({})], {
  error: 'Send one of "user", "group" or "project" to revoke one share, or no body to revoke them all.',
});

/** `/api/shares/<user>/<server>` and `/api/share-codes/<user>/<server>`. */
export const sharedServerParams = z.object({ user: userNameSchema, server: serverNameSchema });

const MIN_CODE_TTL_S = 60;
export const DEFAULT_CODE_TTL_S = 24 * 3600;
const MAX_CODE_TTL_S = 7 * 24 * 3600;

export const codeCreateSchema = z.strictObject({
  expires_in: z
    .number()
    .int()
    .min(MIN_CODE_TTL_S, `must be at least ${MIN_CODE_TTL_S} seconds`)
    .max(MAX_CODE_TTL_S, `must be at most ${MAX_CODE_TTL_S} seconds (7 days)`)
    .optional(),
});

const codeSchema = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "must be a share code as the link carries it");
export const codeDeleteQuerySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9]{1,40}$/)
    .optional(),
  code: codeSchema.optional(),
});
export const acceptSchema = z.strictObject({ code: codeSchema });

/** Whether a scope named in a request is the share's one permission, for this server. */
export const isShareScope = (scope: string, serverLabel: string) =>
  scope === SHARE_SCOPE || scope === `${SHARE_SCOPE}!server=${serverLabel}`;
