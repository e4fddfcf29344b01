import postgres from "postgres";

/** Empties a test database so every run starts from migrations. Fails loudly when Postgres is absent. */
export async function resetDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
  } catch (err) {
    throw new Error(`Postgres at ${url.replace(/:[^:@/]+@/, ":***@")} is not usable (${String(err)}); run .ci/run or start Postgres.`, {
      cause: err,
    });
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Creates a test database if it is missing (the atrium role may create databases). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  const sql = postgres(u.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const found = await sql`select 1 from pg_database where datname = ${name}`;
    if (found.length === 0) await sql.unsafe(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await sql.end({ timeout: 2 });
  }
}
