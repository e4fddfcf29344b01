import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import type { ArtifactS3Config } from "@/lib/config";
import { ArtifactConflict, type ArtifactEntry, type ArtifactFile, type ArtifactStore, type StagedArtifact } from "./store";

const MIB = 1024 * 1024;
/** S3's own ceiling for ListObjectsV2's MaxKeys and for one DeleteObjects call. */
const S3_BATCH_LIMIT = 1000;

export interface S3ArtifactStoreOptions {
  client: S3Client;
  bucket: string;
  /** Keys live under `<prefix>/`; undefined for the bucket's root. No leading or trailing slash. */
  prefix?: string;
  /** MaxKeys per ListObjectsV2 page (at most 1000); small values let tests walk many pages cheaply. */
  listPageSize?: number;
  /** Multipart part size and how many parts are in flight: together they bound an upload's memory. */
  partSize?: number;
  queueSize?: number;
}

/** The SDK client for the configured bucket; credentials come from the SDK's default chain unless given. */
export function s3ClientFor(
  settings: Pick<ArtifactS3Config, "endpoint" | "region" | "forcePathStyle">,
  credentials?: S3ClientConfig["credentials"],
): S3Client {
  return new S3Client({
    region: settings.region,
    credentials,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // The SDK's newer default sends CRC32 trailers in aws-chunked bodies, which MinIO releases before 2024,
    // Ceph and other S3-compatible servers store as part of the object; checksums only where S3 requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function s3ArtifactStoreFor(settings: ArtifactS3Config): S3ArtifactStore {
  return new S3ArtifactStore({ client: s3ClientFor(settings), bucket: settings.bucket, prefix: settings.prefix });
}

function isMissing(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata.httpStatusCode === 404);
}

const byName = (a: ArtifactEntry, b: ArtifactEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Reads a Node stream one chunk per pull, so the reader's pace sets the network's (as the local store does the disk's). */
function pullStream(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next: IteratorResult<Uint8Array, undefined> = (await chunks.next()) as IteratorResult<Uint8Array, undefined>;
        const { done, value } = next;
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        // Ends the HTTP response, so an abandoned download does not keep a socket open.
        await chunks.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * Artifacts as objects in one bucket. S3 has no folders: a "folder" is a key prefix ending in "/", so one
 * exists exactly while some object lies under it, and an empty folder cannot exist (as MLflow's S3 store).
 * Readers never see a partial object: S3 makes a PutObject or a completed multipart upload visible at once.
 * The checks for a file where a folder is (ArtifactConflict) are made before the upload and again at commit;
 * the service commits one at a time per owner (lib/quota/storage.ts), and the objects of one run or logged
 * model have one owner, so portal writers cannot race past them. Writers outside the portal still could.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly listPageSize: number;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix}/` : "";
    this.listPageSize = Math.min(S3_BATCH_LIMIT, Math.max(1, options.listPageSize ?? S3_BATCH_LIMIT));
    this.partSize = options.partSize ?? 8 * MIB;
    this.queueSize = options.queueSize ?? 2;
  }

  /** Keys are checked before they get here; this second check keeps a bug elsewhere from writing odd keys. */
  private objectKey(key: string): string {
    if (key.split("/").some((seg) => seg === "" || seg === "." || seg === "..")) throw new Error(`artifact key escapes the store: ${key}`);
    return this.prefix + key;
  }

  /** The key prefix of the folder at `key`; the store's root for "". */
  private folderPrefix(key: string): string {
    return key === "" ? this.prefix : `${this.objectKey(key)}/`;
  }

  private async exists(objectKey: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  private async hasAnythingUnder(folderPrefix: string): Promise<boolean> {
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folderPrefix, MaxKeys: 1 }));
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }

  /** ArtifactConflict when `key` is a folder or one of its parents is a file, as the local store's file system says. */
  private async assertWritable(key: string): Promise<void> {
    const segments = key.split("/");
    const parents = segments.slice(0, -1).map((_, i) => this.objectKey(segments.slice(0, i + 1).join("/")));
    const [isFolder, ...parentIsFile] = await Promise.all([
      this.hasAnythingUnder(`${this.objectKey(key)}/`),
      ...parents.map((p) => this.exists(p)),
    ]);
    if (isFolder || parentIsFile.some(Boolean)) throw new ArtifactConflict(key);
  }

  /**
   * A body that fits in one part is kept in memory (at most `partSize`) and written with one PutObject at
   * commit; a bigger one goes up as a multipart upload, `queueSize` parts in flight, completed at commit.
   * Nothing is visible under the key until then, and a failed stream or a discard aborts the upload.
   */
  async stage(key: string, data: AsyncIterable<Uint8Array>): Promise<StagedArtifact> {
    const objectKey = this.objectKey(key);
    const target = { Bucket: this.bucket, Key: objectKey };
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let size = 0;
    let uploadId: string | undefined;
    let nextPart = 1;
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let partError: Error | undefined;
    const sendPart = async (): Promise<void> => {
      const body = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (uploadId === undefined) {
        // Before the first part goes up, so a conflict is refused before a big body is sent in vain.
        await this.assertWritable(key);
        uploadId = (await this.client.send(new CreateMultipartUploadCommand(target))).UploadId;
      }
      const PartNumber = nextPart++;
      // Never rejects: a failed part is remembered and thrown by the reading loop, not left unhandled.
      const sent: Promise<void> = this.client
        .send(new UploadPartCommand({ ...target, UploadId: uploadId, PartNumber, Body: body }))
        .then(
          (res) => void parts.push({ PartNumber, ETag: res.ETag }),
          (err: unknown) => void (partError ??= err instanceof Error ? err : new Error(String(err))),
        )
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= this.queueSize) await Promise.race(inFlight);
    };
    try {
      for await (const chunk of data) {
        if (partError !== undefined) throw partError;
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        size += chunk.byteLength;
        if (pendingBytes >= this.partSize) await sendPart();
      }
      if (uploadId !== undefined && pendingBytes > 0) await sendPart();
      await Promise.all(inFlight);
      if (partError !== undefined) throw partError;
    } catch (err) {
      await Promise.all(inFlight);
      if (uploadId !== undefined) await this.abort(objectKey, uploadId);
      throw err;
    }
    if (uploadId === undefined) {
      const body = Buffer.concat(pending, pendingBytes);
      return {
        size,
        commit: async () => {
          await this.assertWritable(key);
          await this.client.send(new PutObjectCommand({ ...target, Body: body, ContentLength: body.byteLength }));
        },
        discard: async () => undefined,
      };
    }
    const id = uploadId;
    return {
      size,
      commit: async () => {
        await this.assertWritable(key);
        const ordered = [...parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
        await this.client.send(new CompleteMultipartUploadCommand({ ...target, UploadId: id, MultipartUpload: { Parts: ordered } }));
      },
      discard: () => this.abort(objectKey, id),
    };
  }

  /** Gives up a multipart upload, so S3 keeps none of its parts; a failure to do so is logged, not thrown. */
  private async abort(objectKey: string, uploadId: string): Promise<void> {
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: uploadId }))
      .catch((err: unknown) => console.warn(`[atrium] could not abort the multipart upload of ${objectKey}:`, err));
  }

  async open(key: string): Promise<ArtifactFile | null> {
    if (key === "") return null;
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const body = res.Body;
    if (!body) return null;
    const stream = body instanceof Readable ? pullStream(body) : (body.transformToWebStream() as ReadableStream<Uint8Array>);
    return { size: res.ContentLength ?? 0, stream };
  }

  /** Every page of a ListObjectsV2 listing; S3 returns at most 1000 keys per call. */
  private async *pages(prefix: string, delimiter?: string): AsyncIterable<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          MaxKeys: this.listPageSize,
          ContinuationToken: token,
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async list(key: string): Promise<ArtifactEntry[]> {
    const prefix = this.folderPrefix(key);
    // Keyed by kind and name: a common prefix may come back on more than one page from some servers.
    const entries = new Map<string, ArtifactEntry>();
    for await (const page of this.pages(prefix, "/")) {
      for (const obj of page.Contents ?? []) {
        const name = obj.Key?.slice(prefix.length);
        // "<folder>/" itself is the marker object some tools create for an empty folder: not a file.
        if (!name || name.includes("/")) continue;
        entries.set(`f:${name}`, { name, isDir: false, size: obj.Size ?? 0 });
      }
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(prefix.length, -1);
        if (name) entries.set(`d:${name}`, { name, isDir: true });
      }
    }
    return [...entries.values()].sort(byName);
  }

  async sizeOf(key: string): Promise<number> {
    let total = 0;
    if (key !== "") {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
        total += head.ContentLength ?? 0;
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    for await (const page of this.pages(this.folderPrefix(key))) for (const obj of page.Contents ?? []) total += obj.Size ?? 0;
    return total;
  }

  async remove(key: string): Promise<void> {
    if (key === "") throw new Error("refusing to delete the whole artifact store");
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    for await (const page of this.pages(this.folderPrefix(key))) {
      const keys = (page.Contents ?? []).flatMap((obj) => (obj.Key ? [{ Key: obj.Key }] : []));
      for (let i = 0; i < keys.length; i += S3_BATCH_LIMIT) {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + S3_BATCH_LIMIT), Quiet: true } }),
        );
        const failed = res.Errors?.[0];
        if (failed)
          throw new Error(
            `S3 did not delete ${res.Errors?.length ?? 1} object(s) under "${key}", first ${failed.Key}: ${failed.Code} ${failed.Message}`,
          );
      }
    }
  }
}
