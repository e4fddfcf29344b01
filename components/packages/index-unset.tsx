/** The Packages page when no index is configured: what the page is for and how to turn it on. */
export function IndexUnset({ admin }: { admin: boolean }) {
  return (
    <div data-testid="packages-unconfigured" className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <h2 className="text-lg font-semibold text-slate-900">No package index is connected yet</h2>
      <p className="mx-auto mt-2 max-w-xl text-sm text-slate-600">
        This page lists the Python packages of your company&apos;s PyPI proxy (Artifactory, Nexus, devpi…), shows their versions, and
        installs them into a running workspace with one click.
      </p>
      <p className="mx-auto mt-3 max-w-xl text-sm text-slate-600">
        {admin ? "Set " : "An admin has to set "}
        <code className="rounded bg-slate-100 px-1 font-mono">PYPI_INDEX_URL</code> to the proxy&apos;s simple index, for example{" "}
        <code className="rounded bg-slate-100 px-1 font-mono">https://nexus.example.com/repository/pypi/simple/</code>, and restart the
        portal.
      </p>
    </div>
  );
}
