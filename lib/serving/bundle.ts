/**
 * A serving bundle: one tar holding Atrium's scoring server (lib/serving/runtime/) and a model's MLflow
 * directory under `model/`, streamed from the artifact store to the endpoint's container (docs/serving.md).
 * `planBundle` walks the model's files and refuses, in one sentence, a model past the byte cap or without
 * an MLmodel file, before a byte is sent; `bundleStream` then writes the tar as the reader pulls it.
 */
import { readFile } from "node:fs/promises";
import { bodyChunks } from "@/lib/artifacts/http";
import { segmentsFromPath, UnsafeArtifactPath } from "@/lib/artifacts/paths";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { ApiError, badRequest } from "@/lib/http/api-error";
import { runtimeFile, SCORING_SERVER_FILES } from "./container-runtime";
import { tarStream, type TarEntry } from "./tar";

const PROXIED = "mlflow-artifacts:";
/** A model directory with more files than this is refused: each one is a store request and a tar entry. */
export const MAX_BUNDLE_FILES = 10_000;
const MIB = 1024 * 1024;

interface ModelFile {
  /** Path inside the model directory, '/'-joined. */
  rel: string;
  key: string;
  size: number;
}

export interface BundlePlan {
  modelUri: string;
  dirs: string[];
  files: ModelFile[];
  /** The model's bytes (the scoring server's few kB not counted). */
  modelBytes: number;
}

const tooLarge = (message: string) => new ApiError(413, "model_too_large", message);

/** The store key of a model location the portal serves (`mlflow-artifacts:/<exp>/<run>/artifacts/<path>`). */
export function modelKeyOf(modelUri: string): string {
  if (!modelUri.startsWith(PROXIED)) {
    throw badRequest(
      "model_outside_store",
      `The model's files are at ${modelUri}, outside Atrium's artifact store; register a version logged to this portal to serve it.`,
    );
  }
  try {
    return segmentsFromPath(modelUri.slice(PROXIED.length).replace(/^\/+/, "")).join("/");
  } catch (err) {
    if (err instanceof UnsafeArtifactPath) throw badRequest("invalid_model_location", err.message);
    throw err;
  }
}

/** Every file and folder under the model's location, checked against the cap and the file count. */
export async function planBundle(store: ArtifactStore, modelUri: string, maxBytes: number): Promise<BundlePlan> {
  const root = modelKeyOf(modelUri);
  const plan: BundlePlan = { modelUri, dirs: [], files: [], modelBytes: 0 };
  const walk = async (key: string, rel: string): Promise<void> => {
    for (const entry of await store.list(key)) {
      const childKey = `${key}/${entry.name}`;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDir) {
        plan.dirs.push(childRel);
        await walk(childKey, childRel);
        continue;
      }
      plan.modelBytes += entry.size ?? 0;
      plan.files.push({ rel: childRel, key: childKey, size: entry.size ?? 0 });
      if (plan.modelBytes > maxBytes) {
        throw tooLarge(
          `The model at ${modelUri} has more than ${Math.floor(maxBytes / MIB)} MiB of files, the most a serving bundle may hold (ATRIUM_SERVING_BUNDLE_MAX_MIB); serve a smaller model or ask an admin to raise the limit.`,
        );
      }
      if (plan.files.length > MAX_BUNDLE_FILES) {
        throw tooLarge(`The model at ${modelUri} has more than ${MAX_BUNDLE_FILES} files, the most a serving bundle may hold.`);
      }
    }
  };
  await walk(root, "");
  if (!plan.files.some((f) => f.rel === "MLmodel")) {
    throw badRequest("not_an_mlflow_model", `There is no MLmodel file at ${modelUri}, so it is not an MLflow model directory.`);
  }
  return plan;
}

async function* entriesOf(store: ArtifactStore, plan: BundlePlan): AsyncGenerator<TarEntry> {
  for (const name of SCORING_SERVER_FILES) {
    const bytes = new Uint8Array(await readFile(runtimeFile(name)));
    yield { kind: "file", path: name, size: bytes.byteLength, body: async () => [bytes] };
  }
  yield { kind: "dir", path: "model" };
  for (const dir of plan.dirs) yield { kind: "dir", path: `model/${dir}` };
  for (const file of plan.files) {
    yield {
      kind: "file",
      path: `model/${file.rel}`,
      size: file.size,
      body: async () => {
        const opened = await store.open(file.key);
        if (!opened) throw new Error(`model/${file.rel} was removed while the bundle was written.`);
        return bodyChunks(opened.stream);
      },
    };
  }
}

/** The bundle's tar, pulled chunk by chunk; an error mid-way (a file changed under it) errors the stream. */
export function bundleStream(store: ArtifactStore, plan: BundlePlan): ReadableStream<Uint8Array> {
  const chunks = tarStream(entriesOf(store, plan));
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
