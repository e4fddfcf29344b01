import { notFound } from "next/navigation";
import type { Principal } from "@/lib/auth/principal";
import { getDb } from "@/lib/runtime/db";
import { getModelVersion, getRegisteredModel } from "@/lib/tracking/registry";
import { TrackingError } from "@/lib/tracking/errors";

/** Next may hand over a segment still percent-encoded; a stray "%" in a real model name must not throw. */
export function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The pages render from the registry API in the browser; asking the registry here first makes an
 * unknown model or version the 404 page with status 404, not an empty page with 200.
 */
export async function assertModelExists(principal: Principal, name: string, version?: string): Promise<void> {
  const ctx = { db: await getDb(), principal };
  try {
    if (version === undefined) await getRegisteredModel(ctx, { name });
    else await getModelVersion(ctx, { name, version });
  } catch (err) {
    // A name or version the registry refuses outright cannot name anything either.
    if (err instanceof TrackingError && (err.code === "RESOURCE_DOES_NOT_EXIST" || err.code === "INVALID_PARAMETER_VALUE")) notFound();
    throw err;
  }
}
