import { describe, expect, it } from "vitest";
import { personFromClaims } from "./oidc-claims";

const ISS = "https://idp.example.com/realms/corp";

describe("personFromClaims", () => {
  it("names the person from preferred_username and binds her to iss and sub", () => {
    expect(
      personFromClaims({
        iss: ISS,
        sub: "u-1",
        preferred_username: "Jane Doe",
        name: "Jane",
        email: "jane@corp.com",
        email_verified: true,
      }),
    ).toEqual({ person: { identity: { issuer: ISS, subject: "u-1" }, name: "jane-doe", displayName: "Jane", email: "jane@corp.com" } });
  });

  it("folds different spellings to one name: the identity, not the name, tells people apart", () => {
    const a = personFromClaims({ iss: ISS, sub: "u-1", preferred_username: "Jane Doe" });
    const b = personFromClaims({ iss: ISS, sub: "u-2", preferred_username: "jane/doe" });
    expect("person" in a && "person" in b && [a.person.name, b.person.name]).toEqual(["jane-doe", "jane-doe"]);
    expect("person" in a && "person" in b && a.person.identity.subject !== b.person.identity.subject).toBe(true);
  });

  it("takes the name from the email only when it is verified", () => {
    const verified = personFromClaims({ iss: ISS, sub: "u-1", email: "Admin@other-domain.example", email_verified: true });
    expect("person" in verified && verified.person.name).toBe("admin");
    for (const email_verified of [false, "true", undefined])
      expect(personFromClaims({ iss: ISS, sub: "u-2", email: "admin@other-domain.example", email_verified })).toEqual({
        refused: "NoUserName",
      });
  });

  it("never stores an unverified email", () => {
    const p = personFromClaims({ iss: ISS, sub: "u-1", preferred_username: "jane", email: "ceo@corp.com", email_verified: false });
    expect("person" in p && p.person.email).toBeNull();
  });

  it("refuses a name that folds to nothing, and a token without issuer or subject", () => {
    expect(personFromClaims({ iss: ISS, sub: "u-1", preferred_username: "!!!" })).toEqual({ refused: "BadUserName" });
    expect(personFromClaims({ iss: ISS, preferred_username: "jane" })).toEqual({ refused: "NoSubject" });
    expect(personFromClaims({ sub: "u-1", preferred_username: "jane" })).toEqual({ refused: "NoSubject" });
    expect(personFromClaims({ iss: ISS, sub: " ", preferred_username: "jane" })).toEqual({ refused: "NoSubject" });
  });
});
