CREATE TABLE "environments" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"image" text NOT NULL,
	"command" jsonb,
	"default_cpu" real NOT NULL,
	"default_mem_gb" real NOT NULL,
	"max_cpu" real,
	"max_mem_gb" real,
	"roles_allowed" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"deprecated" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "servers" (
	"user_name" text NOT NULL,
	"name" text NOT NULL,
	"environment_id" text NOT NULL,
	"cpu" real NOT NULL,
	"mem_gb" real NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"phase" text,
	"progress" integer DEFAULT 0 NOT NULL,
	"message" text,
	"url" text,
	"jupyter_token" text,
	"spawner_state" jsonb,
	"tracking_token_id" text,
	"image_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"last_activity" timestamp with time zone,
	CONSTRAINT "servers_user_name_name_pk" PRIMARY KEY("user_name","name")
);
--> statement-breakpoint
ALTER TABLE "servers" ADD CONSTRAINT "servers_user_name_users_name_fk" FOREIGN KEY ("user_name") REFERENCES "public"."users"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "servers_status_idx" ON "servers" USING btree ("status");