CREATE TABLE "evaluation_dataset_experiments" (
	"dataset_id" text NOT NULL,
	"experiment_id" bigint NOT NULL,
	CONSTRAINT "evaluation_dataset_experiments_dataset_id_experiment_id_pk" PRIMARY KEY("dataset_id","experiment_id")
);
--> statement-breakpoint
CREATE TABLE "evaluation_dataset_records" (
	"record_id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"input_hash" text NOT NULL,
	"inputs" jsonb NOT NULL,
	"outputs" jsonb,
	"expectations" jsonb,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" jsonb,
	"source_id" text,
	"source_type" text,
	"created_time" bigint NOT NULL,
	"last_update_time" bigint NOT NULL,
	"created_by" text,
	"last_updated_by" text,
	"size_bytes" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluation_datasets" (
	"dataset_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"schema" text,
	"profile" text,
	"digest" text NOT NULL,
	"created_time" bigint NOT NULL,
	"last_update_time" bigint NOT NULL,
	"created_by" text,
	"last_updated_by" text,
	"owner_id" text,
	"record_count" integer DEFAULT 0 NOT NULL,
	"record_bytes" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scorer_versions" (
	"experiment_id" bigint NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"scorer_id" text NOT NULL,
	"serialized_scorer" text NOT NULL,
	"creation_time" bigint NOT NULL,
	"creator" text,
	"owner_id" text,
	CONSTRAINT "scorer_versions_experiment_id_name_version_pk" PRIMARY KEY("experiment_id","name","version")
);
--> statement-breakpoint
ALTER TABLE "evaluation_dataset_experiments" ADD CONSTRAINT "evaluation_dataset_experiments_dataset_id_evaluation_datasets_dataset_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."evaluation_datasets"("dataset_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_dataset_experiments" ADD CONSTRAINT "evaluation_dataset_experiments_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_dataset_records" ADD CONSTRAINT "evaluation_dataset_records_dataset_id_evaluation_datasets_dataset_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."evaluation_datasets"("dataset_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorer_versions" ADD CONSTRAINT "scorer_versions_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluation_dataset_experiments_exp_idx" ON "evaluation_dataset_experiments" USING btree ("experiment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluation_dataset_records_input_idx" ON "evaluation_dataset_records" USING btree ("dataset_id","input_hash");--> statement-breakpoint
CREATE INDEX "evaluation_dataset_records_page_idx" ON "evaluation_dataset_records" USING btree ("dataset_id","created_time","record_id");--> statement-breakpoint
CREATE INDEX "evaluation_datasets_name_idx" ON "evaluation_datasets" USING btree ("name");