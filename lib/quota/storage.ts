/**
 * Artifact storage per person against their role's quota (`maxStorageGb`, a per-user override winning).
 * An upload reserves its bytes as they arrive, in slices, each with one conditional UPDATE
 * (db/queries/storage-usage.ts), so parallel uploads cannot together pass the quota, and the first
 * chunk that does not fit stops the upload: the store then throws the partial file away.
 * Counted per person id (not name): a name created again after a deletion starts at 0, and what nobody
 * owns (an owner id of null: the bootstrap token's runs) is neither counted nor limited.
 */
import type { Db } from "@/db/client";
import { findUserRole } from "@/db/queries/roles";
import { addStorage, lockStorageRow, reserveStorage, storedBytes } from "@/db/queries/storage-usage";
import type { Owner } from "@/lib/auth/access";
import { formatBytes } from "./bytes";
import { effectiveLimits } from "./limits";

const GIB = 1024 ** 3;
/** Bytes reserved per database round trip while an upload streams. */
const RESERVE_SLICE = 8 * 1024 * 1024;

/** Thrown from inside an upload's byte stream, or by a span write, when the new bytes would pass the owner's quota. */
export class StorageQuotaExceeded extends Error {
  constructor(
    readonly owner: string | null,
    readonly limitBytes: number,
    readonly usedBytes: number,
    what: "artifacts" | "spans" = "artifacts",
  ) {
    const whose = owner ?? "the owner";
    const quota = `storage quota of ${formatBytes(limitBytes)} (${formatBytes(usedBytes)} in use)`;
    super(
      what === "artifacts"
        ? `This upload would take ${whose}'s artifacts past their ${quota}; delete artifacts or ask an admin for more.`
        : `These spans would take ${whose}'s artifacts and traces past their ${quota}; delete traces or artifacts, or ask an admin for more.`,
    );
    this.name = "StorageQuotaExceeded";
  }
}

export interface StorageUsage {
  usedBytes: number;
  /** null for an owner id without a users row (a deleted person): counted, never limited. */
  limitBytes: number | null;
}

/** The quota in bytes of a person (by id), from their role and overrides; null when there is no such person. */
export async function storageLimitBytes(db: Db, ownerId: string | null): Promise<number | null> {
  const found = ownerId === null ? undefined : await findUserRole(db, ownerId);
  if (!found) return null;
  return Math.floor(effectiveLimits(found.role, found.user.limits).maxStorageGb * GIB);
}

/** A person's usage by id; null (the bootstrap token, which is nobody) owns nothing that is counted. */
export async function storageUsageOf(db: Db, ownerId: string | null, maxStorageGb?: number): Promise<StorageUsage> {
  const [usedBytes, limitBytes] = await Promise.all([
    ownerId === null ? Promise.resolve(0) : storedBytes(db, ownerId),
    maxStorageGb === undefined ? storageLimitBytes(db, ownerId) : Promise.resolve(Math.floor(maxStorageGb * GIB)),
  ]);
  return { usedBytes, limitBytes };
}

/**
 * Counts one upload against its owner's quota. `metered` wraps the body; then `commit` (inside
 * `underStorageLock`, with the size of the file it replaces) or `release` (the upload failed) settles the
 * reservation.
 */
export class StorageMeter {
  private reserved = 0;
  private seen = 0;

  /** `replacedBytes`: the file the upload is expected to overwrite, whose bytes it may reuse while it streams. */
  constructor(
    private readonly db: Db,
    private readonly owner: Owner,
    private readonly limitBytes: number | null,
    private readonly replacedBytes = 0,
  ) {}

  static async forOwner(db: Db, owner: Owner, replacedBytes = 0): Promise<StorageMeter> {
    return new StorageMeter(db, owner, await storageLimitBytes(db, owner.id), replacedBytes);
  }

  /** Reserves at least what `total` upload bytes need beyond the replaced file, a slice ahead; throws when they do not fit. */
  private async reserveUpTo(total: number): Promise<void> {
    const needed = total - this.replacedBytes;
    const ownerId = this.owner.id;
    if (this.limitBytes === null || ownerId === null || needed <= this.reserved) return;
    const ahead = needed - this.reserved + RESERVE_SLICE;
    if (await reserveStorage(this.db, ownerId, ahead, this.limitBytes)) {
      this.reserved += ahead;
      return;
    }
    // The slice ahead did not fit: the bytes actually needed may still.
    if (await reserveStorage(this.db, ownerId, needed - this.reserved, this.limitBytes)) {
      this.reserved = needed;
      return;
    }
    // "In use" without this upload's own reservation, which release() gives back.
    throw new StorageQuotaExceeded(this.owner.name, this.limitBytes, Math.max(0, (await storedBytes(this.db, ownerId)) - this.reserved));
  }

  /** Refuses at once when the declared length (Content-Length) cannot fit, before a byte is written. */
  async expect(declaredBytes: number | undefined): Promise<void> {
    if (declaredBytes !== undefined && declaredBytes > 0) await this.reserveUpTo(declaredBytes);
  }

  metered(data: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    return this.meter(data);
  }

  private async *meter(data: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of data) {
      this.seen += chunk.byteLength;
      await this.reserveUpTo(this.seen);
      yield chunk;
    }
  }

  /**
   * Counts the stored upload, inside `underStorageLock` and just before it becomes the file: usage becomes what
   * it was, plus the new file, minus `replacedBytes` (what the store holds at the key now, measured under the
   * lock). Bytes the reservation did not foresee (the replaced file was deleted meanwhile) must still fit the
   * quota, else StorageQuotaExceeded. The reservation stays this meter's until the transaction commits, so a
   * rollback is followed by `release()`.
   */
  async commit(tx: Db, size: number, replacedBytes: number): Promise<void> {
    const ownerId = this.owner.id;
    if (ownerId === null) return;
    const extra = size - replacedBytes - this.reserved;
    if (extra > 0 && this.limitBytes !== null) {
      if (!(await reserveStorage(tx, ownerId, extra, this.limitBytes)))
        throw new StorageQuotaExceeded(this.owner.name, this.limitBytes, Math.max(0, (await storedBytes(tx, ownerId)) - this.reserved));
      return;
    }
    await addStorage(tx, ownerId, extra);
  }

  /** The upload failed or was refused: nothing was stored, so the reservation is given back. */
  async release(): Promise<void> {
    const reserved = this.reserved;
    this.reserved = 0;
    if (this.owner.id !== null) await addStorage(this.db, this.owner.id, -reserved);
  }
}

/**
 * Runs `fn` in a transaction holding the owner's `storage_usage` row lock, so what changes their stored bytes
 * (an upload becoming the file, a delete) is measured from the store, done and counted one at a time, on every
 * replica, and the count always equals what the store holds. Keep `fn` short: it holds a connection (on PGlite,
 * the only one). Nobody's files (an owner id of null) are not counted, so not serialised.
 */
export async function underStorageLock<T>(db: Db, ownerId: string | null, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx: Db) => {
    if (ownerId !== null) await lockStorageRow(tx, ownerId);
    return fn(tx);
  });
}

/**
 * Counts bytes the database itself stores for people (MLflow 3 trace spans) in the caller's transaction, after
 * the rows changed: growth past an owner's quota throws StorageQuotaExceeded (the transaction then rolls back
 * and nothing is kept), a shrink frees. Owners are charged in id order, so two transactions never wait on each
 * other's usage rows; callers lock their own rows (traces) before this.
 */
export async function chargeStorage(
  tx: Db,
  charges: Iterable<{ owner: Owner; bytes: number }>,
  /** Owners' quotas already read in this transaction (storageLimitBytes), by owner id. */
  knownLimits: ReadonlyMap<string, number | null> = new Map(),
): Promise<void> {
  const byOwner = new Map<string, { name: string | null; bytes: number }>();
  for (const { owner, bytes } of charges) {
    if (owner.id === null) continue;
    const sum = byOwner.get(owner.id) ?? { name: owner.name, bytes: 0 };
    sum.bytes += bytes;
    byOwner.set(owner.id, sum);
  }
  for (const [ownerId, { name, bytes }] of [...byOwner].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const known = knownLimits.get(ownerId);
    const limit = bytes <= 0 ? null : known !== undefined ? known : await storageLimitBytes(tx, ownerId);
    if (limit === null) await addStorage(tx, ownerId, bytes);
    else if (!(await reserveStorage(tx, ownerId, bytes, limit)))
      throw new StorageQuotaExceeded(name, limit, await storedBytes(tx, ownerId), "spans");
  }
}

/** Files removed: their bytes no longer count (for their owner, by id; ownerless files were never counted). */
export async function freeStorage(db: Db, ownerId: string | null, bytes: number): Promise<void> {
  if (ownerId !== null) await addStorage(db, ownerId, -bytes);
}
