ALTER TABLE "api_tokens" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "owner_id" text;--> statement-breakpoint
-- Owners by id, from the names these rows hold: the names are foreign keys to users.name (deleted with
-- the person), so every row names a current person and is hers.
UPDATE "api_tokens" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."name" = t."user_name";--> statement-breakpoint
UPDATE "jobs" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."name" = t."owner_name";--> statement-breakpoint
UPDATE "servers" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."name" = t."user_name";--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "servers" ALTER COLUMN "owner_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "servers" ADD CONSTRAINT "servers_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_owner_idx" ON "api_tokens" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "jobs_owner_idx" ON "jobs" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "servers_owner_idx" ON "servers" USING btree ("owner_id","status");
