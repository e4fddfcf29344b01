import type { Limits } from "./limits";

/** The limits as the role and override editors name them; refusals of a limit use the same words. */
export const LIMIT_LABELS: Readonly<Record<keyof Limits, string>> = {
  maxCpu: "CPU per server",
  maxMemGb: "Memory per server",
  maxServers: "Servers",
  maxTotalCpu: "CPU in all",
  maxTotalMemGb: "Memory in all",
  maxStorageGb: "Artifact storage",
  maxPids: "Processes per container",
};
