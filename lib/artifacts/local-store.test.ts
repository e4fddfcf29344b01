import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "./local-store";
import { ArtifactConflict } from "./store";

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function* failing(): AsyncIterable<Uint8Array> {
  yield Buffer.from("half a file");
  throw new Error("client went away");
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("LocalArtifactStore", () => {
  let root: string;
  let store: LocalArtifactStore;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "atrium-artifacts-"));
    store = new LocalArtifactStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes, lists, reads and deletes files and folders", async () => {
    expect(await store.put("1/r/artifacts/model/MLmodel", chunks("flavors:\n", "  sklearn: {}\n"))).toEqual({ size: 23 });
    await store.put("1/r/artifacts/loss.csv", chunks("step,loss\n1,0.5\n"));
    expect(readFileSync(path.join(root, "1/r/artifacts/model/MLmodel"), "utf8")).toBe("flavors:\n  sklearn: {}\n");
    expect(await store.list("1/r/artifacts")).toEqual([
      { name: "loss.csv", isDir: false, size: 16 },
      { name: "model", isDir: true },
    ]);
    const file = await store.open("1/r/artifacts/loss.csv");
    expect(file?.size).toBe(16);
    expect(await readAll(file!.stream)).toBe("step,loss\n1,0.5\n");
    expect(await store.open("1/r/artifacts/model")).toBeNull();
    expect(await store.open("1/r/artifacts/missing")).toBeNull();
    expect(await store.list("1/r/artifacts/loss.csv")).toEqual([]);
    await store.remove("1/r/artifacts/model");
    expect(await store.list("1/r/artifacts")).toEqual([{ name: "loss.csv", isDir: false, size: 16 }]);
    await store.remove("1/r/artifacts/never-there");
  });

  it("replaces a file whole and leaves nothing behind when an upload breaks", async () => {
    await store.put("1/r/artifacts/a.txt", chunks("old"));
    await expect(store.put("1/r/artifacts/a.txt", failing())).rejects.toThrow("client went away");
    expect(readFileSync(path.join(root, "1/r/artifacts/a.txt"), "utf8")).toBe("old");
    expect(readdirSync(path.join(root, "1/r/artifacts"))).toEqual(["a.txt"]);
  });

  it("refuses a file where a folder is and a folder under a file", async () => {
    await store.put("1/r/artifacts/model/MLmodel", chunks("x"));
    await expect(store.put("1/r/artifacts/model", chunks("y"))).rejects.toBeInstanceOf(ArtifactConflict);
    await expect(store.put("1/r/artifacts/model/MLmodel/inner", chunks("y"))).rejects.toBeInstanceOf(ArtifactConflict);
  });

  it("never leaves its root, even for a key nobody checked", async () => {
    await expect(store.put("../outside", chunks("x"))).rejects.toThrow("artifact key escapes the store: ../outside");
    await expect(store.remove("")).rejects.toThrow("refusing to delete the whole artifact store");
  });
});
