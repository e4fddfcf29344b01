import { describe, expect, it } from "vitest";
import { InFlight, pickEntity, pickReplica, type Replica } from "./routing";

const replica = (id: string, servedEntity = "a"): Replica => ({ id, servedEntity, modelVersion: 1, url: `http://${id}` });

describe("route choice", () => {
  it("splits traffic by the routes' percentages within ±5 % over 2,000 picks", () => {
    const routes = [
      { servedEntityName: "champion", trafficPercentage: 70 },
      { servedEntityName: "canary", trafficPercentage: 20 },
      { servedEntityName: "off", trafficPercentage: 0 },
      { servedEntityName: "third", trafficPercentage: 10 },
    ];
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const name = pickEntity(routes, Math.random()) ?? "none";
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const share = (name: string) => ((counts.get(name) ?? 0) / 2000) * 100;
    expect(Math.abs(share("champion") - 70)).toBeLessThanOrEqual(5);
    expect(Math.abs(share("canary") - 20)).toBeLessThanOrEqual(5);
    expect(Math.abs(share("third") - 10)).toBeLessThanOrEqual(5);
    expect(counts.has("off")).toBe(false);
    expect(counts.has("none")).toBe(false);
  });

  it("maps the edges of [0, 1) onto the first and last routes with traffic", () => {
    const routes = [
      { servedEntityName: "a", trafficPercentage: 50 },
      { servedEntityName: "b", trafficPercentage: 50 },
      { servedEntityName: "z", trafficPercentage: 0 },
    ];
    expect(pickEntity(routes, 0)).toBe("a");
    expect(pickEntity(routes, 0.4999)).toBe("a");
    expect(pickEntity(routes, 0.5)).toBe("b");
    expect(pickEntity(routes, 0.999999)).toBe("b");
    expect(pickEntity([], 0.3)).toBeUndefined();
  });

  it("sends to the replica with the fewest requests in flight, and never to the excluded one", () => {
    const inFlight = new InFlight();
    const rs = [replica("r1"), replica("r2"), replica("r3")];
    inFlight.add("r1");
    inFlight.add("r2");
    expect(pickReplica(rs, inFlight.get, 0.9)?.id).toBe("r3");
    inFlight.add("r3");
    inFlight.add("r3");
    inFlight.done("r1");
    expect(pickReplica(rs, inFlight.get, 0.9)?.id).toBe("r1");
    expect(pickReplica(rs, inFlight.get, 0.1, "r1")?.id).toBe("r2");
    expect(pickReplica([replica("only")], inFlight.get, 0.5, "only")).toBeUndefined();
  });

  it("spreads ties evenly", () => {
    const rs = [replica("r1"), replica("r2")];
    let first = 0;
    for (let i = 0; i < 2000; i++) if (pickReplica(rs, () => 0, Math.random())?.id === "r1") first++;
    expect(Math.abs(first / 20 - 50)).toBeLessThanOrEqual(5);
  });
});
