CREATE TABLE "server_share_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"user_name" text NOT NULL,
	"server_name" text NOT NULL,
	"created_by_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "server_share_codes_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "server_shares" (
	"id" text PRIMARY KEY NOT NULL,
	"user_name" text NOT NULL,
	"server_name" text NOT NULL,
	"grantee_user_id" text,
	"grantee_group" text,
	"created_by_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "server_shares_one_grantee" CHECK (("server_shares"."grantee_user_id" is null) <> ("server_shares"."grantee_group" is null))
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sso_groups" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "server_share_codes" ADD CONSTRAINT "server_share_codes_server_fk" FOREIGN KEY ("user_name","server_name") REFERENCES "public"."servers"("user_name","name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "server_shares" ADD CONSTRAINT "server_shares_grantee_user_id_users_id_fk" FOREIGN KEY ("grantee_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "server_shares" ADD CONSTRAINT "server_shares_server_fk" FOREIGN KEY ("user_name","server_name") REFERENCES "public"."servers"("user_name","name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "server_share_codes_server_idx" ON "server_share_codes" USING btree ("user_name","server_name");--> statement-breakpoint
CREATE UNIQUE INDEX "server_shares_user_idx" ON "server_shares" USING btree ("user_name","server_name","grantee_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "server_shares_group_idx" ON "server_shares" USING btree ("user_name","server_name","grantee_group");--> statement-breakpoint
CREATE INDEX "server_shares_grantee_user_idx" ON "server_shares" USING btree ("grantee_user_id");--> statement-breakpoint
CREATE INDEX "server_shares_grantee_group_idx" ON "server_shares" USING btree ("grantee_group");