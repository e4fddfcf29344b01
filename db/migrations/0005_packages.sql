CREATE TABLE "image_packages" (
	"image_id" text PRIMARY KEY NOT NULL,
	"packages" jsonb NOT NULL,
	"python_version" text,
	"user_site_in_home" boolean NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL
);
