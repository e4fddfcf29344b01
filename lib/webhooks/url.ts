/**
 * Where a webhook may point (docs/webhooks.md "Addresses"), as MLflow decides (mlflow/utils/validation.py
 * `_validate_webhook_url`, mlflow/webhooks/ssrf.py): a scheme from MLFLOW_WEBHOOK_ALLOWED_SCHEMES, a host, and,
 * unless MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true, only public addresses. The host is checked when the webhook is
 * saved and again on every connection: `publicOnlyLookup` is the resolver the sender's socket uses, so the
 * address it connects to is the one that was checked (a name that re-resolves to 127.0.0.1 is refused).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { WebhookSettings } from "@/lib/config";

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, "ipv6");

/** Whether an address is public (Python's `ip_address(x).is_global`, which MLflow asks); an IPv4-mapped IPv6 address counts as its IPv4 one. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

export class WebhookUrlError extends Error {}

/** How long saving a webhook waits for its host to resolve. */
const LOOKUP_TIMEOUT_MS = 5000;

/** The URL's shape and scheme (no network); the parsed URL. */
export function checkUrlShape(raw: string, settings: Pick<WebhookSettings, "allowedSchemes">): URL {
  if (!raw.trim()) throw new WebhookUrlError("Webhook URL cannot be empty");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError(`Invalid webhook URL: '${raw}'`);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (!settings.allowedSchemes.includes(scheme))
    throw new WebhookUrlError(`Invalid webhook URL scheme: '${scheme}'. Allowed schemes: ${settings.allowedSchemes.join(", ")}`);
  if (!url.hostname) throw new WebhookUrlError(`Invalid webhook URL: '${raw}'`);
  if (url.username || url.password) throw new WebhookUrlError("Webhook URL must not carry a user name or password.");
  return url;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

const refusal = (host: string, address: string) =>
  new WebhookUrlError(
    `Webhook URL host '${host}' resolves to ${address}, which is not a public address; set MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true to allow it.`,
  );

/**
 * The check made when a webhook is saved: shape, scheme, and every address the host resolves to is public
 * (unless private addresses are allowed). An unresolvable host is refused.
 */
export async function checkWebhookUrl(raw: string, settings: WebhookSettings): Promise<URL> {
  const url = checkUrlShape(raw, settings);
  if (settings.allowPrivateIps) return url;
  const host = hostOf(url);
  let addresses: LookupAddress[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      new Promise<LookupAddress[]>((resolve, reject) =>
        dnsLookup(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
      ),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), LOOKUP_TIMEOUT_MS))),
    ]);
  } catch {
    throw new WebhookUrlError(`Webhook URL host '${host}' cannot be resolved.`);
  } finally {
    clearTimeout(timer);
  }
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw refusal(host, bad.address);
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses non-public addresses (unless allowed): the address the socket
 * connects to is the one checked here, so DNS rebinding between save and send gains nothing.
 */
export function publicOnlyLookup(settings: Pick<WebhookSettings, "allowPrivateIps">) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = settings.allowPrivateIps ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (bad) return callback(Object.assign(refusal(hostname, bad.address), { code: "EWEBHOOKPRIVATE" }), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}
