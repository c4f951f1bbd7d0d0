// Internal: the numbers the engine gave tag lists (src/core/tag_lists.rs). A `set` passes its
// tags as the list's number, one value across the boundary, instead of strings the engine would
// copy in on every call.

/** The engine's side: names a list, answering its number (a `0`: every earlier number is void). */
export type NameTags = (tags: string[]) => number;

/**
 * How many times the engine's table may start over before this cache stops naming lists: an app
 * cycling through more lists than the table holds would pay for naming each one again and again,
 * more than the strings cost.
 */
const RESTARTS_ALLOWED = 2;

/** Tag lists by their numbers, as the engine named them. */
export class TagLists {
  readonly #numbers = new Map<string, number>();
  readonly #name: NameTags;
  /** How many times the engine's table started over. */
  #restarts = 0;

  constructor(name: NameTags) {
    this.#name = name;
  }

  /**
   * `tags` (checked by `writeArgs`) as a write export takes them: the list's number, or the list
   * itself when no number can stand for it unambiguously (it is empty, or a tag is empty, which
   * the engine refuses, or holds the U+0000 that joins a list's tags into its name here), or when
   * this cache stopped naming lists ({@link RESTARTS_ALLOWED}).
   */
  argument(tags: string[]): number | string[] {
    if (tags.length === 0 || this.#restarts >= RESTARTS_ALLOWED) return tags;
    for (const tag of tags) if (tag.length === 0 || tag.includes("\0")) return tags;
    const name = tags.length === 1 ? tags[0]! : tags.join("\0");
    let number = this.#numbers.get(name);
    if (number === undefined) {
      number = this.#name(tags);
      // The first list is numbered 0 too: only a 0 after it is a restart.
      if (number === 0 && this.#numbers.size > 0) {
        this.#numbers.clear();
        this.#restarts += 1;
      }
      this.#numbers.set(name, number);
    }
    return number;
  }
}
