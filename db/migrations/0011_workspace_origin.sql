CREATE TABLE "workspace_codes" (
	"hash" text PRIMARY KEY NOT NULL,
	"user_name" text NOT NULL,
	"server_name" text NOT NULL,
	"principal_name" text NOT NULL,
	"next" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_sessions" (
	"hash" text PRIMARY KEY NOT NULL,
	"user_name" text NOT NULL,
	"server_name" text NOT NULL,
	"principal_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workspace_codes" ADD CONSTRAINT "workspace_codes_principal_name_users_name_fk" FOREIGN KEY ("principal_name") REFERENCES "public"."users"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "workspace_sessions" ADD CONSTRAINT "workspace_sessions_principal_name_users_name_fk" FOREIGN KEY ("principal_name") REFERENCES "public"."users"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "workspace_sessions_expires_idx" ON "workspace_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "workspace_sessions_server_idx" ON "workspace_sessions" USING btree ("user_name","server_name");