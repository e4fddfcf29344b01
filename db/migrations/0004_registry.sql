CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"experiment_id" bigint NOT NULL,
	"name" text NOT NULL,
	"digest" text NOT NULL,
	"source_type" text NOT NULL,
	"source" text NOT NULL,
	"schema" text,
	"profile" text
);
--> statement-breakpoint
CREATE TABLE "model_version_tags" (
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "model_version_tags_name_version_key_pk" PRIMARY KEY("name","version","key")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_updated_time" bigint NOT NULL,
	"description" text,
	"user_id" text NOT NULL,
	"current_stage" text DEFAULT 'None' NOT NULL,
	"source" text NOT NULL,
	"run_id" text,
	"run_link" text,
	"status" text DEFAULT 'READY' NOT NULL,
	"status_message" text,
	CONSTRAINT "model_versions_name_version_pk" PRIMARY KEY("name","version")
);
--> statement-breakpoint
CREATE TABLE "registered_model_aliases" (
	"name" text NOT NULL,
	"alias" text NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "registered_model_aliases_name_alias_pk" PRIMARY KEY("name","alias")
);
--> statement-breakpoint
CREATE TABLE "registered_model_tags" (
	"name" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "registered_model_tags_name_key_pk" PRIMARY KEY("name","key")
);
--> statement-breakpoint
CREATE TABLE "registered_models" (
	"name" text PRIMARY KEY NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_updated_time" bigint NOT NULL,
	"description" text,
	"user_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_input_tags" (
	"input_id" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_input_tags_input_id_name_pk" PRIMARY KEY("input_id","name")
);
--> statement-breakpoint
CREATE TABLE "run_inputs" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"run_uuid" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_version_tags" ADD CONSTRAINT "model_version_tags_name_registered_models_name_fk" FOREIGN KEY ("name") REFERENCES "public"."registered_models"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_name_registered_models_name_fk" FOREIGN KEY ("name") REFERENCES "public"."registered_models"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "registered_model_aliases" ADD CONSTRAINT "registered_model_aliases_name_registered_models_name_fk" FOREIGN KEY ("name") REFERENCES "public"."registered_models"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "registered_model_tags" ADD CONSTRAINT "registered_model_tags_name_registered_models_name_fk" FOREIGN KEY ("name") REFERENCES "public"."registered_models"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "run_input_tags" ADD CONSTRAINT "run_input_tags_input_id_run_inputs_id_fk" FOREIGN KEY ("input_id") REFERENCES "public"."run_inputs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_experiment_name_digest_idx" ON "datasets" USING btree ("experiment_id","name","digest");--> statement-breakpoint
CREATE INDEX "model_versions_run_idx" ON "model_versions" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "model_versions_updated_idx" ON "model_versions" USING btree ("last_updated_time");--> statement-breakpoint
CREATE INDEX "registered_models_updated_idx" ON "registered_models" USING btree ("last_updated_time");--> statement-breakpoint
CREATE UNIQUE INDEX "run_inputs_dataset_run_idx" ON "run_inputs" USING btree ("dataset_id","run_uuid");--> statement-breakpoint
CREATE INDEX "run_inputs_run_idx" ON "run_inputs" USING btree ("run_uuid");