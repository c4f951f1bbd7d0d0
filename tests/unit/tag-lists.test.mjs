// TagLists (src/ts/internal/tag-lists.ts): a write's tags as the number the engine gave their list,
// asked for once per list, forgotten when the engine starts its table over (answers 0), and the
// list itself wherever a number could stand for two lists, or once the table started over twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TagLists } from "../../pkg/internal/tag-lists.js";

/** An engine side that numbers lists as core/tag_lists.rs does, starting over after `capacity`. */
function engine(capacity = 4096) {
  const named = [];
  let next = 0;
  return {
    named,
    name(tags) {
      if (next === capacity) next = 0;
      named.push([...tags]);
      return next++;
    },
  };
}

/** A facade's TagLists over an engine side of `capacity` lists. */
function setup(capacity) {
  const side = engine(capacity);
  return { side, lists: new TagLists((tags) => side.name(tags)) };
}

/** What `lists` passes for one-tag lists of each of `names`, in turn. */
const argumentsOf = (lists, names) => names.map((name) => lists.argument([name]));

test("a list is named once, then passed as its number", () => {
  const { side, lists } = setup();
  assert.equal(lists.argument(["a"]), 0);
  assert.equal(lists.argument(["a", "b"]), 1);
  assert.equal(lists.argument(["a"]), 0);
  assert.equal(lists.argument(["a", "b"]), 1);
  assert.deepEqual(side.named, [["a"], ["a", "b"]]);
});

test("lists of the same tags in another order are other lists", () => {
  const { side, lists } = setup();
  assert.equal(lists.argument(["a", "b"]), 0);
  assert.equal(lists.argument(["b", "a"]), 1);
});

test("a 0 from the engine voids every number before it", () => {
  const { side, lists } = setup(2);
  // `c` restarts the table; `a` held number 0, which now names `c`: it is named again, not passed as 0.
  assert.deepEqual(argumentsOf(lists, ["a", "b", "c", "a", "c"]), [0, 1, 0, 1, 0]);
  assert.deepEqual(side.named, [["a"], ["b"], ["c"], ["a"]]);
});

test("a list no number could stand for alone crosses as itself", () => {
  const { side, lists } = setup();
  for (const tags of [[], [""], ["a", ""], ["a\0b"], ["a", "b\0"]]) assert.equal(lists.argument(tags), tags);
  assert.deepEqual(side.named, [], "nothing was named");
  // ["a\0b"] and ["a", "b"] would share a name if the first had been given a number.
  assert.equal(lists.argument(["a", "b"]), 0);
  assert.equal(lists.argument(["a\0b"]).length, 1);
});

test("after the engine's table started over twice, lists cross as themselves: naming them again would cost more", () => {
  const { side, lists } = setup(2);
  // `c` restarts the table, `e` restarts it again (its number still stands).
  assert.deepEqual(argumentsOf(lists, ["a", "b", "c", "d", "e"]), [0, 1, 0, 1, 0]);
  assert.deepEqual(argumentsOf(lists, ["e", "a"]), [["e"], ["a"]]);
  assert.equal(side.named.length, 5, "nothing more is named");
});
