/**
 * Last-activity stamps (a session's and a token's last use, a person's last seen) are for people, not for
 * accounting: each is written at most once a minute. Authentication reads the stamps with the credential, so a
 * request writes only when one is due; the UPDATEs' own WHERE repeats the rule, so concurrent requests that all
 * saw a stale stamp write it once between them (db/queries/tokens.ts, users.ts, sessions.ts).
 */
const ACTIVITY_WRITE_EVERY_MS = 60_000;

/** Whether a stamp read with the credential is old enough to be written again. */
export function activityDue(at: Date | null, now = Date.now()): boolean {
  return !at || now - at.getTime() > ACTIVITY_WRITE_EVERY_MS;
}
