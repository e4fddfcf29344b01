import { describe, expect, it } from "vitest";
import { addStorage, reserveStorage, storedBytes } from "@/db/queries/storage-usage";
import { withNewIdentity } from "@/db/queries/users";
import { users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { StorageMeter, StorageQuotaExceeded, storageLimitBytes, storageUsageOf } from "./storage";

const GIB = 1024 ** 3;

async function* chunks(n: number, size: number, pulled: { n: number }): AsyncIterable<Uint8Array> {
  for (let i = 0; i < n; i++) {
    pulled.n++;
    yield new Uint8Array(size);
  }
}

async function drain(data: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const c of data) total += c.byteLength;
  return total;
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);

    it("reserves atomically: 20 parallel reservations of 100 bytes fill a 1000-byte quota exactly", async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => reserveStorage(db(), "q-race", 100, 1000)));
      expect(results.filter(Boolean)).toHaveLength(10);
      expect(await storedBytes(db(), "q-race")).toBe(1000);
      await addStorage(db(), "q-race", -5000);
      expect(await storedBytes(db(), "q-race")).toBe(0);
    });

    it("takes the quota from the role, a per-user override winning, and none for an unknown or no owner", async () => {
      const [plain, custom] = await db()
        .insert(users)
        .values([
          withNewIdentity({ name: "q-plain", role: "power" }),
          withNewIdentity({ name: "q-custom", role: "user", limits: { maxStorageGb: 0.5 } }),
        ])
        .returning();
      if (!plain || !custom) throw new Error("users not inserted");
      expect(await storageLimitBytes(db(), plain.id)).toBe(50 * GIB);
      expect(await storageLimitBytes(db(), custom.id)).toBe(GIB / 2);
      // Keyed by id: the name is not an owner.
      expect(await storageLimitBytes(db(), "q-custom")).toBeNull();
      expect(await storageLimitBytes(db(), null)).toBeNull();
      expect(await storageUsageOf(db(), custom.id)).toEqual({ usedBytes: 0, limitBytes: GIB / 2 });
      expect(await storageUsageOf(db(), null)).toEqual({ usedBytes: 0, limitBytes: null });
    });

    it("stops a stream at the first chunk past the quota, and a refused or failed upload gives its bytes back", async () => {
      await addStorage(db(), "q-meter", 1000);
      const meter = new StorageMeter(db(), { id: "q-meter", name: "q-meter" }, 2048);
      const pulled = { n: 0 };
      const err = await drain(meter.metered(chunks(10, 256, pulled))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageQuotaExceeded);
      expect((err as Error).message).toBe(
        "This upload would take q-meter's artifacts past their storage quota of 2.0 KiB (1000 bytes in use); delete artifacts or ask an admin for more.",
      );
      // 1000 + 4 × 256 = 2024 fits; the fifth chunk would not, and nothing after it is read.
      expect(pulled.n).toBe(5);
      await meter.release();
      expect(await storedBytes(db(), "q-meter")).toBe(1000);
    });

    it("refuses a declared length that cannot fit before reading, and counts a replaced file's bytes once", async () => {
      await addStorage(db(), "q-replace", 1500);
      await expect(new StorageMeter(db(), { id: "q-replace", name: "q-replace" }, 2048).expect(600)).rejects.toBeInstanceOf(
        StorageQuotaExceeded,
      );
      // Overwriting the 1500-byte file with 2000 bytes needs 500 more, which fit.
      const meter = new StorageMeter(db(), { id: "q-replace", name: "q-replace" }, 2048, 1500);
      await meter.expect(2000);
      expect(await drain(meter.metered(chunks(8, 250, { n: 0 })))).toBe(2000);
      await meter.commit(db(), 2000, 1500);
      expect(await storedBytes(db(), "q-replace")).toBe(2000);
    });

    it("commits against what the store holds then, and refuses bytes its reservation did not foresee past the quota", async () => {
      await addStorage(db(), "q-vanish", 1500);
      // Expected to overwrite a 1500-byte file with 2000 bytes: 500 reserved.
      const meter = new StorageMeter(db(), { id: "q-vanish", name: "q-vanish" }, 2048, 1500);
      expect(await drain(meter.metered(chunks(8, 250, { n: 0 })))).toBe(2000);
      expect(await storedBytes(db(), "q-vanish")).toBe(2000);
      // Meanwhile the old file was deleted (1500 freed) and another upload took 1000.
      await addStorage(db(), "q-vanish", -1500 + 1000);
      // Nothing is replaced after all: 1500 more are needed, and 1500 + 1500 > 2048.
      await expect(meter.commit(db(), 2000, 0)).rejects.toBeInstanceOf(StorageQuotaExceeded);
      await meter.release();
      expect(await storedBytes(db(), "q-vanish")).toBe(1000);
    });

    it("counts without limiting when the owner has no quota (a deleted person)", async () => {
      const meter = new StorageMeter(db(), { id: "q-nobody", name: "q-nobody" }, null);
      expect(await drain(meter.metered(chunks(4, 1024, { n: 0 })))).toBe(4096);
      await meter.commit(db(), 4096, 0);
      expect(await storedBytes(db(), "q-nobody")).toBe(4096);
    });

    it("neither counts nor limits what nobody owns (the bootstrap token's runs)", async () => {
      const meter = await StorageMeter.forOwner(db(), { id: null, name: "bootstrap" });
      await meter.expect(10 * GIB);
      expect(await drain(meter.metered(chunks(4, 1024, { n: 0 })))).toBe(4096);
      await meter.commit(db(), 4096, 0);
      expect(await storedBytes(db(), "bootstrap")).toBe(0);
    });
  });
}
