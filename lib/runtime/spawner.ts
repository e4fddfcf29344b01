import type { Spawner } from "@/lib/spawner";
import { runtime } from "./context";

/** The process's spawner (lib/runtime/context.ts), created from the configuration on first use. */
export function getSpawner(): Spawner {
  return runtime.spawner;
}
