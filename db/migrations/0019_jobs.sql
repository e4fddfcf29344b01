CREATE TABLE "job_executions" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"run_key" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"cause" text NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"exit_code" integer,
	"cpu" real NOT NULL,
	"mem_gb" real NOT NULL,
	"requested_by" text,
	"token_id" text,
	"mlflow_run_id" text,
	"image_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_name" text NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"environment_id" text NOT NULL,
	"cpu" real NOT NULL,
	"mem_gb" real NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timeout_s" integer NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"trigger" text NOT NULL,
	"cron" text,
	"time_zone" text,
	"after_job_id" text,
	"paused" boolean DEFAULT false NOT NULL,
	"scheduled_through" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_executions" ADD CONSTRAINT "job_executions_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_owner_name_users_name_fk" FOREIGN KEY ("owner_name") REFERENCES "public"."users"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX "job_executions_run_key_idx" ON "job_executions" USING btree ("run_key");--> statement-breakpoint
CREATE INDEX "job_executions_job_idx" ON "job_executions" USING btree ("job_id","created_at");--> statement-breakpoint
CREATE INDEX "job_executions_state_idx" ON "job_executions" USING btree ("state");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_owner_name_idx" ON "jobs" USING btree ("owner_name","name");--> statement-breakpoint
CREATE INDEX "jobs_after_idx" ON "jobs" USING btree ("after_job_id");