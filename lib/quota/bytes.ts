/** Bytes for people: "512 bytes", "3.2 MiB", "10 GiB" (binary units, as the limits are set in GiB). */
export function formatBytes(n: number): string {
  const GIB = 1024 ** 3;
  if (n >= GIB) return `${(n / GIB).toFixed(n % GIB === 0 ? 0 : 1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
