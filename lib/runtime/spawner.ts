import type { Spawner } from "@/lib/spawner";
import { runtime } from "./context";

/** The process's spawner (lib/runtime/context.ts), created from the configuration on first use. */
export function getSpawner(): Spawner {
  return runtime.spawner;
}

/** Tests swap in another backend (a fake for lifecycle logic, or a differently configured engine). */
export function setSpawner(next: Spawner | undefined): void {
  runtime.spawner = next;
}
