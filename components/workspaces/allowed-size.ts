/** How much CPU and memory a person may give the next workspace: for the start form and "Start again". */
import type { Me } from "@atrium/core/lib/users/me";

/** The sliders' step. */
export const STEP = 0.25;

/** Down to the slider's step, so the maximum is a value the slider can reach. */
const floorStep = (v: number) => Math.floor(v / STEP + 1e-9) * STEP;
/** The slider's top: the limit rounded down to a step, or the limit itself when it is below one step. */
const ceiling = (v: number) => (v >= STEP ? floorStep(v) : v);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export interface SizeRange {
  cpuMin: number;
  cpuMax: number;
  memMin: number;
  memMax: number;
}

/** The smallest of the per-workspace limit, what is left of the total, the environment's ceiling and the machine. */
export function sizeRange(
  me: Pick<Me, "limits" | "usage">,
  env: { maxCpu: number | null; maxMemGb: number | null } | undefined,
  /** The engine's CPUs: a role may allow more than the machine has, and the engine refuses such a start. */
  machineCpu = Infinity,
): SizeRange {
  const { limits, usage } = me;
  const cpuMax = ceiling(Math.min(limits.maxCpu, limits.maxTotalCpu - usage.cpu, env?.maxCpu ?? Infinity, machineCpu));
  const memMax = ceiling(Math.min(limits.maxMemGb, limits.maxTotalMemGb - usage.memGb, env?.maxMemGb ?? Infinity));
  return { cpuMax, memMax, cpuMin: Math.min(STEP, cpuMax), memMin: Math.min(STEP, memMax) };
}

/** A wanted size brought inside the range. */
export function fitSize(range: SizeRange, want: { cpu: number; memGb: number }): { cpu: number; memGb: number } {
  return { cpu: clamp(want.cpu, range.cpuMin, range.cpuMax), memGb: clamp(want.memGb, range.memMin, range.memMax) };
}

/**
 * The size a stopped or failed server starts again with: its last one, or, when limits were lowered
 * since (or other workspaces now use part of the total), the most that is allowed now.
 */
export function restartSize(
  me: Pick<Me, "limits" | "usage">,
  env: { maxCpu: number | null; maxMemGb: number | null } | undefined,
  last: { cpu: number; memGb: number },
): { cpu: number; memGb: number; reduced: boolean } {
  const fitted = fitSize(sizeRange(me, env), last);
  return { ...fitted, reduced: fitted.cpu < last.cpu || fitted.memGb < last.memGb };
}
