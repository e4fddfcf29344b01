CREATE TABLE "logged_model_inputs" (
	"run_uuid" text NOT NULL,
	"model_id" text NOT NULL,
	CONSTRAINT "logged_model_inputs_run_uuid_model_id_pk" PRIMARY KEY("run_uuid","model_id")
);
--> statement-breakpoint
CREATE TABLE "logged_model_metrics" (
	"model_id" text NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"timestamp" bigint NOT NULL,
	"step" bigint NOT NULL,
	"run_id" text,
	"dataset_name" text,
	"dataset_digest" text
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "storage_location" text;--> statement-breakpoint
ALTER TABLE "logged_model_inputs" ADD CONSTRAINT "logged_model_inputs_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "logged_model_metrics" ADD CONSTRAINT "logged_model_metrics_model_id_logged_models_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."logged_models"("model_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "logged_model_metrics_model_key_idx" ON "logged_model_metrics" USING btree ("model_id","key","timestamp");