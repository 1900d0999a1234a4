/**
 * Runs tasks of one key one after another (tasks of different keys run freely). A runtime's
 * read-modify-write of a workspace's files must not interleave: the job runner and the health
 * monitor expose ports of the same workspace at the same time.
 */
export class KeyedTurns {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
