/** MLflow-style generated run names: `<adjective>-<noun>-<number>`. */
import { randomInt } from "node:crypto";

const ADJECTIVES = [
  "abundant", "bright", "calm", "clever", "crisp", "dapper", "eager", "fearless", "gentle", "glamorous",
  "honest", "intrigued", "jolly", "kindly", "lively", "merciful", "nimble", "orderly", "polite", "quiet",
  "resilient", "sassy", "spiffy", "thoughtful", "unruly", "valuable", "wise", "youthful", "zealous",
];
const NOUNS = [
  "ant", "bass", "bat", "bear", "cat", "colt", "crab", "deer", "dove", "eel", "finch", "fox", "frog", "goat",
  "hare", "hawk", "hen", "jay", "lark", "mole", "moth", "owl", "panda", "ram", "seal", "shrew", "slug",
  "snail", "squid", "stork", "swan", "toad", "trout", "whale", "wolf", "yak",
];

export function generateRunName(): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)] ?? "bright";
  const n = NOUNS[randomInt(NOUNS.length)] ?? "owl";
  return `${a}-${n}-${randomInt(1000)}`;
}
