CREATE TABLE "serving_replicas" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"config_id" text NOT NULL,
	"served_entity" text NOT NULL,
	"model_version" integer NOT NULL,
	"state" text DEFAULT 'starting' NOT NULL,
	"url" text,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "log_sample_rate" real DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "log_sample_bytes" integer DEFAULT 4096 NOT NULL;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "log_retention_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "last_invoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD COLUMN "wake_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "serving_replicas" ADD CONSTRAINT "serving_replicas_endpoint_id_serving_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."serving_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "serving_replicas_endpoint_idx" ON "serving_replicas" USING btree ("endpoint_id","state");