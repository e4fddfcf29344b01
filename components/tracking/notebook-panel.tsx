"use client";

import { CodeBlock } from "@/components/ui/code-block";
import { useQueries } from "@tanstack/react-query";
import Link from "next/link";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentPackagesView } from "@/lib/packages/environment-packages";
import { mlflowClientIn } from "@/lib/packages/mlflow-client";
import { PortalReachNotice } from "@/components/workspaces/portal-reach-notice";
import { mlflowSnippet, restSnippet } from "./logging-snippets";

/** An environment the person may start, and whether its image is on this host (so it can be scanned). */
export interface PanelEnvironment {
  id: string;
  name: string;
  available: boolean;
}

type Check =
  | { kind: "checking" }
  | { kind: "installed"; version: string }
  | { kind: "missing" }
  | { kind: "failed"; message: string }
  | { kind: "no-image" };

const Code = ({ children }: { children: React.ReactNode }) => <code className="rounded bg-white px-1">{children}</code>;

function Snippet({ text, testId }: { text: string; testId: string }) {
  return <CodeBlock text={text} testId={testId} />;
}

const names = (envs: { name: string }[]) => envs.map((e) => `“${e.name}”`).join(", ");

/**
 * How to log from a notebook, per environment: the image scan (lib/packages/environment-packages.ts) says
 * whether `mlflow` is installed; where it is not, the Packages page installs it and the REST API works
 * meanwhile. Outside a workspace (not compact), two variables point mlflow here.
 */
export function NotebookPanel({
  trackingUri,
  environments,
  experiment = "my-experiment",
  compact = false,
  unreachable,
}: {
  trackingUri: string;
  /** Why workspaces cannot reach the portal now (lib/http/workspace-listener.ts); undefined when they can. */
  unreachable?: string;
  environments: PanelEnvironment[];
  experiment?: string;
  compact?: boolean;
}) {
  const scans = useQueries({
    queries: environments.map((e) => ({
      queryKey: ["environment-packages", e.id],
      queryFn: () => apiFetch<EnvironmentPackagesView>(`/api/environments/${encodeURIComponent(e.id)}/packages`),
      staleTime: Infinity,
      retry: false,
      enabled: e.available,
    })),
  });
  const checks = environments.map((env, i): { env: PanelEnvironment; check: Check } => {
    const q = scans[i];
    if (!env.available || !q) return { env, check: { kind: "no-image" } };
    if (q.isPending) return { env, check: { kind: "checking" } };
    if (q.isError) return { env, check: { kind: "failed", message: q.error.message } };
    const client = mlflowClientIn(q.data.packages);
    return { env, check: client.installed ? { kind: "installed", version: client.version } : { kind: "missing" } };
  });
  const installed = checks.filter((c) => c.check.kind === "installed").map((c) => c.env);
  const missing = checks.filter((c) => c.check.kind === "missing").map((c) => c.env);
  const checking = checks.some((c) => c.check.kind === "checking");
  const unknown = !checking && installed.length === 0 && missing.length === 0;

  return (
    <section className="rounded-xl border border-brand-100 bg-brand-50/60 p-5" data-testid="notebook-panel">
      <h2 className="font-semibold text-slate-900">Log from a notebook</h2>
      {unreachable && (
        <div className="mt-2">
          <PortalReachNotice reason={unreachable} />
        </div>
      )}
      <p className="mt-1 text-sm text-slate-600">
        Every Atrium workspace has <Code>MLFLOW_TRACKING_URI</Code> and <Code>MLFLOW_TRACKING_TOKEN</Code> set, pointing at this portal.
        Whether the <Code>mlflow</Code> Python package is there depends on the environment:
      </p>
      {environments.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">There is no environment you may start yet; ask an admin to add one.</p>
      ) : (
        <ul className="mt-2 space-y-1 text-sm" data-testid="mlflow-environments">
          {checks.map(({ env, check }) => (
            <li key={env.id} className="flex flex-wrap items-center gap-2" data-testid={`mlflow-env-${env.id}`} data-state={check.kind}>
              <span className="font-medium text-slate-800">{env.name}</span>
              <CheckBadge check={check} />
            </li>
          ))}
        </ul>
      )}
      {installed.length > 0 && (
        <div className="mt-4 text-sm text-slate-700" data-testid="mlflow-works">
          <p>In {names(installed)} this already works, nothing to set up:</p>
          <Snippet text={mlflowSnippet(experiment)} testId="mlflow-snippet" />
        </div>
      )}
      {missing.length > 0 && (
        <div className="mt-4 text-sm text-slate-700" data-testid="mlflow-missing">
          <p>
            <Code>mlflow</Code> is not installed in {names(missing)}. Either:
          </p>
          <p className="mt-1 text-xs text-slate-500" data-testid="mlflow-missing-why">
            Atrium&apos;s default image is built from Debian packages, which have no mlflow; an admin who builds it with the company&apos;s
            index (<Code>PYPI_INDEX_URL</Code>) gets <Code>mlflow-skinny</Code> in it.
          </p>
          <ol className="mt-2 list-decimal space-y-3 pl-5">
            <li>
              Start a workspace, then install <Code>mlflow</Code> into it from the{" "}
              <Link href="/packages/mlflow" className="font-medium text-brand-600 hover:underline" data-testid="install-mlflow-link">
                Packages page
              </Link>
              . It is importable right away; {installed.length > 0 ? "the snippet above then works." : "then:"}
              {installed.length === 0 && <Snippet text={mlflowSnippet(experiment)} testId="mlflow-snippet" />}
            </li>
            <li>
              Or, without installing anything, log through the portal&apos;s MLflow REST API. This uses only Python&apos;s standard library:
              <Snippet text={restSnippet(experiment)} testId="rest-snippet" />
            </li>
          </ol>
        </div>
      )}
      {unknown && environments.length > 0 && (
        <div className="mt-4 text-sm text-slate-700" data-testid="mlflow-unknown">
          <p>Whether mlflow is installed could not be checked. If it is, this works:</p>
          <Snippet text={mlflowSnippet(experiment)} testId="mlflow-snippet" />
          <p className="mt-3">If it is not, log through the portal&apos;s MLflow REST API with Python&apos;s standard library:</p>
          <Snippet text={restSnippet(experiment)} testId="rest-snippet" />
        </div>
      )}
      {!compact && (
        <div className="mt-4 text-sm text-slate-600">
          <p>
            Outside a workspace (your laptop, a CI job), create a personal token on{" "}
            <Link href="/" className="text-brand-600 hover:underline">
              My workspaces
            </Link>{" "}
            under “API tokens”, then:
          </p>
          <CodeBlock
            tone="light"
            testId="tracking-env"
            text={`export MLFLOW_TRACKING_URI=${trackingUri}\nexport MLFLOW_TRACKING_TOKEN=<your personal token>`}
          />
        </div>
      )}
    </section>
  );
}

function CheckBadge({ check }: { check: Check }) {
  switch (check.kind) {
    case "checking":
      return (
        <span className="inline-flex items-center gap-2 text-xs text-slate-500" role="status">
          <span className="inline-block h-1.5 w-10 animate-pulse rounded-full bg-brand-300" aria-hidden />
          checking which packages its image has (the first time takes a few seconds)…
        </span>
      );
    case "installed":
      return (
        <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">mlflow {check.version} installed</span>
      );
    case "missing":
      return <span className="rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800">mlflow not installed</span>;
    case "failed":
      return (
        <span className="rounded bg-red-50 px-2 py-0.5 text-xs text-red-700" role="alert">
          could not check its packages: {check.message}
        </span>
      );
    case "no-image":
      return (
        <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600">
          its image is not on this host (or the engine is down), so its packages are unknown
        </span>
      );
  }
}
