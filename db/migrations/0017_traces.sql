CREATE TABLE "trace_assessments" (
	"assessment_id" text PRIMARY KEY NOT NULL,
	"trace_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"value" jsonb,
	"error" jsonb,
	"span_id" text,
	"source_type" text NOT NULL,
	"source_id" text,
	"rationale" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"overrides" text,
	"valid" boolean DEFAULT true NOT NULL,
	"create_time" bigint NOT NULL,
	"last_update_time" bigint NOT NULL,
	"creator" text,
	"owner_id" text
);
--> statement-breakpoint
CREATE TABLE "trace_run_links" (
	"trace_id" text NOT NULL,
	"run_uuid" text NOT NULL,
	CONSTRAINT "trace_run_links_trace_id_run_uuid_pk" PRIMARY KEY("trace_id","run_uuid")
);
--> statement-breakpoint
CREATE TABLE "trace_spans" (
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text,
	"name" text NOT NULL,
	"span_type" text,
	"status_code" text NOT NULL,
	"start_us" bigint NOT NULL,
	"end_us" bigint,
	"content" jsonb NOT NULL,
	"size_bytes" integer NOT NULL,
	CONSTRAINT "trace_spans_trace_id_span_id_pk" PRIMARY KEY("trace_id","span_id")
);
--> statement-breakpoint
CREATE TABLE "traces" (
	"trace_id" text PRIMARY KEY NOT NULL,
	"experiment_id" bigint NOT NULL,
	"client_request_id" text,
	"request_time" bigint NOT NULL,
	"execution_duration" bigint,
	"state" text NOT NULL,
	"request_preview" text,
	"response_preview" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"creator" text,
	"owner_id" text,
	"span_bytes" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trace_assessments" ADD CONSTRAINT "trace_assessments_trace_id_traces_trace_id_fk" FOREIGN KEY ("trace_id") REFERENCES "public"."traces"("trace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trace_run_links" ADD CONSTRAINT "trace_run_links_trace_id_traces_trace_id_fk" FOREIGN KEY ("trace_id") REFERENCES "public"."traces"("trace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trace_run_links" ADD CONSTRAINT "trace_run_links_run_uuid_runs_run_uuid_fk" FOREIGN KEY ("run_uuid") REFERENCES "public"."runs"("run_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trace_spans" ADD CONSTRAINT "trace_spans_trace_id_traces_trace_id_fk" FOREIGN KEY ("trace_id") REFERENCES "public"."traces"("trace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traces" ADD CONSTRAINT "traces_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trace_assessments_trace_idx" ON "trace_assessments" USING btree ("trace_id");--> statement-breakpoint
CREATE INDEX "trace_run_links_run_idx" ON "trace_run_links" USING btree ("run_uuid");--> statement-breakpoint
CREATE INDEX "trace_spans_order_idx" ON "trace_spans" USING btree ("trace_id","start_us","span_id");--> statement-breakpoint
CREATE INDEX "traces_experiment_time_idx" ON "traces" USING btree ("experiment_id","request_time","trace_id");