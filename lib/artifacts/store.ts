/**
 * Where artifact bytes live. Keys are '/'-joined segments already checked by paths.ts
 * (`<experiment>/<run>/artifacts/<file...>`, the layout MLflow's own artifact root uses), so a backend
 * only maps a key to its storage: a folder on disk (local-store.ts) or, later, an S3 bucket prefix
 * (PutObject with a multipart Upload, GetObject's body stream, ListObjectsV2 with Delimiter "/").
 */

export interface ArtifactEntry {
  /** The file or folder name, without its parent path. */
  name: string;
  isDir: boolean;
  /** Bytes; files only. */
  size?: number;
}

export interface ArtifactFile {
  size: number;
  /** Pull-based: bytes are read as the consumer asks for them, never the whole file at once. */
  stream: ReadableStream<Uint8Array>;
}

/**
 * An upload's bytes, received in full but not yet the file at its key. Exactly one of `commit` or `discard`
 * follows. The split lets the service stream a long upload without a lock and then make it the file, measure
 * what it replaces and count the difference as one short step under the owner's storage lock
 * (lib/quota/storage.ts), so the count always equals what the store holds.
 */
export interface StagedArtifact {
  readonly size: number;
  /** Makes the bytes the file at the key, replacing a file there; ArtifactConflict when a folder is there. */
  commit(): Promise<void>;
  /** Throws the bytes away; the file at the key (if any) is untouched. */
  discard(): Promise<void>;
}

export interface ArtifactStore {
  /**
   * Receives a file from a stream without making it visible; a stream that fails leaves nothing staged.
   * May refuse with ArtifactConflict early (a folder at the key, a file above it); `commit` checks that again.
   */
  stage(key: string, data: AsyncIterable<Uint8Array>): Promise<StagedArtifact>;
  /** The file at `key`, or null when there is no file there (missing, or a folder). */
  open(key: string): Promise<ArtifactFile | null>;
  /** The direct children of the folder at `key`, sorted by name; [] when it is missing or a file. */
  list(key: string): Promise<ArtifactEntry[]>;
  /** Deletes a file, or a folder with everything in it; nothing there is not an error. */
  remove(key: string): Promise<void>;
  /** Bytes stored at `key`: a file's size, or everything under a folder; 0 when nothing is there. */
  sizeOf(key: string): Promise<number>;
}

/** A file cannot be written where a folder is, or under a path whose parent is a file. */
export class ArtifactConflict extends Error {
  constructor(readonly key: string) {
    super(`Cannot write "${key}": a file and a folder would have the same path.`);
    this.name = "ArtifactConflict";
  }
}

/** Stages and commits at once: readers see either the old file or the complete new one, never a partial one. */
export async function putFile(store: ArtifactStore, key: string, data: AsyncIterable<Uint8Array>): Promise<{ size: number }> {
  const staged = await store.stage(key, data);
  try {
    await staged.commit();
  } catch (err) {
    await staged.discard();
    throw err;
  }
  return { size: staged.size };
}
