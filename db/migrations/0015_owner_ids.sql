ALTER TABLE "experiments" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "logged_models" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "registered_models" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "storage_usage" ADD COLUMN "user_id" text;--> statement-breakpoint
-- Owners by id, from the names stored so far. A name with no users row owns nothing now (admins only may
-- change such rows). A name that was deleted and created again (deleted_users) is a new person: she gets
-- only what was made since her row was created, not the deleted person's things. Runs carry no server-side
-- creation time, so their start time (client-given) decides for such names.
UPDATE "experiments" AS t SET "owner_id" = u."id" FROM "users" AS u
  WHERE u."name" = t."owner"
    AND (NOT EXISTS (SELECT 1 FROM "deleted_users" AS d WHERE d."name" = u."name") OR t."creation_time" >= extract(epoch FROM u."created_at") * 1000);--> statement-breakpoint
UPDATE "runs" AS t SET "owner_id" = u."id" FROM "users" AS u
  WHERE u."name" = t."user_id"
    AND (NOT EXISTS (SELECT 1 FROM "deleted_users" AS d WHERE d."name" = u."name") OR t."start_time" >= extract(epoch FROM u."created_at") * 1000);--> statement-breakpoint
UPDATE "registered_models" AS t SET "owner_id" = u."id" FROM "users" AS u
  WHERE u."name" = t."user_id"
    AND (NOT EXISTS (SELECT 1 FROM "deleted_users" AS d WHERE d."name" = u."name") OR t."creation_time" >= extract(epoch FROM u."created_at") * 1000);--> statement-breakpoint
UPDATE "logged_models" AS t SET "owner_id" = u."id" FROM "users" AS u
  WHERE u."name" = t."creator"
    AND (NOT EXISTS (SELECT 1 FROM "deleted_users" AS d WHERE d."name" = u."name") OR t."creation_time" >= extract(epoch FROM u."created_at") * 1000);--> statement-breakpoint
-- Storage counts move to the id. A re-created name's count mixes two people's bytes and cannot be split
-- here: it is dropped (she starts at 0) until an admin recounts (POST /api/admin/storage/recount), which
-- measures the store by owner id. Counts of names without a person (the bootstrap token's) are dropped:
-- what nobody owns is not counted.
UPDATE "storage_usage" AS s SET "user_id" = u."id" FROM "users" AS u
  WHERE u."name" = s."user_name" AND NOT EXISTS (SELECT 1 FROM "deleted_users" AS d WHERE d."name" = u."name");--> statement-breakpoint
DELETE FROM "storage_usage" WHERE "user_id" IS NULL;--> statement-breakpoint
ALTER TABLE "storage_usage" DROP COLUMN "user_name";--> statement-breakpoint
ALTER TABLE "storage_usage" ALTER COLUMN "user_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "storage_usage" ADD PRIMARY KEY ("user_id");
