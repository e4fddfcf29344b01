import { bigserial, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export interface LimitOverrides {
  maxCpu?: number;
  maxMemGb?: number;
  maxServers?: number;
  maxTotalCpu?: number;
  maxTotalMemGb?: number;
}

export const roles = pgTable("roles", {
  name: text("name").primaryKey(),
  /** Per server. */
  maxCpu: real("max_cpu").notNull(),
  maxMemGb: real("max_mem_gb").notNull(),
  maxServers: integer("max_servers").notNull(),
  /** Summed over a person's running servers. */
  maxTotalCpu: real("max_total_cpu").notNull(),
  maxTotalMemGb: real("max_total_mem_gb").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type RoleSource = "default" | "oidc" | "admin" | "config";

export const users = pgTable(
  "users",
  {
    name: text("name").primaryKey(),
    displayName: text("display_name"),
    email: text("email"),
    role: text("role")
      .notNull()
      .references(() => roles.name, { onUpdate: "cascade" }),
    roleSource: text("role_source").$type<RoleSource>().notNull().default("default"),
    limits: jsonb("limits").$type<LimitOverrides>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
  },
  (t) => [
    index("users_role_idx").on(t.role),
  ],
);

export type TokenKind = "personal" | "workspace";

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userName: text("user_name")
      .notNull()
      .references(() => users.name, { onDelete: "cascade", onUpdate: "cascade" }),
    /** sha256 of the token; the token itself is never stored. */
    hash: text("hash").notNull(),
    kind: text("kind").$type<TokenKind>().notNull().default("personal"),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_tokens_hash_idx").on(t.hash), index("api_tokens_user_idx").on(t.userName)],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_at_idx").on(t.at), index("audit_actor_idx").on(t.actor, t.at), index("audit_action_idx").on(t.action, t.at)],
);
