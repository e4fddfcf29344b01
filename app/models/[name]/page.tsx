import { z } from "zod";
import { notFound } from "next/navigation";
import { ModelView } from "@/components/tracking/model-view";
import { MoveToProject } from "@/components/projects/move-to-project";
import { moveChoice } from "@atrium/core/lib/projects/move";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireUser } from "../../_lib/page-auth";
import { assertModelExists, decodedSegment } from "./segment";

// Registered model names are free text up to 256 characters; the registry API decides whether one exists.
const paramsSchema = z.object({ name: z.string().min(1).max(256) });

export default async function ModelPage({ params }: { params: Promise<{ name: string }> }) {
  const principal = await requireUser();
  const parsed = paramsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  const name = decodedSegment(parsed.data.name);
  await assertModelExists(name);
  const move = await moveChoice(await getDb(), principal, "registered_model", name);
  return (
    <>
      {move && <MoveToProject kind="registered_model" id={name} project={move.project} />}
      <ModelView name={name} />
    </>
  );
}
