import { describe, expect, it } from "vitest";
import { assertMayChange, isOwner, mayChange, whoMayChange } from "./ownership";
import { BOOTSTRAP_PRINCIPAL, type Principal } from "./principal";

const alice: Principal = { name: "alice", userId: "id-1", role: "user", admin: false, via: "token" };
/** Created under the same name after the first alice was deleted. */
const laterAlice: Principal = { ...alice, userId: "id-2" };
const root: Principal = { name: "root", userId: "id-9", role: "admin", admin: true, via: "session" };
const refuse = (m: string) => new Error(m);

describe("ownership", () => {
  it("recognises the owner by id only, never by name", () => {
    expect(isOwner(alice, "id-1")).toBe(true);
    expect(isOwner(laterAlice, "id-1")).toBe(false);
    expect(isOwner({ ...alice, userId: undefined }, "id-1")).toBe(false);
    // Nothing ownerless is anyone's, not even a principal without an id.
    expect(isOwner(alice, null)).toBe(false);
    expect(isOwner({ ...alice, userId: undefined }, null)).toBe(false);
  });

  it("lets the owner and admins change, nobody else", () => {
    expect([
      mayChange(alice, "id-1"),
      mayChange(laterAlice, "id-1"),
      mayChange(root, "id-1"),
      mayChange(root, null),
      mayChange(BOOTSTRAP_PRINCIPAL, null),
    ]).toEqual([true, false, true, true, true]);
  });

  it("says who may, and tells a namesake that the owner's account was deleted", () => {
    expect(whoMayChange({ ...alice, name: "bob", userId: "id-3" }, { id: "id-1", name: "alice" })).toBe("alice or an admin");
    expect(whoMayChange(laterAlice, { id: "id-1", name: "alice" })).toBe("the earlier alice (an account since deleted) or an admin");
    expect(whoMayChange(alice, { id: null, name: "ghost" })).toBe("an admin");
    expect(() => assertMayChange(laterAlice, { id: "id-1", name: "alice" }, "change experiment 4", refuse)).toThrow(
      "Only the earlier alice (an account since deleted) or an admin may change experiment 4.",
    );
    expect(() => assertMayChange(alice, { id: "id-1", name: "alice" }, "change experiment 4", refuse)).not.toThrow();
  });
});
