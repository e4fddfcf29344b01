import { LIMIT_LABELS } from "@atrium/core/lib/quota/limit-labels";
import type { Limits } from "@atrium/core/lib/quota/limits";

/** The seven limits in the order the editors show them, with the words people read. */
export const LIMIT_FIELDS: { key: keyof Limits; label: string; unit: string; hint: string; integer?: boolean }[] = [
  { key: "maxCpu", label: LIMIT_LABELS.maxCpu, unit: "CPUs", hint: "The most one server may ask for." },
  { key: "maxMemGb", label: LIMIT_LABELS.maxMemGb, unit: "GiB", hint: "The most one server may ask for." },
  { key: "maxServers", label: LIMIT_LABELS.maxServers, unit: "servers", hint: "How many may run at once.", integer: true },
  { key: "maxTotalCpu", label: LIMIT_LABELS.maxTotalCpu, unit: "CPUs", hint: "Summed over the person's running servers." },
  { key: "maxTotalMemGb", label: LIMIT_LABELS.maxTotalMemGb, unit: "GiB", hint: "Summed over the person's running servers." },
  {
    key: "maxStorageGb",
    label: LIMIT_LABELS.maxStorageGb,
    unit: "GiB",
    hint: "Files of the person's runs and logged models; an upload past it is refused.",
  },
  {
    key: "maxPids",
    label: LIMIT_LABELS.maxPids,
    unit: "processes",
    hint: "Processes and threads one workspace or job may hold at once; a fork past it fails.",
    integer: true,
  },
];
