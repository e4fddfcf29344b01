import { describe, expect, it } from "vitest";
import { USER_NAME_RE, normaliseUserName } from "./names";

describe("normaliseUserName", () => {
  it("keeps the local part of an email address", () => {
    expect(normaliseUserName("Jane.Doe@corp.com")).toBe("jane.doe");
    expect(normaliseUserName("bob@example.org")).toBe("bob");
    expect(normaliseUserName("a+b@x@y")).toBe("a-b");
  });

  it("trims surrounding whitespace before splitting", () => {
    expect(normaliseUserName("  jane@corp.com  ")).toBe("jane");
  });

  it("strips accents", () => {
    expect(normaliseUserName("Ünïcode")).toBe("unicode");
    expect(normaliseUserName("José Müller")).toBe("jose-muller");
    expect(normaliseUserName("Çelik")).toBe("celik");
  });

  it("lower-cases", () => {
    expect(normaliseUserName("JANE")).toBe("jane");
    expect(normaliseUserName("MiXeD_Case-9")).toBe("mixed_case-9");
  });

  it("turns runs of spaces and other characters into a single hyphen", () => {
    expect(normaliseUserName("Jane Doe")).toBe("jane-doe");
    expect(normaliseUserName("jane   doe")).toBe("jane-doe");
    expect(normaliseUserName("jane!?#doe")).toBe("jane-doe");
  });

  it("drops leading punctuation and trailing hyphens", () => {
    expect(normaliseUserName("._-jane")).toBe("jane");
    expect(normaliseUserName("--jane")).toBe("jane");
    expect(normaliseUserName("!!jane")).toBe("jane");
    expect(normaliseUserName("jane!!")).toBe("jane");
    expect(normaliseUserName("jane--")).toBe("jane");
  });

  it("keeps inner dots, underscores and hyphens and trailing dots/underscores", () => {
    expect(normaliseUserName("j.a_n-e")).toBe("j.a_n-e");
    expect(normaliseUserName("jane.")).toBe("jane.");
  });

  it("returns null when nothing usable is left", () => {
    expect(normaliseUserName("")).toBeNull();
    expect(normaliseUserName("   ")).toBeNull();
    expect(normaliseUserName("!!!")).toBeNull();
    expect(normaliseUserName("...")).toBeNull();
    expect(normaliseUserName("-_-")).toBeNull();
    expect(normaliseUserName("@corp.com")).toBeNull();
    expect(normaliseUserName("日本語")).toBeNull();
  });

  it("keeps digits, including a leading digit", () => {
    expect(normaliseUserName("007bond")).toBe("007bond");
  });

  it("caps the name at 63 characters", () => {
    expect(normaliseUserName("a".repeat(63))).toBe("a".repeat(63));
    expect(normaliseUserName("a".repeat(64))).toBe("a".repeat(63));
    expect(normaliseUserName(`${"B".repeat(100)}@corp.com`)).toBe("b".repeat(63));
    expect(normaliseUserName(`--${"c".repeat(70)}`)).toBe("c".repeat(63));
  });

  it("always returns a name matching USER_NAME_RE or null", () => {
    const inputs = ["Jane Doe", "ÄÖÜ", "x".repeat(200), "_a", "9", "a b c d", "élan vital@x"];
    for (const raw of inputs) {
      const name = normaliseUserName(raw);
      if (name !== null) expect(name).toMatch(USER_NAME_RE);
    }
    expect(inputs.map(normaliseUserName)).toEqual(["jane-doe", "aou", "x".repeat(63), "a", "9", "a-b-c-d", "elan-vital"]);
  });

  it("does not end in a hyphen after the 63-character cap", () => {
    expect(normaliseUserName(`${"a".repeat(62)} b`)).toBe("a".repeat(62));
  });
});
