CREATE TABLE "logged_model_outputs" (
	"run_uuid" text NOT NULL,
	"model_id" text NOT NULL,
	"step" bigint NOT NULL,
	CONSTRAINT "logged_model_outputs_run_uuid_model_id_step_pk" PRIMARY KEY("run_uuid","model_id","step")
);
--> statement-breakpoint
ALTER TABLE "logged_model_outputs" ADD CONSTRAINT "logged_model_outputs_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "logged_model_outputs" ADD CONSTRAINT "logged_model_outputs_model_id_logged_models_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."logged_models"("model_id") ON DELETE cascade ON UPDATE no action;