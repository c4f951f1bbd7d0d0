// The studio-CRM seed's server (seed 001): six in-memory lists (clients, sessions, invoices, rooms,
// equipment, projects), served with ETags, and an AI-assistant endpoint that changes them from
// plain-language commands and names what it did (`action`), as the seed's `ai.chat` mutation does.
import { apiPlugin, createCounter, readJson, sendJson } from "./lib/http.mjs";

/** Every list, in the order the stats report them. */
const ENTITIES = ["clients", "sessions", "invoices", "rooms", "equipment", "projects"];

/** The action the assistant reports when it creates an item of each list. */
const CREATE_ACTIONS = {
  clients: "create_client",
  sessions: "create_session",
  invoices: "create_invoice",
  rooms: "create_room",
  equipment: "create_equipment",
  projects: "create_project",
};

/** The words (English and French) a command may use for each list. */
const ENTITY_WORDS = {
  client: "clients",
  session: "sessions",
  invoice: "invoices",
  facture: "invoices",
  room: "rooms",
  salle: "rooms",
  equipment: "equipment",
  équipement: "equipment",
  matériel: "equipment",
  project: "projects",
  projet: "projects",
};

/** "create client …", "Crée un nouveau client avec …", "add a room …": verb, articles, list word, rest. */
const CREATE_COMMAND = new RegExp(
  `^(?:create|add|new|crée|créer|cree|creer|ajoute|ajouter)\\s+(?:(?:a|an|new|un|une|nouveau|nouvelle)\\s+)*` +
    `(${Object.keys(ENTITY_WORDS).join("|")})s?(?:\\s+(.*))?$`,
  "iu",
);
/** "archive old sessions", "archiver les anciennes sessions": an action the page has no rule for. */
const ARCHIVE_COMMAND = /^archiver?\b.*\bsessions?$/iu;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/u;
/** Words between the list word and the value: "with", "avec", "named", "nommé"… */
const FILLER = /^(?:(?:with|avec|named|called|nommée?|appelée?|titled|intitulée?|:)\s+)+/iu;

/** The studio's data when the server starts. */
function seedData() {
  return {
    clients: [
      { id: 1, name: "Léa Martin", email: "lea@martin.fr" },
      { id: 2, name: "Tom Baker", email: "tom@bandmail.com" },
    ],
    sessions: [
      { id: 1, title: "Tracking, Band A", status: "done" },
      { id: 2, title: "Overdubs, Léa Martin", status: "done" },
      { id: 3, title: "Mastering, EP", status: "booked" },
    ],
    invoices: [
      { id: 1, amount: 300, session: 1, status: "paid" },
      { id: 2, amount: 180, session: 2, status: "paid" },
    ],
    rooms: [
      { id: 1, name: "Studio A" },
      { id: 2, name: "Studio B" },
    ],
    equipment: [
      { id: 1, name: "Neve 1073 preamp" },
      { id: 2, name: "Shure SM57" },
    ],
    projects: [{ id: 1, title: "EP, Band A" }],
  };
}

/** How each list shows one of its records: `{ id, label }` is all the page needs. */
const LABELS = {
  clients: (client) => (client.name ? `${client.name} <${client.email ?? "no email"}>` : client.email),
  sessions: (session) => `${session.title} · ${session.status}`,
  invoices: (invoice) => `INV-${String(invoice.id).padStart(3, "0")} · ${invoice.amount} € · ${invoice.status}`,
  rooms: (room) => room.name,
  equipment: (item) => item.name,
  projects: (project) => project.title,
};

/**
 * The record a create command describes (`text` is what follows the list word), or `null` with
 * what is missing.
 */
const CREATORS = {
  clients(text) {
    const email = text.match(EMAIL)?.[0] ?? null;
    const named = text.match(/\b(?:nom|name)\s+(.+)$/iu)?.[1] ?? null;
    const name = named ?? (email ? null : text);
    return email || name ? { record: { name, email } } : { missing: "a client needs an email or a name" };
  },
  sessions: (text) => (text ? { record: { title: text, status: "booked" } } : { missing: "a session needs a title" }),
  invoices(text) {
    const amount = Number(text.match(/\d+(?:[.,]\d+)?/u)?.[0].replace(",", "."));
    return amount > 0 ? { record: { amount, session: null, status: "due" } } : { missing: "an invoice needs an amount" };
  },
  rooms: (text) => (text ? { record: { name: text } } : { missing: "a room needs a name" }),
  equipment: (text) => (text ? { record: { name: text } } : { missing: "equipment needs a name" }),
  projects: (text) => (text ? { record: { title: text } } : { missing: "a project needs a title" }),
};

const HELP =
  'I can create clients, sessions, invoices, rooms, equipment and projects ("create client test@example.com", ' +
  '"create invoice 120"…), or "archive old sessions".';

/** Serves `GET /api/crm/<list>`, `POST /api/crm/chat` and `GET /api/crm/stats`. */
export default function crmApi() {
  const data = seedData();
  const requests = createCounter();

  /** Adds `record` to `entity` with the next id; returns it. */
  const insert = (entity, record) => {
    const item = { id: Math.max(0, ...data[entity].map((r) => r.id)) + 1, ...record };
    data[entity].push(item);
    return item;
  };

  /** Removes finished sessions and marks their invoices archived: two lists change. */
  const archiveFinishedSessions = () => {
    const finished = new Set(data.sessions.filter((s) => s.status === "done").map((s) => s.id));
    data.sessions = data.sessions.filter((s) => !finished.has(s.id));
    for (const invoice of data.invoices) if (finished.has(invoice.session)) invoice.status = "archived";
    return finished.size;
  };

  /** The assistant: runs one command, answers `{ reply, action }` (`action: null` when nothing changed). */
  const chat = (message) => {
    const text = String(message ?? "").trim();
    const create = text.match(CREATE_COMMAND);
    if (create) {
      const entity = ENTITY_WORDS[create[1].toLowerCase()];
      const { record, missing } = CREATORS[entity]((create[2] ?? "").replace(FILLER, "").trim());
      if (!record) return { reply: `Sorry, ${missing}.`, action: null };
      const item = insert(entity, record);
      return { reply: `Done: ${LABELS[entity](item)} added to ${entity}.`, action: CREATE_ACTIONS[entity] };
    }
    if (ARCHIVE_COMMAND.test(text)) {
      const archived = archiveFinishedSessions();
      return { reply: `Archived ${archived} finished sessions and their invoices.`, action: "archive_sessions" };
    }
    return { reply: `Sorry, I did not understand. ${HELP}`, action: null };
  };

  /** GET counts per list: total and by status (a 304 is a request the ETag made cheap). */
  const stats = () =>
    Object.fromEntries(
      ENTITIES.map((entity) => [entity, { requests: requests.total(entity), statuses: requests.counts[entity] ?? {} }]),
    );

  const handle = async (request, response, url) => {
    const route = url.pathname.match(/^\/api\/crm\/(\w+)$/)?.[1];
    if (!route) return false;
    if (route === "chat" && request.method === "POST") {
      const { message } = await readJson(request);
      return void sendJson(request, response, chat(message));
    }
    if (request.method !== "GET") return void sendJson(request, response, { error: "method not allowed" }, 405);
    if (route === "stats") return void sendJson(request, response, stats());
    if (!ENTITIES.includes(route)) return void sendJson(request, response, { error: "no such list" }, 404);
    const items = data[route].map((record) => ({ id: record.id, label: LABELS[route](record) }));
    requests.note(route, sendJson(request, response, items));
  };
  return apiPlugin("cachebus-demo-crm-api", handle);
}
