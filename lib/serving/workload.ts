/**
 * What makes a workload a model endpoint's replica (docs/serving.md, "Replicas"): its ref (kind "endpoint", id the
 * serving_replicas row's), Atrium's scoring server as the command (container-runtime.ts) with the bundle's URL and
 * read-only token in the environment, port 8080, no mount, and the labels that name the endpoint. The hardened
 * spec, the owner's network and the limits are the spawner's, as for every kind (docs/architecture.md §7).
 */
import { randomBytes } from "node:crypto";
import { LABEL_ENV, type WorkloadRef, type WorkloadSpec } from "@/lib/spawner";
import { SCORING_PORT, servingCommand, servingEnv } from "./container-runtime";

export const LABEL_ENDPOINT = "atrium.endpoint";
export const LABEL_SERVED_ENTITY = "atrium.served-entity";

export function replicaRef(replicaId: string): WorkloadRef {
  return { kind: "endpoint", id: replicaId };
}

/** `<12 hex of the endpoint>-<config version>-<10 random hex>`: unique for ever, and says whose it is at a glance. */
export function newReplicaId(endpointId: string, configVersion: number): string {
  return `${endpointId.slice(0, 12).toLowerCase()}-${configVersion}-${randomBytes(5).toString("hex")}`;
}

/** The portal's URL of a replica's bundle, as the container reaches the portal. */
export function bundleUrlOf(portalUrl: string, replicaId: string): string {
  return `${portalUrl.replace(/\/+$/, "")}/api/serving/bundles/${replicaId}`;
}

export interface ReplicaLaunch {
  replicaId: string;
  endpointId: string;
  servedEntity: string;
  owner: { id: string; name: string };
  image: { image: string; environmentId: string | null; constraints?: string[] };
  cpu: number;
  memGb: number;
  /** The owner's role's maxPids. */
  pids?: number;
  /** The portal as containers reach it (ATRIUM_WORKSPACE_PORTAL_URL). */
  portalUrl: string;
  bundleToken: string;
  bundleMaxBytes: number;
}

export function replicaSpec(r: ReplicaLaunch): WorkloadSpec {
  return {
    ref: replicaRef(r.replicaId),
    ownerId: r.owner.id,
    ownerName: r.owner.name,
    image: r.image.image,
    command: servingCommand(),
    env: servingEnv({ bundleUrl: bundleUrlOf(r.portalUrl, r.replicaId), bundleToken: r.bundleToken, bundleMaxBytes: r.bundleMaxBytes }),
    cpu: r.cpu,
    memGb: r.memGb,
    pids: r.pids,
    port: SCORING_PORT,
    mounts: [],
    labels: {
      [LABEL_ENDPOINT]: r.endpointId,
      [LABEL_SERVED_ENTITY]: r.servedEntity,
      ...(r.image.environmentId !== null ? { [LABEL_ENV]: r.image.environmentId } : {}),
    },
    constraints: r.image.constraints,
  };
}
