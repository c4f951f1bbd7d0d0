// The assets seed's server (seed 000): each shop's assets (font groups, colour palettes, images),
// lists per type with ETags, an "AI chat" that creates and deletes assets from plain English, and
// how many list requests it served per type.
import { apiPlugin, createCounter, readJson, READ_LATENCY_MS, sendJson, sleep } from "./lib/http.mjs";

/** The types of asset a shop holds; a list is asked for one of them or `all`. */
const TYPES = ["font", "color", "image"];

/** Each shop's assets when the server starts. */
const START = {
  shop1: [
    { type: "font", name: "Brand fonts", values: ["Montserrat", "Open Sans"] },
    { type: "color", name: "Brand colours", values: ["#1c2230", "#3451d1", "#f4f6fb"] },
    { type: "image", name: "Logo", values: ["logo.svg"] },
  ],
  shop2: [{ type: "font", name: "Headlines", values: ["Lora"] }],
};

/** Colours a palette gets when the message names none. */
const DEFAULT_PALETTE = ["#ff7e5f", "#feb47b", "#86a8e7"];

/** Serves `GET /api/assets/list`, `POST /api/assets/chat` and `GET /api/assets/stats`. */
export default function assetsApi() {
  const store = createStore();
  const lists = createCounter();
  const handle = async (request, response, url) => {
    if (url.pathname === "/api/assets/stats") return void sendJson(request, response, lists.counts);
    if (url.pathname === "/api/assets/list" && request.method === "GET") {
      const shop = url.searchParams.get("shop") ?? "";
      const type = url.searchParams.get("type") ?? "all";
      if (!store.has(shop) || !(type === "all" || TYPES.includes(type))) {
        return void sendJson(request, response, { error: "no such shop or type" }, 404);
      }
      await sleep(READ_LATENCY_MS);
      lists.note(type, sendJson(request, response, store.list(shop, type)));
      return;
    }
    if (url.pathname === "/api/assets/chat" && request.method === "POST") {
      const { shop, message } = await readJson(request);
      if (!store.has(shop) || typeof message !== "string") {
        return void sendJson(request, response, { error: "expected { shop, message }" }, 400);
      }
      return void sendJson(request, response, answer(store, shop, message));
    }
    return false;
  };
  return apiPlugin("cachebus-demo-assets-api", handle);
}

/** The in-memory asset database: assets per shop, each with an id. */
function createStore() {
  let nextId = 1;
  const withId = (asset) => ({ id: `a${nextId++}`, ...asset });
  const shops = new Map(Object.entries(START).map(([shop, assets]) => [shop, assets.map(withId)]));
  return {
    has: (shop) => shops.has(shop),
    /** The shop's assets of `type` (`all`: every type), oldest first. */
    list: (shop, type) => shops.get(shop).filter((asset) => type === "all" || asset.type === type),
    /** The shop's asset called `name` (any case), if any. */
    find: (shop, name) => shops.get(shop).find((asset) => asset.name.toLowerCase() === name.toLowerCase()),
    add(shop, asset) {
      const created = withId(asset);
      shops.get(shop).push(created);
      return created;
    },
    delete(shop, id) {
      shops.set(shop, shops.get(shop).filter((asset) => asset.id !== id));
    },
  };
}

/**
 * The assistant: understands "create a font group Inter", "create a font group called Titles with
 * Roboto, Arial", "create a colour palette Sunset [with #111, #eee]" and "delete asset Sunset",
 * carries them out, and answers `{ reply, actions }` (no actions when it did nothing).
 */
function answer(store, shop, message) {
  const text = message.trim().replace(/[.!]+$/, "");
  const create = text.match(/^create (?:a |an )?(font group|colou?r palette) (?:called |named )?(.+?)(?: with (.+))?$/i);
  if (create) {
    const type = create[1].toLowerCase() === "font group" ? "font" : "color";
    const name = create[2].trim();
    if (store.find(shop, name)) return { reply: `There is already an asset called ${name}.`, actions: [] };
    const listed = create[3]?.split(",").map((value) => value.trim()).filter(Boolean);
    const values = listed ?? (type === "font" ? [name] : DEFAULT_PALETTE);
    const asset = store.add(shop, { type, name, values });
    const what = type === "font" ? "font group" : "colour palette";
    return { reply: `Created the ${what} ${name}.`, actions: [{ type: type === "font" ? "CREATE_FONT_GROUP" : "CREATE_COLOR_PALETTE", asset }] };
  }
  const remove = text.match(/^delete (?:the )?(?:asset )?(.+)$/i);
  if (remove) {
    const asset = store.find(shop, remove[1].trim());
    if (!asset) return { reply: `I found no asset called ${remove[1].trim()}.`, actions: [] };
    store.delete(shop, asset.id);
    return { reply: `Deleted ${asset.name}.`, actions: [{ type: "DELETE_ASSET", asset }] };
  }
  return {
    reply: 'Sorry, I can only "create a font group …", "create a colour palette …" or "delete asset …".',
    actions: [],
  };
}
