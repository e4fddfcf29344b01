import type { ImagePackage } from "@/db/schema";
import { normalizeName } from "./names";

export type CompareStatus = "same" | "different" | "only-left" | "only-right";

interface CompareRow {
  name: string;
  left?: string;
  right?: string;
  status: CompareStatus;
}

export interface PackageComparison {
  rows: CompareRow[];
  counts: Record<CompareStatus, number>;
}

/** Two package lists side by side, matched by PEP 503 name, sorted by name. */
export function comparePackages(left: ImagePackage[], right: ImagePackage[]): PackageComparison {
  const byName = new Map<string, CompareRow>();
  for (const p of left) byName.set(normalizeName(p.name), { name: p.name, left: p.version, status: "only-left" });
  for (const p of right) {
    const key = normalizeName(p.name);
    const row = byName.get(key);
    if (row) {
      row.right = p.version;
      row.status = row.left === p.version ? "same" : "different";
    } else byName.set(key, { name: p.name, right: p.version, status: "only-right" });
  }
  const rows = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  const counts: Record<CompareStatus, number> = { same: 0, different: 0, "only-left": 0, "only-right": 0 };
  for (const r of rows) counts[r.status]++;
  return { rows, counts };
}
