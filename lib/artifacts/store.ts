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

export interface ArtifactStore {
  /** Writes a file from a stream; readers see either the old file or the complete new one, never a partial one. */
  put(key: string, data: AsyncIterable<Uint8Array>): Promise<{ size: number }>;
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
