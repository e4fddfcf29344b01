-- The rest of one owner identity (issue 23): sessions and artifact storage keyed by a column named like every
-- other owner column, and workspace codes, workspace sessions and per-person usage samples keyed by the
-- person's id instead of her name, so a person created again under a deleted one's name inherits none of them.
ALTER TABLE "sessions" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "storage_usage" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "workspace_codes" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "workspace_codes" ADD COLUMN "principal_id" text;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ADD COLUMN "principal_id" text;--> statement-breakpoint
-- sessions.user_id and storage_usage.user_id already held ids: only the name of the column changes.
UPDATE "sessions" SET "owner_id" = "user_id";--> statement-breakpoint
UPDATE "storage_usage" SET "owner_id" = "user_id";--> statement-breakpoint
-- Workspace grants named the server's owner and the person they were issued to: the names become ids.
-- A grant whose server owner no longer exists (the name matches nobody) is dropped: it can only be the
-- deleted person's, and kept it would open her namesake's server of the same name.
UPDATE "workspace_codes" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."name" = t."user_name";--> statement-breakpoint
UPDATE "workspace_codes" AS t SET "principal_id" = u."id" FROM "users" AS u WHERE u."name" = t."principal_name";--> statement-breakpoint
UPDATE "workspace_sessions" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."name" = t."user_name";--> statement-breakpoint
UPDATE "workspace_sessions" AS t SET "principal_id" = u."id" FROM "users" AS u WHERE u."name" = t."principal_name";--> statement-breakpoint
DELETE FROM "workspace_codes" WHERE "owner_id" IS NULL OR "principal_id" IS NULL;--> statement-breakpoint
DELETE FROM "workspace_sessions" WHERE "owner_id" IS NULL OR "principal_id" IS NULL;--> statement-breakpoint
-- Per-person usage samples: a sample taken while today's holder of the name existed is hers; earlier ones
-- (a deleted or renamed person's) cannot be told apart by name and are dropped. Role and total rows keep them.
UPDATE "usage_samples" AS s SET "subject" = u."id" FROM "users" AS u
  WHERE s."scope" = 'user' AND u."name" = s."subject" AND s."at" >= date_trunc('minute', u."created_at");--> statement-breakpoint
DELETE FROM "usage_samples" WHERE "scope" = 'user' AND "subject" NOT IN (SELECT "id" FROM "users");--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "storage_usage" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_codes" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_codes" ALTER COLUMN "principal_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ALTER COLUMN "principal_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "workspace_codes" DROP CONSTRAINT "workspace_codes_principal_name_users_name_fk";--> statement-breakpoint
ALTER TABLE "workspace_sessions" DROP CONSTRAINT "workspace_sessions_principal_name_users_name_fk";--> statement-breakpoint
DROP INDEX "sessions_user_idx";--> statement-breakpoint
DROP INDEX "workspace_sessions_server_idx";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN "user_id";--> statement-breakpoint
ALTER TABLE "storage_usage" DROP COLUMN "user_id";--> statement-breakpoint
ALTER TABLE "storage_usage" ADD PRIMARY KEY ("owner_id");--> statement-breakpoint
ALTER TABLE "workspace_codes" DROP COLUMN "user_name";--> statement-breakpoint
ALTER TABLE "workspace_codes" DROP COLUMN "principal_name";--> statement-breakpoint
ALTER TABLE "workspace_sessions" DROP COLUMN "user_name";--> statement-breakpoint
ALTER TABLE "workspace_sessions" DROP COLUMN "principal_name";--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_codes" ADD CONSTRAINT "workspace_codes_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_codes" ADD CONSTRAINT "workspace_codes_principal_id_users_id_fk" FOREIGN KEY ("principal_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ADD CONSTRAINT "workspace_sessions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ADD CONSTRAINT "workspace_sessions_principal_id_users_id_fk" FOREIGN KEY ("principal_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_owner_idx" ON "sessions" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "workspace_sessions_server_idx" ON "workspace_sessions" USING btree ("owner_id","server_name");
