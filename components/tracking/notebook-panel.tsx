import Link from "next/link";

const snippet = (experiment: string) => `import mlflow
mlflow.set_experiment(${JSON.stringify(experiment)})
with mlflow.start_run(): mlflow.log_metric("accuracy", 0.91)`;

/** How to log from a notebook: works as-is in a workspace; outside one, two variables point mlflow here. */
export function NotebookPanel({
  trackingUri,
  experiment = "my-experiment",
  compact = false,
}: {
  trackingUri: string;
  experiment?: string;
  compact?: boolean;
}) {
  return (
    <section className="rounded-xl border border-brand-100 bg-brand-50/60 p-5" data-testid="notebook-panel">
      <h2 className="font-semibold text-slate-900">Log from a notebook</h2>
      <p className="mt-1 text-sm text-slate-600">
        In an Atrium workspace this already works: <code className="rounded bg-white px-1">MLFLOW_TRACKING_URI</code> and{" "}
        <code className="rounded bg-white px-1">MLFLOW_TRACKING_TOKEN</code> are set for you, so the stock <code>mlflow</code> client logs
        here.
      </p>
      <pre className="mt-3 overflow-x-auto rounded-lg bg-slate-900 px-4 py-3 font-mono text-sm leading-relaxed text-slate-100">
        {snippet(experiment)}
      </pre>
      {!compact && (
        <div className="mt-4 text-sm text-slate-600">
          <p>
            Outside a workspace (your laptop, a CI job), create a personal token on{" "}
            <Link href="/" className="text-brand-600 hover:underline">
              My workspaces
            </Link>{" "}
            under “API tokens”, then:
          </p>
          <pre className="mt-2 overflow-x-auto rounded-lg bg-white px-4 py-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
            {`export MLFLOW_TRACKING_URI=${trackingUri}\nexport MLFLOW_TRACKING_TOKEN=<your personal token>`}
          </pre>
        </div>
      )}
    </section>
  );
}
