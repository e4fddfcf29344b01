import { expect, type APIRequestContext, type APIResponse } from "@playwright/test";
import { BOOTSTRAP_TOKEN } from "./env";

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const asBootstrap = bearer(BOOTSTRAP_TOKEN);

/** Creates a user (as the bootstrap admin) and a personal token for them; returns the token. */
export async function userWithToken(request: APIRequestContext, base: string, name: string, role = "user"): Promise<string> {
  const created = await request.post(`${base}/api/users`, { headers: asBootstrap, data: { name, role } });
  if (created.status() !== 201 && created.status() !== 409)
    throw new Error(`creating ${name}: ${created.status()} ${await created.text()}`);
  const tok = await request.post(`${base}/api/users/${name}/tokens`, { headers: asBootstrap, data: { note: "e2e" } });
  if (tok.status() !== 201) throw new Error(`token for ${name}: ${tok.status()} ${await tok.text()}`);
  return ((await tok.json()) as { token: string }).token;
}

/** Asserts the error shape every API error has, and returns its code. */
export async function errorCode(res: APIResponse): Promise<string> {
  const body = (await res.json()) as { error?: unknown; message?: unknown };
  if (typeof body.error !== "string" || typeof body.message !== "string" || !/[.!?]$/.test(body.message)) {
    throw new Error(`not an {error, message} body: ${JSON.stringify(body)}`);
  }
  return body.error;
}

/** An MLflow POST to the portal at `base` that must succeed; returns the JSON answer. */
export async function mlflowPost(
  request: APIRequestContext,
  base: string,
  token: string,
  op: string,
  data: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await request.post(`${base}/api/2.0/mlflow/${op}`, { headers: bearer(token), data });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}
