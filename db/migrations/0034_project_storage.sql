ALTER TABLE "experiments" ADD COLUMN "artifact_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "max_storage_gb" real;