ALTER TABLE "api_tokens" ADD COLUMN "scopes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
-- Tokens made before scopes keep doing what they did (lib/auth/scopes.ts): personal tokens the whole
-- account (plus admin rights for admins' tokens), workspace MLflow tokens only what a workspace needs.
UPDATE "api_tokens" SET "scopes" = '["account"]'::jsonb WHERE "kind" = 'personal';--> statement-breakpoint
UPDATE "api_tokens" SET "scopes" = '["account","admin"]'::jsonb WHERE "kind" = 'personal' AND "user_name" IN (SELECT "name" FROM "users" WHERE "role" = 'admin');--> statement-breakpoint
UPDATE "api_tokens" SET "scopes" = '["mlflow","packages:read","servers:install"]'::jsonb WHERE "kind" = 'workspace';
