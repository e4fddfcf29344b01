import { describe, expect, it } from "vitest";
import { USER_NAME_RE } from "@/lib/auth/names";
import { classifyHost, workspaceLabel, workspaceOrigin, type WorkspaceHost } from "./workspace-host";

const SERVER_RE = /^[a-z0-9][a-z0-9-]{0,29}$/;
const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every string over `alphabet` up to `max` characters. */
function strings(alphabet: string, max: number): string[] {
  let level = [""];
  const all: string[] = [];
  for (let n = 1; n <= max; n++) {
    level = level.flatMap((s) => [...alphabet].map((c) => s + c));
    all.push(...level);
  }
  return all;
}

describe("workspaceLabel", () => {
  it("uses <user>--<server> for plain names", () => {
    expect(workspaceLabel("alice", "default")).toBe("alice--default");
    expect(workspaceLabel("jane-doe", "gpu-2")).toBe("jane-doe--gpu-2");
  });

  it("hashes names a plain label could not carry unambiguously", () => {
    for (const [user, server] of [
      ["jane.doe", "default"],
      ["jane_doe", "default"],
      ["a--b", "c"],
      ["a-", "b"],
      ["a", "b--c"],
      ["x".repeat(63), "default"],
      // "xn--..." would be taken for punycode.
      ["xn", "abc"],
    ] as const) {
      const label = workspaceLabel(user, server);
      expect(label, `${user}/${server}`).not.toContain("--");
      expect(label).toMatch(DNS_LABEL_RE);
    }
    expect(workspaceLabel("jane.doe", "default")).toMatch(/^jane-doe-[a-z2-7]{32}$/);
  });

  it("is injective and DNS-safe over every small name, including '.', '_' and '-'", () => {
    const users = strings("a1-._", 4).filter((u) => USER_NAME_RE.test(u));
    const servers = strings("b-2", 3).filter((s) => SERVER_RE.test(s));
    const seen = new Map<string, string>();
    for (const user of users) {
      for (const server of servers) {
        const label = workspaceLabel(user, server);
        expect(label).toMatch(DNS_LABEL_RE);
        const before = seen.get(label);
        expect(before, `${user}/${server} and ${before} share ${label}`).toBeUndefined();
        seen.set(label, `${user}/${server}`);
      }
    }
    expect(seen.size).toBe(users.length * servers.length);
  });

  it("stays within 63 characters for the longest names", () => {
    const label = workspaceLabel(`a${".b".repeat(31)}`, "s".repeat(30));
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(DNS_LABEL_RE);
    // Same user, different server: different labels even though the readable prefix is the same.
    expect(workspaceLabel("jane.doe", "a")).not.toBe(workspaceLabel("jane.doe", "b"));
  });
});

describe("workspace origins and hosts", () => {
  const host: WorkspaceHost = { domain: "ws.localhost", port: "4321", scheme: "http" };

  it("builds the origin from the label, the domain and the port", () => {
    expect(workspaceOrigin(host, { user: "alice", server: "default" })).toBe("http://alice--default.ws.localhost:4321");
    expect(workspaceOrigin({ domain: "ws.example.com", port: undefined, scheme: "https" }, { user: "bob", server: "x" })).toBe(
      "https://bob--x.ws.example.com",
    );
  });

  it("tells the portal's hosts from one workspace label", () => {
    expect(classifyHost(host, "localhost:4321")).toEqual({ kind: "portal" });
    expect(classifyHost(host, undefined)).toEqual({ kind: "portal" });
    expect(classifyHost(host, "evilws.localhost:4321")).toEqual({ kind: "portal" });
    expect(classifyHost(host, "Alice--Default.WS.localhost:4321")).toEqual({ kind: "workspace", label: "alice--default" });
    expect(classifyHost(host, "ws.localhost:4321")).toEqual({ kind: "workspace", label: null });
    expect(classifyHost(host, "a.b.ws.localhost")).toEqual({ kind: "workspace", label: null });
  });
});
