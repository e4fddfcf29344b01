import { z } from "zod";
import { notFound } from "next/navigation";
import { ModelView } from "@/components/tracking/model-view";
import { requireUser } from "../../_lib/page-auth";

// Registered model names are free text up to 256 characters; the registry API decides whether one exists.
const paramsSchema = z.object({ name: z.string().min(1).max(256) });

/** Next may hand over the segment still percent-encoded; a stray "%" in a real name must not throw. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export default async function ModelPage({ params }: { params: Promise<{ name: string }> }) {
  await requireUser();
  const parsed = paramsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  return <ModelView name={decoded(parsed.data.name)} />;
}
