/**
 * What every ArtifactStore must do, as tests: local-store.test.ts and s3-store.test.ts run this same suite,
 * so the service above behaves the same whichever store is configured.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { ArtifactConflict, putFile, type ArtifactStore } from "./store";

export interface StoreContractHooks {
  /**
   * A store over an empty namespace, fresh for each test. `listPageSize` is how many keys one listing call
   * returns, for backends that page (S3); others ignore it.
   */
  fresh(options?: { listPageSize?: number }): Promise<ArtifactStore>;
}

const MIB = 1024 * 1024;

export async function* chunks(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? Buffer.from(p) : p;
}

async function* failing(): AsyncIterable<Uint8Array> {
  yield Buffer.from("half a file");
  throw new Error("client went away");
}

async function readText(store: ArtifactStore, key: string): Promise<string | null> {
  const file = await store.open(key);
  return file ? new Response(file.stream).text() : null;
}

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Resident memory of this process, sampled until stopped; returns the peak. */
function sampleRss(everyMs = 25): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export function artifactStoreContract(hooks: StoreContractHooks): void {
  const A = "1/r/artifacts";

  it("writes, lists, reads and deletes files and folders", async () => {
    const store = await hooks.fresh();
    expect(await putFile(store, `${A}/model/MLmodel`, chunks("flavors:\n", "  sklearn: {}\n"))).toEqual({ size: 23 });
    await putFile(store, `${A}/loss.csv`, chunks("step,loss\n1,0.5\n"));
    expect(await store.list(A)).toEqual([
      { name: "loss.csv", isDir: false, size: 16 },
      { name: "model", isDir: true },
    ]);
    const file = await store.open(`${A}/loss.csv`);
    expect(file?.size).toBe(16);
    expect(await new Response(file?.stream).text()).toBe("step,loss\n1,0.5\n");
    expect(await readText(store, `${A}/model/MLmodel`)).toBe("flavors:\n  sklearn: {}\n");
    await store.remove(`${A}/model`);
    expect(await store.list(A)).toEqual([{ name: "loss.csv", isDir: false, size: 16 }]);
  });

  it("measures what a file or a folder holds (the storage quota counts it on delete)", async () => {
    const store = await hooks.fresh();
    await putFile(store, `${A}/model/MLmodel`, chunks("12345"));
    await putFile(store, `${A}/model/data/weights.bin`, chunks("1234567890"));
    await putFile(store, `${A}/model.txt`, chunks("abc"));
    expect(await store.sizeOf(`${A}/model/MLmodel`)).toBe(5);
    expect(await store.sizeOf(`${A}/model`)).toBe(15);
    expect(await store.sizeOf(A)).toBe(18);
    expect(await store.sizeOf(`${A}/missing`)).toBe(0);
    expect(await store.sizeOf(`${A}/model.txt/inner`)).toBe(0);
  });

  it("lists nested folders level by level, from the root down", async () => {
    const store = await hooks.fresh();
    await putFile(store, "7/run/artifacts/a/b/c/deep.txt", chunks("deep"));
    await putFile(store, "7/run/artifacts/a/b/mid.txt", chunks("mid!"));
    await putFile(store, "7/run/artifacts/a/top.txt", chunks("t"));
    await putFile(store, "7/run/artifacts/notes v1 é.txt", chunks("spaces and accents"));
    await putFile(store, "7/run/artifacts/empty.bin", chunks());
    expect(await store.list("")).toEqual([{ name: "7", isDir: true }]);
    expect(await store.list("7")).toEqual([{ name: "run", isDir: true }]);
    expect(await store.list("7/run/artifacts")).toEqual([
      { name: "a", isDir: true },
      { name: "empty.bin", isDir: false, size: 0 },
      { name: "notes v1 é.txt", isDir: false, size: 18 },
    ]);
    expect(await store.list("7/run/artifacts/a")).toEqual([
      { name: "b", isDir: true },
      { name: "top.txt", isDir: false, size: 1 },
    ]);
    expect(await store.list("7/run/artifacts/a/b")).toEqual([
      { name: "c", isDir: true },
      { name: "mid.txt", isDir: false, size: 4 },
    ]);
    expect(await store.list("7/run/artifacts/a/b/c")).toEqual([{ name: "deep.txt", isDir: false, size: 4 }]);
    expect(await readText(store, "7/run/artifacts/a/b/c/deep.txt")).toBe("deep");
    expect(await readText(store, "7/run/artifacts/notes v1 é.txt")).toBe("spaces and accents");
    const empty = await store.open("7/run/artifacts/empty.bin");
    expect([empty?.size, await new Response(empty?.stream).text()]).toEqual([0, ""]);
  });

  it("overwrites a file with the new bytes and size", async () => {
    const store = await hooks.fresh();
    await putFile(store, `${A}/a.txt`, chunks("the first version"));
    expect(await putFile(store, `${A}/a.txt`, chunks("v2"))).toEqual({ size: 2 });
    expect(await readText(store, `${A}/a.txt`)).toBe("v2");
    expect(await store.list(A)).toEqual([{ name: "a.txt", isDir: false, size: 2 }]);
  });

  it("keeps the old file and leaves nothing behind when an upload breaks", async () => {
    const store = await hooks.fresh();
    await putFile(store, `${A}/a.txt`, chunks("old"));
    await expect(putFile(store, `${A}/a.txt`, failing())).rejects.toThrow("client went away");
    await expect(putFile(store, `${A}/b.txt`, failing())).rejects.toThrow("client went away");
    // Nor the folders a broken upload would have been the first file in (a quota refusal breaks one so).
    await expect(putFile(store, `${A}/new/deeper/c.txt`, failing())).rejects.toThrow("client went away");
    expect(await readText(store, `${A}/a.txt`)).toBe("old");
    expect(await store.list(A)).toEqual([{ name: "a.txt", isDir: false, size: 3 }]);
  });

  it("answers null or [] for what is not there, and removing it is not an error", async () => {
    const store = await hooks.fresh();
    await putFile(store, `${A}/model/MLmodel`, chunks("x"));
    expect(await store.open(`${A}/missing`)).toBeNull();
    expect(await store.open(`${A}/model`)).toBeNull();
    expect(await store.open("9/none/artifacts/x")).toBeNull();
    expect(await store.list(`${A}/missing`)).toEqual([]);
    expect(await store.list(`${A}/model/MLmodel`)).toEqual([]);
    await store.remove(`${A}/never-there`);
    await store.remove("9/none");
    // A path through a file names nothing: ENOTDIR on disk, no such key on S3.
    await store.remove(`${A}/model/MLmodel/inner`);
    expect(await store.list(A)).toEqual([{ name: "model", isDir: true }]);
  });

  it("removes a folder with everything in it, and nothing that merely starts with its name", async () => {
    const store = await hooks.fresh();
    for (const f of ["model/MLmodel", "model/data/weights.bin", "model/data/deeper/x.json", "model-v2/MLmodel", "model.txt"]) {
      await putFile(store, `${A}/${f}`, chunks(f));
    }
    await store.remove(`${A}/model`);
    expect(await store.list(A)).toEqual([
      { name: "model-v2", isDir: true },
      { name: "model.txt", isDir: false, size: 9 },
    ]);
    expect(await store.open(`${A}/model/data/deeper/x.json`)).toBeNull();
    await store.remove(`${A}/model.txt`);
    expect(await store.list(A)).toEqual([{ name: "model-v2", isDir: true }]);
    expect(await readText(store, `${A}/model-v2/MLmodel`)).toBe("model-v2/MLmodel");
  });

  it("refuses a file where a folder is and a folder under a file", async () => {
    const store = await hooks.fresh();
    await putFile(store, `${A}/model/MLmodel`, chunks("x"));
    await expect(putFile(store, `${A}/model`, chunks("y"))).rejects.toBeInstanceOf(ArtifactConflict);
    await expect(putFile(store, `${A}/model/MLmodel/inner`, chunks("y"))).rejects.toBeInstanceOf(ArtifactConflict);
    await expect(putFile(store, `${A}/model/MLmodel/inner/deeper`, chunks("y"))).rejects.toBeInstanceOf(ArtifactConflict);
    expect(await store.list(`${A}/model`)).toEqual([{ name: "MLmodel", isDir: false, size: 1 }]);
    expect(await readText(store, `${A}/model/MLmodel`)).toBe("x");
  });

  it("refuses keys with empty or dot segments and deleting the whole store", async () => {
    const store = await hooks.fresh();
    await expect(putFile(store, "../outside", chunks("x"))).rejects.toThrow("artifact key escapes the store: ../outside");
    await expect(store.remove("")).rejects.toThrow("refusing to delete the whole artifact store");
  });

  it("lists and removes folders bigger than one listing page", async () => {
    const store = await hooks.fresh({ listPageSize: 4 });
    const files = Array.from({ length: 23 }, (_, i) => `f-${String(i).padStart(3, "0")}.txt`);
    const folders = ["d-a", "d-m", "d-z"];
    await inParallel([...files.map((f) => `${A}/${f}`), ...folders.flatMap((d) => [`${A}/${d}/1`, `${A}/${d}/2`])], 6, (k) =>
      putFile(store, k, chunks("12345")),
    );
    expect(await store.list(A)).toEqual([
      ...folders.map((name) => ({ name, isDir: true })),
      ...files.map((name) => ({ name, isDir: false, size: 5 })),
    ]);
    await store.remove("1");
    expect(await store.list("")).toEqual([]);
  });

  it("lists more than 1000 files in one folder", { timeout: 180_000 }, async () => {
    const store = await hooks.fresh();
    const names = Array.from({ length: 1003 }, (_, i) => `m-${String(i).padStart(4, "0")}`);
    await inParallel(names, 8, (n) => putFile(store, `${A}/many/${n}`, chunks("x")));
    const listed = await store.list(`${A}/many`);
    expect(listed.length).toBe(1003);
    expect(listed.map((e) => e.name)).toEqual(names);
    await store.remove(`${A}/many`);
    expect(await store.list(A)).toEqual([]);
  });

  it("streams 256 MiB in and out while this process grows by less than 100 MB", { timeout: 300_000 }, async () => {
    const store = await hooks.fresh();
    const total = 256 * MIB;
    const sent = createHash("sha256");
    const generated = async function* () {
      for (let off = 0; off < total; off += MIB) {
        const chunk = Buffer.alloc(MIB, (off / MIB) % 251);
        chunk.writeUInt32BE(off / MIB, 0);
        sent.update(chunk);
        yield chunk;
      }
    };
    // Warmed up first, so loading the SDK's code paths is not counted as the upload's memory.
    await putFile(store, `${A}/warm.bin`, chunks(Buffer.alloc(9 * MIB)));
    await new Response((await store.open(`${A}/warm.bin`))?.stream).arrayBuffer();
    const before = process.memoryUsage.rss();

    const up = sampleRss();
    expect(await putFile(store, `${A}/big/data.bin`, generated())).toEqual({ size: total });
    const upPeak = up.stop();

    const down = sampleRss();
    const file = await store.open(`${A}/big/data.bin`);
    expect(file?.size).toBe(total);
    const received = createHash("sha256");
    let bytes = 0;
    const reader = file!.stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      received.update(value);
    }
    const downPeak = down.stop();
    console.log(
      `[store-contract] 256 MiB: RSS before ${(before / MIB).toFixed(0)} MiB, peak +${((upPeak - before) / MIB).toFixed(1)} MiB up, +${((downPeak - before) / MIB).toFixed(1)} MiB down`,
    );
    expect([bytes, received.digest("hex")]).toEqual([total, sent.digest("hex")]);
    expect(upPeak - before).toBeLessThan(100 * 1000 * 1000);
    expect(downPeak - before).toBeLessThan(100 * 1000 * 1000);
    await store.remove(`${A}/big`);
  });
}
