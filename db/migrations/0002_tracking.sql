CREATE TABLE "experiment_tags" (
	"experiment_id" bigint NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "experiment_tags_experiment_id_key_pk" PRIMARY KEY("experiment_id","key")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"artifact_location" text NOT NULL,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_update_time" bigint NOT NULL,
	"owner" text
);
--> statement-breakpoint
CREATE TABLE "latest_metrics" (
	"run_uuid" text NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"timestamp" bigint NOT NULL,
	"step" bigint DEFAULT 0 NOT NULL,
	"is_nan" boolean DEFAULT false NOT NULL,
	CONSTRAINT "latest_metrics_run_uuid_key_pk" PRIMARY KEY("run_uuid","key")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"run_uuid" text NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"timestamp" bigint NOT NULL,
	"step" bigint DEFAULT 0 NOT NULL,
	"is_nan" boolean DEFAULT false NOT NULL,
	CONSTRAINT "metrics_run_uuid_key_step_timestamp_value_is_nan_pk" PRIMARY KEY("run_uuid","key","step","timestamp","value","is_nan")
);
--> statement-breakpoint
CREATE TABLE "run_params" (
	"run_uuid" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_params_run_uuid_key_pk" PRIMARY KEY("run_uuid","key")
);
--> statement-breakpoint
CREATE TABLE "run_tags" (
	"run_uuid" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_tags_run_uuid_key_pk" PRIMARY KEY("run_uuid","key")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"run_uuid" text PRIMARY KEY NOT NULL,
	"experiment_id" bigint NOT NULL,
	"name" text NOT NULL,
	"user_id" text NOT NULL,
	"status" text NOT NULL,
	"start_time" bigint NOT NULL,
	"end_time" bigint,
	"deleted_time" bigint,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"artifact_uri" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "experiment_tags" ADD CONSTRAINT "experiment_tags_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "latest_metrics" ADD CONSTRAINT "latest_metrics_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_params" ADD CONSTRAINT "run_params_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tags" ADD CONSTRAINT "run_tags_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_name_idx" ON "experiments" USING btree ("name");--> statement-breakpoint
CREATE INDEX "experiments_creation_idx" ON "experiments" USING btree ("creation_time");--> statement-breakpoint
CREATE INDEX "latest_metrics_key_value_idx" ON "latest_metrics" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "runs_experiment_start_idx" ON "runs" USING btree ("experiment_id","start_time","run_uuid");--> statement-breakpoint
CREATE INDEX "runs_user_idx" ON "runs" USING btree ("user_id");