CREATE TABLE "experiment_permissions" (
	"experiment_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"permission" text NOT NULL,
	"granted_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiment_permissions_experiment_id_user_id_pk" PRIMARY KEY("experiment_id","user_id"),
	CONSTRAINT "experiment_permissions_permission" CHECK ("experiment_permissions"."permission" in ('NO_PERMISSIONS', 'READ', 'USE', 'EDIT', 'MANAGE'))
);
--> statement-breakpoint
CREATE TABLE "registered_model_permissions" (
	"name" text NOT NULL,
	"user_id" text NOT NULL,
	"permission" text NOT NULL,
	"granted_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "registered_model_permissions_name_user_id_pk" PRIMARY KEY("name","user_id"),
	CONSTRAINT "registered_model_permissions_permission" CHECK ("registered_model_permissions"."permission" in ('NO_PERMISSIONS', 'READ', 'USE', 'EDIT', 'MANAGE'))
);
--> statement-breakpoint
ALTER TABLE "server_shares" DROP CONSTRAINT "server_shares_one_grantee";--> statement-breakpoint
ALTER TABLE "server_shares" ADD COLUMN "grantee_project_id" text;--> statement-breakpoint
ALTER TABLE "experiment_permissions" ADD CONSTRAINT "experiment_permissions_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_permissions" ADD CONSTRAINT "experiment_permissions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_permissions" ADD CONSTRAINT "experiment_permissions_granted_by_users_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ADD CONSTRAINT "registered_model_permissions_name_registered_models_name_fk" FOREIGN KEY ("name") REFERENCES "public"."registered_models"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ADD CONSTRAINT "registered_model_permissions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ADD CONSTRAINT "registered_model_permissions_granted_by_users_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "experiment_permissions_user_idx" ON "experiment_permissions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "registered_model_permissions_user_idx" ON "registered_model_permissions" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "server_shares" ADD CONSTRAINT "server_shares_grantee_project_id_projects_id_fk" FOREIGN KEY ("grantee_project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "server_shares_project_idx" ON "server_shares" USING btree ("user_name","server_name","grantee_project_id");--> statement-breakpoint
CREATE INDEX "server_shares_grantee_project_idx" ON "server_shares" USING btree ("grantee_project_id");--> statement-breakpoint
ALTER TABLE "server_shares" ADD CONSTRAINT "server_shares_one_grantee" CHECK (num_nonnulls("server_shares"."grantee_user_id", "server_shares"."grantee_group", "server_shares"."grantee_project_id") = 1);