"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MlflowError, mlflowGet, type WireModelVersion, type WireRegisteredModel } from "./mlflow";

/** A sentence for a registry error; a server without the registry endpoints says so plainly. */
export function registryProblem(err: Error): string {
  if (err instanceof MlflowError && err.code === "ENDPOINT_NOT_FOUND") return "The model registry is not available on this server yet.";
  return err.message;
}

/** MLflow's filter string literal: single quotes, with embedded quotes escaped. */
export const quoted = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function useRegisteredModels() {
  return useQuery({
    queryKey: ["registered-models"],
    queryFn: async () => {
      const res = await mlflowGet<{ registered_models?: WireRegisteredModel[] }>("registered-models/search", {
        max_results: 1000,
        order_by: "name ASC",
      });
      return res.registered_models ?? [];
    },
    retry: false,
  });
}

export function useRegisteredModel(name: string) {
  return useQuery({
    queryKey: ["registered-model", name],
    queryFn: async () => (await mlflowGet<{ registered_model: WireRegisteredModel }>("registered-models/get", { name })).registered_model,
    retry: false,
  });
}

export function useModelVersions(name: string) {
  return useQuery({
    queryKey: ["model-versions", name],
    queryFn: async () => {
      const res = await mlflowGet<{ model_versions?: WireModelVersion[] }>("model-versions/search", {
        filter: `name=${quoted(name)}`,
        max_results: 1000,
      });
      return (res.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version));
    },
    retry: false,
  });
}

export function useModelVersion(name: string, version: string) {
  return useQuery({
    queryKey: ["model-version", name, version],
    queryFn: async () => (await mlflowGet<{ model_version: WireModelVersion }>("model-versions/get", { name, version })).model_version,
    retry: false,
  });
}

/** Where a version's files are (`models:/` and `runs:/` sources resolved by the server). */
export function useVersionDownloadUri(name: string, version: string) {
  return useQuery({
    queryKey: ["model-version-uri", name, version],
    queryFn: async () => (await mlflowGet<{ artifact_uri: string }>("model-versions/get-download-uri", { name, version })).artifact_uri,
    retry: false,
  });
}

/**
 * A change to a registered model or one of its versions; afterwards every registry view of that model is
 * fetched again, since an alias or a stage move touches other versions too.
 */
export function useRegistryChange<A>(name: string, change: (args: A) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ["registered-models"] }),
        client.invalidateQueries({ queryKey: ["registered-model", name] }),
        client.invalidateQueries({ queryKey: ["model-versions", name] }),
        client.invalidateQueries({ queryKey: ["model-version", name] }),
      ]),
  });
}
