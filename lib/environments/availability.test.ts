/** Whether an environment's image is on the engine, as the environment API and pages say it. */
import { describe, expect, it } from "vitest";
import type { EnvironmentRow } from "@/db/queries/environments";
import type { Spawner } from "@/lib/spawner";
import { environmentWithAvailability, imagePresent } from "./manage";

/** Only imageInfo is asked; an image in `present` is there, "down" makes the engine unreachable. */
const engine = (present: string[]) =>
  ({
    imageInfo: async (image: string) => {
      if (image === "down") throw new Error("engine unreachable");
      return { present: present.includes(image) };
    },
  }) as unknown as Spawner;

describe("image availability", () => {
  it("is the engine's answer, and false when the engine cannot be asked", async () => {
    const spawner = engine(["jupyter:1"]);
    expect(await imagePresent(spawner, "jupyter:1")).toBe(true);
    expect(await imagePresent(spawner, "missing:1")).toBe(false);
    expect(await imagePresent(spawner, "down")).toBe(false);
  });

  it("is part of an environment's view after a change", async () => {
    const row = { id: "py", name: "Python", image: "jupyter:1", rolesAllowed: [] } as unknown as EnvironmentRow;
    expect(await environmentWithAvailability(engine(["jupyter:1"]), row)).toMatchObject({ id: "py", available: true, allowed: true });
    expect(await environmentWithAvailability(engine([]), row)).toMatchObject({ id: "py", available: false });
  });
});
