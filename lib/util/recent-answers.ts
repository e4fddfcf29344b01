/**
 * Answers shared for a while: every caller within ttlMs of a question (the first still in flight
 * included) gets the first caller's promise. A failure, or an answer `keep` refuses, is forgotten at
 * once, so the next caller asks again.
 */
export class RecentAnswers<T> {
  private readonly answers = new Map<string, { at: number; answer: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly keep: (answer: T) => boolean = () => true,
  ) {}

  get(key: string, ask: () => Promise<T>): Promise<T> {
    const hit = this.answers.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.answer;
    const entry = { at: Date.now(), answer: ask() };
    this.answers.set(key, entry);
    const forget = () => {
      if (this.answers.get(key) === entry) this.answers.delete(key);
    };
    entry.answer.then((a) => (this.keep(a) ? undefined : forget()), forget);
    return entry.answer;
  }
}
