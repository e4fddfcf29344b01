/** Lining up several runs side by side: one row per key, one cell per run, and whether the values differ. */

export interface KeyedValues {
  key: string;
  /** One entry per run, in the order the runs were given; undefined where a run lacks the key. */
  values: (string | undefined)[];
  differs: boolean;
}

/** Every key any run has, sorted; a key differs when two runs disagree (a missing value counts as a value). */
export function alignByKey(perRun: readonly (readonly { key: string; value: string }[] | undefined)[]): KeyedValues[] {
  const maps = perRun.map((list) => new Map((list ?? []).map((kv) => [kv.key, kv.value])));
  const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
  return keys.map((key) => {
    const values = maps.map((m) => m.get(key));
    return { key, values, differs: new Set(values).size > 1 };
  });
}

/** `?runs=a,b,c` → unique ids in order; at most `max`. */
export function parseRunList(raw: string | string[] | undefined, max = 10): string[] {
  const joined = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  const ids = joined
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return [...new Set(ids)].slice(0, max);
}
