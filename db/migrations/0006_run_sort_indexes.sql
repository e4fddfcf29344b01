-- runs/search ordered by a metric walks latest_metrics in (is_nan, value) order for that key and stops after a
-- page (search-sql.ts compileRunSort); a btree cannot mix directions, so one index per direction of value.
-- A custom migration (not in schema.ts): drizzle-kit diffs its snapshots, not the database, so it leaves them alone.
CREATE INDEX IF NOT EXISTS "latest_metrics_key_nan_value_asc_idx" ON "latest_metrics" ("key", "is_nan", "value");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "latest_metrics_key_nan_value_desc_idx" ON "latest_metrics" ("key", "is_nan", "value" DESC);
