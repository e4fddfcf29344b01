import { expect } from "vitest";
import { ApiError } from "./api-error";

/** The ApiError `p` rejects with, or `p()` throws; the test fails when there is none. */
export async function apiError(p: Promise<unknown> | (() => unknown)): Promise<ApiError> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ApiError);
  return caught as ApiError;
}
