import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { jobs, runs, servers, users } from "@/db/schema";
import {
  assertCan,
  can,
  environmentRefusal,
  environmentResource,
  experimentResource,
  isOwner,
  jobResource,
  readableBy,
  refusalOf,
  runResource,
  serverResource,
  tokenResource,
  traceResource,
  userResource,
  type Action,
  type Caller,
  type Resource,
} from "./access";
import { BOOTSTRAP_PRINCIPAL, SYSTEM_PRINCIPAL, type Principal } from "./principal";

const alice: Principal = { name: "alice", userId: "id-1", role: "user", admin: false, via: "session" };
/** Created under the same name after the first alice was deleted. */
const laterAlice: Principal = { ...alice, userId: "id-2" };
const bob: Principal = { name: "bob", userId: "id-3", role: "user", admin: false, via: "token", tokenId: "tok_b", tokenKind: "personal" };
const root: Principal = { name: "root", userId: "id-9", role: "admin", admin: true, via: "session" };
/** An admin-role person's token without the admin scope: not an admin here. */
const rootToken: Principal = { ...root, admin: false, via: "token", tokenId: "tok_r", tokenKind: "personal" };
/** alice's workspace alice/one's MLflow token. */
const aliceWs: Principal = { ...alice, via: "token", tokenId: "tok_ws", tokenKind: "workspace" };

const alicesServer = serverResource({ user: "alice", server: "one", ownerId: "id-1" }, "tok_ws");
const alicesOtherServer = serverResource({ user: "alice", server: "two", ownerId: "id-1" }, "tok_other");
const alicesJob = jobResource({ id: "job_1", ownerId: "id-1", ownerName: "alice" });
const aliceOwner = { id: "id-1", name: "alice" };
const alicesRun = runResource({ runUuid: "r1", ownerId: "id-1", userId: "alice" });
const bootstrapsRun = runResource({ runUuid: "r0", ownerId: null, userId: "bootstrap" });
const bobsExperiment = { id: 7, ownerId: "id-3", owner: "bob" };
const alicesTraceInBobs = traceResource({ traceId: "tr-1", ownerId: "id-1", creator: "alice" }, bobsExperiment);

type Row = [Caller, Action, Resource, null | [number, string, string]];
const onlyAlice = (what: string): [number, string, string] => [403, "forbidden", `Only alice or an admin may ${what}.`];

const TABLE: Row[] = [
  // Servers: the owner (by id) or an admin, whatever the action.
  [alice, "read", alicesServer, null],
  [alice, "operate", alicesServer, null],
  [root, "operate", alicesServer, null],
  [SYSTEM_PRINCIPAL, "operate", alicesServer, null],
  [bob, "read", alicesServer, onlyAlice("do this")],
  [bob, "use", alicesServer, onlyAlice("do this")],
  [rootToken, "operate", alicesServer, onlyAlice("do this")],
  // A workspace's token: its own server only, even among its owner's.
  [aliceWs, "operate", alicesServer, null],
  [
    aliceWs,
    "operate",
    alicesOtherServer,
    [403, "insufficient_scope", "This workspace's token may act only on its own server, not on alice/two."],
  ],
  [
    aliceWs,
    "read",
    serverResource({ user: "alice", server: "three", ownerId: "id-1" }),
    [403, "insufficient_scope", "This workspace's token may act only on its own server, not on alice/three."],
  ],
  // Accounts and tokens.
  [alice, "write", tokenResource(aliceOwner), null],
  [bob, "write", tokenResource(aliceOwner, "tok_a"), onlyAlice("do this")],
  [bob, "read", userResource(aliceOwner), onlyAlice("do this")],
  [BOOTSTRAP_PRINCIPAL, "write", userResource(aliceOwner), null],
  // By id, never by name: a later person of the same name is not the owner of the earlier one's things.
  [laterAlice, "operate", alicesServer, [403, "forbidden", "Only the earlier alice (an account since deleted) or an admin may do this."]],
  [
    laterAlice,
    "write",
    tokenResource(aliceOwner),
    [403, "forbidden", "Only the earlier alice (an account since deleted) or an admin may do this."],
  ],
  // A name with no person owns nothing: only admins pass.
  [alice, "read", userResource({ id: null, name: "ghost" }), [403, "forbidden", "Only ghost or an admin may do this."]],
  [root, "read", userResource({ id: null, name: "ghost" }), null],
  // Jobs: another person's job does not exist for the caller.
  [alice, "write", alicesJob, null],
  [root, "read", alicesJob, null],
  [bob, "read", alicesJob, [404, "job_not_found", 'There is no job "job_1".']],
  [bob, "operate", alicesJob, [404, "job_not_found", 'There is no job "job_1".']],
  // Tracking: everyone signed in reads; the creator by id, or an admin, writes.
  [bob, "read", alicesRun, null],
  [alice, "write", alicesRun, null],
  [root, "write", alicesRun, null],
  [bob, "write", alicesRun, [403, "permission_denied", "Only alice or an admin may write to run r1."]],
  [
    laterAlice,
    "write",
    alicesRun,
    [403, "permission_denied", "Only the earlier alice (an account since deleted) or an admin may write to run r1."],
  ],
  [{ ...bob, userId: undefined }, "write", alicesRun, [403, "permission_denied", "Only alice or an admin may write to run r1."]],
  [alice, "write", bootstrapsRun, [403, "permission_denied", "Only an admin may write to run r0."]],
  [BOOTSTRAP_PRINCIPAL, "write", bootstrapsRun, null],
  [alice, "write", experimentResource(bobsExperiment), [403, "permission_denied", "Only bob or an admin may change experiment 7."]],
  // A trace: its creator, or the owner of its experiment, or an admin.
  [alice, "write", alicesTraceInBobs, null],
  [bob, "write", alicesTraceInBobs, null],
  [
    laterAlice,
    "write",
    alicesTraceInBobs,
    [403, "permission_denied", "Only alice (who started it), the owner of experiment 7 or an admin may change trace tr-1."],
  ],
  // Environments: by the caller's role; admins use every one.
  [alice, "use", environmentResource({ name: "GPU", rolesAllowed: [] }), null],
  [
    alice,
    "use",
    environmentResource({ name: "GPU", rolesAllowed: ["power"] }),
    [403, "environment_not_allowed", "The environment \"GPU\" is not available to role 'user'."],
  ],
  [{ ...alice, role: "power" }, "use", environmentResource({ name: "GPU", rolesAllowed: ["power"] }), null],
  [root, "use", environmentResource({ name: "GPU", rolesAllowed: ["power"] }), null],
];

describe("the access rule", () => {
  it.each(TABLE.map((row, i) => [i, ...row] as const))("row %i: %o may %s", (_i, caller, action, resource, expected) => {
    const refusal = refusalOf(caller, action, resource);
    expect(refusal && [refusal.status, refusal.code, refusal.message]).toEqual(expected);
    expect(can(caller, action, resource)).toBe(expected === null);
  });

  it("throws the refusal through the caller's error type, with the words for what was asked", () => {
    const refuse = (r: { status: number; message: string }) => new Error(`${r.status} ${r.message}`);
    expect(() => assertCan(bob, "write", alicesRun, refuse, "link traces to run r1")).toThrow(
      "403 Only alice or an admin may link traces to run r1.",
    );
    expect(() => assertCan(alice, "write", alicesRun, refuse)).not.toThrow();
  });

  it("recognises an owner by id only, never by name", () => {
    expect(isOwner(alice, { id: "id-1", name: "alice" })).toBe(true);
    expect(isOwner(laterAlice, { id: "id-1", name: "alice" })).toBe(false);
    expect(isOwner(alice, { id: null, name: "alice" })).toBe(false);
    expect(isOwner({ ...alice, userId: undefined }, { id: "id-1", name: "alice" })).toBe(false);
    expect(isOwner(bob, { id: "id-1", name: "alice" })).toBe(false);
  });

  it("keeps the environment's refusal in one sentence for starts and jobs", () => {
    expect(environmentRefusal("user", { name: "GPU", rolesAllowed: ["power"] })?.message).toBe(
      "The environment \"GPU\" is not available to role 'user'.",
    );
    expect(environmentRefusal("admin", { name: "GPU", rolesAllowed: ["power"] })).toBeNull();
  });
});

describe("readableBy", () => {
  const dialect = new PgDialect();
  const render = (caller: Caller, kind: Parameters<typeof readableBy>[1], owner: Parameters<ReturnType<typeof readableBy>>[0]) => {
    const q = dialect.sqlToQuery(readableBy(caller, kind)(owner));
    return [q.sql, q.params];
  };

  it("lets everyone read tracking data, and people only their own servers and jobs", () => {
    expect(render(bob, "run", { id: runs.ownerId })).toEqual(["true", []]);
    expect(render(bob, "server", { id: servers.ownerId })).toEqual(['"servers"."owner_id" = $1', ["id-3"]]);
    expect(render(bob, "job", { id: jobs.ownerId })).toEqual(['"jobs"."owner_id" = $1', ["id-3"]]);
    expect(render(root, "server", { id: servers.ownerId })).toEqual(["true", []]);
  });

  it("matches by id where the table has one, and reads nothing it cannot tie to the caller", () => {
    expect(render(bob, "user", { id: users.id })).toEqual(['"users"."id" = $1', ["id-3"]]);
    expect(render({ ...bob, userId: undefined }, "user", { id: users.id })).toEqual(["false", []]);
    expect(render(bob, "user", {})).toEqual(["false", []]);
  });
});
