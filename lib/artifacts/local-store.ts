import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ArtifactConflict, type ArtifactEntry, type ArtifactFile, type ArtifactStore, type StagedArtifact } from "./store";

const READ_CHUNK = 256 * 1024;
const TEMP_PREFIX = ".atrium-upload-";

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && "code" in err && typeof err.code === "string" && codes.includes(err.code);
}

/** Artifacts as plain files under one folder (by default `<ATRIUM_DATA_DIR>/artifacts`). */
export class LocalArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Keys are checked before they get here; this second check keeps a bug elsewhere from leaving the root. */
  private fileOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (full !== this.root && !full.startsWith(this.root + path.sep)) throw new Error(`artifact key escapes the store: ${key}`);
    return full;
  }

  async stage(key: string, data: AsyncIterable<Uint8Array>): Promise<StagedArtifact> {
    const target = this.fileOf(key);
    // Staged at the root, not beside the target: deleting the target's folder meanwhile cannot take it away.
    await mkdir(this.root, { recursive: true });
    const temp = path.join(this.root, `${TEMP_PREFIX}${randomUUID()}`);
    let size = 0;
    const counted = async function* () {
      for await (const chunk of data) {
        size += chunk.byteLength;
        yield chunk;
      }
    };
    try {
      await pipeline(counted, createWriteStream(temp));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    return {
      size,
      commit: () => this.moveIntoPlace(key, temp, target),
      discard: () => unlink(temp).catch(() => undefined),
    };
  }

  /** A rename on the same file system: readers see the old file or the new one, never a partial one. */
  private async moveIntoPlace(key: string, temp: string, target: string): Promise<void> {
    const dir = path.dirname(target);
    let made: string | undefined;
    try {
      made = await mkdir(dir, { recursive: true });
    } catch (err) {
      if (isErrno(err, "EEXIST", "ENOTDIR")) throw new ArtifactConflict(key);
      throw err;
    }
    try {
      await rename(temp, target);
    } catch (err) {
      await this.removeEmptyFolders(dir, made);
      if (isErrno(err, "EISDIR", "ENOTDIR", "ENOTEMPTY", "EEXIST")) throw new ArtifactConflict(key);
      throw err;
    }
  }

  /**
   * After a failed commit: the folders its mkdir made, deepest first, while they are empty (a parallel
   * upload may have written into one since; rmdir then refuses and the rest stay).
   */
  private async removeEmptyFolders(deepest: string, firstMade: string | undefined): Promise<void> {
    if (!firstMade) return;
    for (let d = deepest; d.length >= firstMade.length && d !== this.root; d = path.dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }

  async open(key: string): Promise<ArtifactFile | null> {
    const file = this.fileOf(key);
    let handle;
    try {
      handle = await open(file, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR", "EISDIR")) return null;
      throw err;
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      return null;
    }
    const fh = handle;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const buf = Buffer.allocUnsafe(READ_CHUNK);
          const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, null);
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          controller.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
        },
        cancel: close,
      },
      // One chunk ahead at most: the reader's pace sets the disk's.
      { highWaterMark: 1 },
    );
    return { size: info.size, stream };
  }

  async list(key: string): Promise<ArtifactEntry[]> {
    const dir = this.fileOf(key);
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR")) return [];
      throw err;
    }
    const entries: ArtifactEntry[] = [];
    for (const d of names) {
      if (d.name.startsWith(TEMP_PREFIX)) continue;
      if (d.isDirectory()) entries.push({ name: d.name, isDir: true });
      else if (d.isFile()) entries.push({ name: d.name, isDir: false, size: (await stat(path.join(dir, d.name))).size });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async sizeOf(key: string): Promise<number> {
    const walk = async (at: string): Promise<number> => {
      let info;
      try {
        info = await lstat(at);
      } catch (err) {
        if (isErrno(err, "ENOENT", "ENOTDIR")) return 0;
        throw err;
      }
      if (info.isFile()) return path.basename(at).startsWith(TEMP_PREFIX) ? 0 : info.size;
      if (!info.isDirectory()) return 0;
      let total = 0;
      for (const name of await readdir(at)) total += await walk(path.join(at, name));
      return total;
    };
    return walk(this.fileOf(key));
  }

  async remove(key: string): Promise<void> {
    const target = this.fileOf(key);
    if (target === this.root) throw new Error("refusing to delete the whole artifact store");
    try {
      await rm(target, { recursive: true, force: true });
    } catch (err) {
      // A path through a file ("a.txt/inner") names nothing, and nothing there is not an error.
      if (isErrno(err, "ENOTDIR")) return;
      throw err;
    }
  }
}
