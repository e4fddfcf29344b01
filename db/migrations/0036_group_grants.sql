ALTER TABLE "experiment_permissions" DROP CONSTRAINT "experiment_permissions_experiment_id_user_id_pk";--> statement-breakpoint
ALTER TABLE "registered_model_permissions" DROP CONSTRAINT "registered_model_permissions_name_user_id_pk";--> statement-breakpoint
ALTER TABLE "experiment_permissions" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "experiment_permissions" ADD COLUMN "grantee_group" text;--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ADD COLUMN "grantee_group" text;--> statement-breakpoint
CREATE UNIQUE INDEX "experiment_permissions_person_idx" ON "experiment_permissions" USING btree ("experiment_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "experiment_permissions_group_idx" ON "experiment_permissions" USING btree ("experiment_id","grantee_group");--> statement-breakpoint
CREATE INDEX "experiment_permissions_grantee_group_idx" ON "experiment_permissions" USING btree ("grantee_group");--> statement-breakpoint
CREATE UNIQUE INDEX "registered_model_permissions_person_idx" ON "registered_model_permissions" USING btree ("name","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "registered_model_permissions_group_idx" ON "registered_model_permissions" USING btree ("name","grantee_group");--> statement-breakpoint
CREATE INDEX "registered_model_permissions_grantee_group_idx" ON "registered_model_permissions" USING btree ("grantee_group");--> statement-breakpoint
ALTER TABLE "experiment_permissions" ADD CONSTRAINT "experiment_permissions_one_grantee" CHECK (("experiment_permissions"."user_id" is null) <> ("experiment_permissions"."grantee_group" is null));--> statement-breakpoint
ALTER TABLE "registered_model_permissions" ADD CONSTRAINT "registered_model_permissions_one_grantee" CHECK (("registered_model_permissions"."user_id" is null) <> ("registered_model_permissions"."grantee_group" is null));