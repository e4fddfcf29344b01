import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "./local-store";
import { putFile } from "./store";
import { artifactStoreContract, chunks } from "./store-contract";

async function* failing(): AsyncIterable<Uint8Array> {
  yield Buffer.from("half a file");
  throw new Error("client went away");
}

describe("LocalArtifactStore", () => {
  const roots: string[] = [];
  const fresh = () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "atrium-artifacts-"));
    roots.push(root);
    return { root, store: new LocalArtifactStore(root) };
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  describe("store contract", () => {
    artifactStoreContract({ fresh: async () => fresh().store });
  });

  it("keeps files as plain files under its root", async () => {
    const { root, store } = fresh();
    await putFile(store, "1/r/artifacts/model/MLmodel", chunks("flavors:\n", "  sklearn: {}\n"));
    expect(readFileSync(path.join(root, "1/r/artifacts/model/MLmodel"), "utf8")).toBe("flavors:\n  sklearn: {}\n");
  });

  it("leaves no temporary file on disk when an upload breaks", async () => {
    const { root, store } = fresh();
    await putFile(store, "1/r/artifacts/a.txt", chunks("old"));
    await expect(putFile(store, "1/r/artifacts/a.txt", failing())).rejects.toThrow("client went away");
    expect(readdirSync(path.join(root, "1/r/artifacts"))).toEqual(["a.txt"]);
  });
});
