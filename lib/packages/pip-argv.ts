/**
 * pip's command line for an install, built only from a checked name and version and the configured
 * index: nothing else from a request reaches it, and it is an argv array, never a shell string.
 */
import { isValidProjectName } from "./names";
import { isValidVersion } from "./version";

export function requirementOf(name: string, version?: string): string {
  // Checked again here, whatever the caller did: this is the last stop before a command line.
  if (!isValidProjectName(name)) throw new TypeError(`"${name}" is not a package name.`);
  if (version !== undefined && !isValidVersion(version)) throw new TypeError(`"${version}" is not a PEP 440 version.`);
  return version === undefined ? name : `${name}==${version}`;
}

export function pipInstallArgv(name: string, version: string | undefined, indexUrl: string): string[] {
  const requirement = requirementOf(name, version);
  const index = new URL(indexUrl);
  const argv = [
    "python3",
    "-m",
    "pip",
    "install",
    "--no-input",
    "--disable-pip-version-check",
    "--progress-bar",
    "off",
    // A dead index fails in seconds instead of pip's default of 15 s times 5 retries.
    "--timeout",
    "10",
    "--retries",
    "1",
    "--index-url",
    index.toString(),
  ];
  // pip refuses plain-http indexes unless their host is trusted.
  if (index.protocol === "http:") argv.push("--trusted-host", index.hostname);
  argv.push(requirement);
  return argv;
}

export const PIP_LIST_ARGV = ["python3", "-m", "pip", "list", "-v", "--format", "json", "--disable-pip-version-check", "--no-input"];
