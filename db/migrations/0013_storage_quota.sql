CREATE TABLE "storage_usage" (
	"user_name" text PRIMARY KEY NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "roles" ADD COLUMN "max_storage_gb" real DEFAULT 10 NOT NULL;--> statement-breakpoint
-- The seeded roles' storage quotas (db/seed.ts); roles an admin added keep the column's default of 10 GiB.
UPDATE "roles" SET "max_storage_gb" = 50 WHERE "name" = 'power';
--> statement-breakpoint
UPDATE "roles" SET "max_storage_gb" = 200 WHERE "name" = 'admin';
