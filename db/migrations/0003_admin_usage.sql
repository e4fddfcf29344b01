CREATE TABLE "usage_samples" (
	"at" timestamp with time zone NOT NULL,
	"scope" text NOT NULL,
	"subject" text NOT NULL,
	"cpu_allocated" real NOT NULL,
	"mem_gb_allocated" real NOT NULL,
	"cpu_used" real NOT NULL,
	"mem_gb_used" real NOT NULL,
	"servers" integer NOT NULL,
	CONSTRAINT "usage_samples_scope_subject_at_pk" PRIMARY KEY("scope","subject","at")
);
--> statement-breakpoint
CREATE INDEX "usage_samples_at_idx" ON "usage_samples" USING btree ("at");