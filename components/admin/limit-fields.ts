import type { Limits } from "@atrium/core/lib/quota/limits";

/** The six limits in the order the editors show them, with the words people read. */
export const LIMIT_FIELDS: { key: keyof Limits; label: string; unit: string; hint: string; integer?: boolean }[] = [
  { key: "maxCpu", label: "CPU per server", unit: "CPUs", hint: "The most one server may ask for." },
  { key: "maxMemGb", label: "Memory per server", unit: "GiB", hint: "The most one server may ask for." },
  { key: "maxServers", label: "Servers", unit: "servers", hint: "How many may run at once.", integer: true },
  { key: "maxTotalCpu", label: "CPU in all", unit: "CPUs", hint: "Summed over the person's running servers." },
  { key: "maxTotalMemGb", label: "Memory in all", unit: "GiB", hint: "Summed over the person's running servers." },
  { key: "maxStorageGb", label: "Artifact storage", unit: "GiB", hint: "Files of the person's runs and logged models; an upload past it is refused." },
];
