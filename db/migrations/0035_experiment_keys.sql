CREATE TABLE "experiment_keys" (
	"experiment_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	CONSTRAINT "experiment_keys_experiment_id_kind_key_pk" PRIMARY KEY("experiment_id","kind","key"),
	CONSTRAINT "experiment_keys_kind" CHECK ("experiment_keys"."kind" in ('metric', 'param', 'tag'))
);
--> statement-breakpoint
ALTER TABLE "experiment_keys" ADD CONSTRAINT "experiment_keys_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
INSERT INTO "experiment_keys" ("experiment_id", "kind", "key")
SELECT DISTINCT r."experiment_id", 'metric', m."key" FROM "latest_metrics" m JOIN "runs" r ON r."run_uuid" = m."run_uuid"
UNION SELECT DISTINCT r."experiment_id", 'param', p."key" FROM "run_params" p JOIN "runs" r ON r."run_uuid" = p."run_uuid"
UNION SELECT DISTINCT r."experiment_id", 'tag', t."key" FROM "run_tags" t JOIN "runs" r ON r."run_uuid" = t."run_uuid"
ON CONFLICT DO NOTHING;
