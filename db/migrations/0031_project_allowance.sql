ALTER TABLE "projects" ADD COLUMN "max_cpu" real;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "max_mem_gb" real;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "max_endpoints" integer;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "servers" ADD CONSTRAINT "servers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "servers_project_idx" ON "servers" USING btree ("project_id","status");