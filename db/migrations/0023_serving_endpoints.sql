CREATE TABLE "serving_endpoint_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"version" integer NOT NULL,
	"served_entities" jsonb NOT NULL,
	"routes" jsonb NOT NULL,
	"shadow_entity" text,
	"created_by_id" text,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "serving_endpoint_grants" (
	"endpoint_id" text NOT NULL,
	"grantee_kind" text NOT NULL,
	"grantee_id" text NOT NULL,
	"granted_by_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "serving_endpoint_grants_endpoint_id_grantee_kind_grantee_id_pk" PRIMARY KEY("endpoint_id","grantee_kind","grantee_id")
);
--> statement-breakpoint
CREATE TABLE "serving_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" text NOT NULL,
	"ready" text DEFAULT 'NOT_READY' NOT NULL,
	"config_update" text DEFAULT 'IN_PROGRESS' NOT NULL,
	"state_reason" text,
	"active_config_id" text,
	"pending_config_id" text,
	"followed_aliases" text[] DEFAULT '{}' NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "serving_request_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"endpoint_name" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"caller_id" text,
	"caller_name" text NOT NULL,
	"token_id" text,
	"served_entity" text NOT NULL,
	"model_version" integer,
	"shadow" boolean DEFAULT false NOT NULL,
	"status" integer NOT NULL,
	"latency_ms" real NOT NULL,
	"request_bytes" integer DEFAULT 0 NOT NULL,
	"response_bytes" integer DEFAULT 0 NOT NULL,
	"request_sample" text,
	"response_sample" text
);
--> statement-breakpoint
ALTER TABLE "roles" ADD COLUMN "max_endpoints" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "roles" ADD COLUMN "max_serving_cpu" real DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "roles" ADD COLUMN "max_serving_mem_gb" real DEFAULT 4 NOT NULL;--> statement-breakpoint
ALTER TABLE "serving_endpoint_configs" ADD CONSTRAINT "serving_endpoint_configs_endpoint_id_serving_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."serving_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "serving_endpoint_grants" ADD CONSTRAINT "serving_endpoint_grants_endpoint_id_serving_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."serving_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "serving_endpoints" ADD CONSTRAINT "serving_endpoints_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "serving_endpoint_configs_version_idx" ON "serving_endpoint_configs" USING btree ("endpoint_id","version");--> statement-breakpoint
CREATE INDEX "serving_endpoint_grants_grantee_idx" ON "serving_endpoint_grants" USING btree ("grantee_id");--> statement-breakpoint
CREATE UNIQUE INDEX "serving_endpoints_name_idx" ON "serving_endpoints" USING btree ("name");--> statement-breakpoint
CREATE INDEX "serving_endpoints_owner_idx" ON "serving_endpoints" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "serving_endpoints_aliases_idx" ON "serving_endpoints" USING gin ("followed_aliases");--> statement-breakpoint
CREATE INDEX "serving_request_log_endpoint_idx" ON "serving_request_log" USING btree ("endpoint_id","at","id");--> statement-breakpoint
CREATE INDEX "serving_request_log_entity_idx" ON "serving_request_log" USING btree ("endpoint_id","served_entity","at");--> statement-breakpoint
CREATE INDEX "serving_request_log_at_idx" ON "serving_request_log" USING btree ("at");--> statement-breakpoint
UPDATE "roles" SET "max_endpoints" = 5, "max_serving_cpu" = 8, "max_serving_mem_gb" = 32 WHERE "name" = 'power';--> statement-breakpoint
UPDATE "roles" SET "max_endpoints" = 10, "max_serving_cpu" = 16, "max_serving_mem_gb" = 64 WHERE "name" = 'admin';
