import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@/lib/config";
import { decideMetricsAccess, metricsAccess } from "./access";

const readMetricsAccess = (env: Record<string, string>) => metricsAccess(parseConfig(env as NodeJS.ProcessEnv).metrics);

const TOKEN = "metrics-token-0123456789";
const ask = (access: ReturnType<typeof readMetricsAccess>, remoteAddress: string, authorization: string | null = null) =>
  decideMetricsAccess(access, { remoteAddress, authorization });

describe("metrics access", () => {
  it("answers only loopback when nothing is configured", () => {
    const a = readMetricsAccess({});
    expect(ask(a, "127.0.0.1")).toBe("allowed");
    expect(ask(a, "::ffff:127.0.0.1")).toBe("allowed");
    expect(ask(a, "::1")).toBe("allowed");
    expect(ask(a, "10.0.0.5")).toBe("forbidden");
  });

  it("with a token, wants it from everyone not on the allow-list", () => {
    const a = readMetricsAccess({ ATRIUM_METRICS_TOKEN: TOKEN });
    expect(ask(a, "127.0.0.1")).toBe("unauthorized");
    expect(ask(a, "10.0.0.5", `Bearer ${TOKEN}`)).toBe("allowed");
    expect(ask(a, "10.0.0.5", `Bearer ${TOKEN}x`)).toBe("unauthorized");
  });

  it("allows addresses and CIDR ranges from ATRIUM_METRICS_ALLOW, alone or with a token", () => {
    const a = readMetricsAccess({ ATRIUM_METRICS_ALLOW: "172.18.0.0/16, 10.1.2.3, fd00::/8", ATRIUM_METRICS_TOKEN: TOKEN });
    expect(ask(a, "172.18.4.9")).toBe("allowed");
    expect(ask(a, "::ffff:10.1.2.3")).toBe("allowed");
    expect(ask(a, "fd12::1")).toBe("allowed");
    expect(ask(a, "127.0.0.1")).toBe("unauthorized");
    const noToken = readMetricsAccess({ ATRIUM_METRICS_ALLOW: "172.18.0.0/16" });
    expect(ask(noToken, "127.0.0.1")).toBe("forbidden");
  });

  it("stops the start with one sentence for a bad value", () => {
    expect(() => readMetricsAccess({ ATRIUM_METRICS_ALLOW: "10.0.0.0/33" })).toThrow(
      new ConfigError('ATRIUM_METRICS_ALLOW is invalid: "10.0.0.0/33" has a bad prefix length.'),
    );
    expect(() => readMetricsAccess({ ATRIUM_METRICS_ALLOW: "prometheus" })).toThrow(
      new ConfigError('ATRIUM_METRICS_ALLOW is invalid: "prometheus" is not an IP address or CIDR range.'),
    );
    expect(() => readMetricsAccess({ ATRIUM_METRICS_TOKEN: "short" })).toThrow(
      new ConfigError("ATRIUM_METRICS_TOKEN is invalid: it must be at least 16 characters."),
    );
  });
});
