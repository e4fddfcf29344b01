/**
 * Test helper, run as its own process by s3-testing.ts: an s3rver (a small S3 protocol server) on a free
 * loopback port. Its own process, because s3rver's continuation tokens use DES, which Node's OpenSSL 3 only
 * has with --openssl-legacy-provider, and so that memory tests measure the store and not the server.
 * Usage: s3rver-process.ts <directory> <bucket[,bucket...]> <port file>. Exits when its parent closes stdin.
 */
import { renameSync, writeFileSync } from "node:fs";
import S3rver, { type ListOptions, type ListResult, type S3rverStore } from "s3rver";

const [directory, buckets, portFile] = process.argv.slice(2);
if (!directory || !buckets || !portFile) throw new Error("usage: s3rver-process.ts <directory> <bucket[,bucket...]> <port file>");

const configureBuckets = buckets.split(",").map((name) => ({ name }));
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets });
listFoldersAsS3Does(server.store);
const { port } = await server.run();
// Written whole under another name and renamed, so the parent never reads half a number.
writeFileSync(`${portFile}.tmp`, String(port));
renameSync(`${portFile}.tmp`, portFile);

const stop = () => void server.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// A parent that dies without stopping us closes our stdin: no orphaned server.
process.stdin.on("end", stop);
process.stdin.resume();

/**
 * s3rver 3.7.1 stops walking one level below the listed prefix when a delimiter is given, so a folder that
 * holds only subfolders (`1/` with nothing but `1/run/...`) is missing from its CommonPrefixes; S3 and MinIO
 * list it. This lists every key under the prefix and rolls them up as S3 does. Only objects count towards
 * maxKeys, and a truncated page keeps only the prefixes before its last key, because s3rver builds the
 * continuation token from that key and filters the next page by it.
 */
function listFoldersAsS3Does(store: S3rverStore): void {
  const walkAll = store.listObjects.bind(store);
  store.listObjects = async (bucketName: string, options: ListOptions): Promise<ListResult> => {
    const { delimiter, prefix = "", maxKeys = Infinity } = options;
    if (!delimiter) return walkAll(bucketName, options);
    const everything = await walkAll(bucketName, { ...options, delimiter: "", maxKeys: Infinity });
    const objects: ListResult["objects"] = [];
    const prefixes = new Set<string>();
    let isTruncated = false;
    for (const object of [...everything.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      const cut = object.key.indexOf(delimiter, prefix.length);
      if (cut !== -1) prefixes.add(object.key.slice(0, cut + delimiter.length));
      else if (objects.length < maxKeys) objects.push(object);
      else {
        isTruncated = true;
        break;
      }
    }
    const lastKey = objects.at(-1)?.key;
    const commonPrefixes = [...prefixes].filter((p) => !isTruncated || (lastKey !== undefined && p < lastKey)).sort();
    return { objects, commonPrefixes, isTruncated };
  };
}
