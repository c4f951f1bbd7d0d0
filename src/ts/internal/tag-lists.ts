// Internal: the numbers the engine gave tag lists (src/core/tag_lists.rs). A `set` passes its
// tags as the list's number, one value across the boundary, instead of strings the engine would
// copy in on every call.

/** The engine's side: names a list, answering its number (a `0`: every earlier number is void). */
export type NameTags = (tags: string[]) => number;

/** Tag lists by their numbers, as the engine named them. */
export class TagLists {
  readonly #numbers = new Map<string, number>();
  readonly #name: NameTags;

  constructor(name: NameTags) {
    this.#name = name;
  }

  /**
   * `tags` (checked by `writeArgs`) as a write export takes them: the list's number, or the list
   * itself when no number can stand for it unambiguously (it is empty, or a tag is empty, which
   * the engine refuses, or holds the U+0000 that joins a list's tags into its name here).
   */
  argument(tags: string[]): number | string[] {
    if (tags.length === 0) return tags;
    for (const tag of tags) if (tag.length === 0 || tag.includes("\0")) return tags;
    const name = tags.length === 1 ? tags[0]! : tags.join("\0");
    let number = this.#numbers.get(name);
    if (number === undefined) {
      number = this.#name(tags);
      if (number === 0) this.#numbers.clear();
      this.#numbers.set(name, number);
    }
    return number;
  }
}
