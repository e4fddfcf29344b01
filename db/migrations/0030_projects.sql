-- Projects (docs/projects.md). The upgrade path needs no backfill: a null project_id is its owner's personal
-- space, so every existing experiment, registered model, job and endpoint stays where it was, visible as before
-- under the default ATRIUM_DEFAULT_PERMISSION=READ.
CREATE TABLE "project_members" (
	"project_id" text NOT NULL,
	"user_id" text,
	"group_name" text,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_members_one_member" CHECK (("project_members"."user_id" is null) <> ("project_members"."group_name" is null)),
	CONSTRAINT "project_members_role" CHECK ("project_members"."role" in ('viewer', 'user', 'editor', 'owner'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "registered_models" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "project_members_user_idx" ON "project_members" USING btree ("project_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_members_group_idx" ON "project_members" USING btree ("project_id","group_name");--> statement-breakpoint
CREATE INDEX "project_members_by_user_idx" ON "project_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "project_members_by_group_idx" ON "project_members" USING btree ("group_name");--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD CONSTRAINT "serving_endpoints_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "experiments_project_idx" ON "experiments" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "experiments_owner_idx" ON "experiments" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "jobs_project_idx" ON "jobs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "registered_models_project_idx" ON "registered_models" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "registered_models_owner_idx" ON "registered_models" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "serving_endpoints_project_idx" ON "serving_endpoints" USING btree ("project_id");