import { z } from "zod";
import { notFound } from "next/navigation";
import { ModelVersionView } from "@/components/tracking/model-version-view";
import { requireUser } from "../../../../_lib/page-auth";
import { assertModelExists, decodedSegment } from "../../segment";

const paramsSchema = z.object({ name: z.string().min(1).max(256), version: z.string().regex(/^[1-9]\d{0,9}$/) });

export default async function ModelVersionPage({ params }: { params: Promise<{ name: string; version: string }> }) {
  await requireUser();
  const parsed = paramsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  const name = decodedSegment(parsed.data.name);
  await assertModelExists(name, parsed.data.version);
  return <ModelVersionView name={name} version={parsed.data.version} />;
}
