import { notFound } from "next/navigation";
import { getDb } from "@atrium/core/lib/runtime/db";
import { registryEntryExists } from "@atrium/core/lib/tracking/registry/exists";

/** Next may hand over a segment still percent-encoded; a stray "%" in a real model name must not throw. */
export function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An unknown model or version is the 404 page with status 404, not an empty page with 200. */
export async function assertModelExists(name: string, version?: string): Promise<void> {
  if (!(await registryEntryExists(await getDb(), name, version))) notFound();
}
