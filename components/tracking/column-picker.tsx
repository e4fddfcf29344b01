"use client";

import { Button } from "@/components/ui/button";
import { useCallback, useRef, useState } from "react";
import { useDismiss } from "@/components/ui/use-dismiss";
import type { ColumnKeys } from "@/lib/tracking/overview/overview";

export type ColumnGroup = "metrics" | "params" | "tags";
/** A chosen column, `<group>:<key>`. */
export type ColumnId = `${ColumnGroup}:${string}`;

const columnId = (group: ColumnGroup, key: string): ColumnId => `${group}:${key}`;

export function splitColumnId(id: ColumnId): { group: ColumnGroup; key: string } {
  const i = id.indexOf(":");
  return { group: id.slice(0, i) as ColumnGroup, key: id.slice(i + 1) };
}

/** Every metric, the first few params and no tags: what a person usually wants to see first. */
export function defaultColumns(keys: ColumnKeys): ColumnId[] {
  return [...keys.metrics.slice(0, 6).map((k) => columnId("metrics", k)), ...keys.params.slice(0, 4).map((k) => columnId("params", k))];
}

const GROUPS: { group: ColumnGroup; label: string }[] = [
  { group: "metrics", label: "Metrics" },
  { group: "params", label: "Parameters" },
  { group: "tags", label: "Tags" },
];

/** A drop-down of checkboxes, one group each for metrics, params and tags; Escape or a press outside closes it. */
export function ColumnPicker({ keys, chosen, onChange }: { keys: ColumnKeys; chosen: ColumnId[]; onChange: (next: ColumnId[]) => void }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useDismiss(
    open,
    useCallback(() => setOpen(false), []),
    box,
    opener,
  );
  const toggle = (id: ColumnId) => onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  return (
    <div className="relative" ref={box}>
      <Button ref={opener} variant="secondary" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        Columns ({chosen.length}) ▾
      </Button>
      {open && (
        <div
          role="dialog"
          aria-label="Choose columns"
          className="absolute right-0 z-20 mt-2 max-h-96 w-80 max-w-[calc(100vw-3rem)] overflow-y-auto rounded-xl border border-slate-200 bg-white p-4 shadow-lg"
        >
          {GROUPS.map(({ group, label }) => (
            <fieldset key={group} className="mb-3 last:mb-0">
              <legend className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</legend>
              {keys[group].length === 0 ? (
                <p className="text-sm text-slate-400">None logged yet.</p>
              ) : (
                keys[group].map((key) => {
                  const id = columnId(group, key);
                  return (
                    <label key={id} className="flex items-center gap-2 py-0.5 text-sm text-slate-700">
                      <input type="checkbox" checked={chosen.includes(id)} onChange={() => toggle(id)} />
                      <span className="truncate font-mono text-xs">{key}</span>
                    </label>
                  );
                })
              )}
            </fieldset>
          ))}
          <Button variant="secondary" className="mt-2 w-full" onClick={() => setOpen(false)}>
            Done
          </Button>
        </div>
      )}
    </div>
  );
}
