/** A JSON object (not null, not an array): what MLflow's clients send where a dictionary is expected. */
export const isDict = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
