// The assistant chat of the AI seed pages (000, 001): a message log, an input and a send button.
// What an answer changes (the app events it emits) is the page's business: `onAnswer`.
import { createElement as h, useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";

/** What an assistant answers: at least a reply to show. */
export interface ChatAnswer {
  reply: string;
}

/** Props of {@link ChatCard}. */
export interface ChatCardProps<A extends ChatAnswer> {
  title: string;
  /** The assistant's first message. */
  greeting: string;
  placeholder: string;
  /** Example messages offered as buttons that fill the input. */
  examples?: string[];
  /** Sends `message` to the assistant, which carries out what it understood. */
  ask: (message: string) => Promise<A>;
  /** Reacts to an answer (emits its events); may return a note shown under the reply. */
  onAnswer: (answer: A) => string | undefined;
}

interface Line {
  id: number;
  from: "me" | "bot";
  text: string;
  note?: string;
}

/** The chat card. */
export function ChatCard<A extends ChatAnswer>({ title, greeting, placeholder, examples = [], ask, onAnswer }: ChatCardProps<A>) {
  const [lines, setLines] = useState<Line[]>([{ id: 0, from: "bot", text: greeting }]);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Not `scrollTo`: in this Chromium it returns a Promise, which React would take for a cleanup.
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [lines]);
  const say = (from: Line["from"], text: string, note?: string) => setLines((list) => [...list, { id: list.length, from, text, note }]);
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const message = draft.trim();
    if (!message || sending) return;
    setDraft("");
    say("me", message);
    setSending(true);
    try {
      const answer = await ask(message);
      say("bot", answer.reply, onAnswer(answer));
    } catch (error) {
      say("bot", `The assistant is unreachable (${String(error)}).`);
    } finally {
      setSending(false);
    }
  };
  return h(
    "section",
    { className: "card" },
    h("h2", null, title),
    h(
      "div",
      { className: "chat", ref: log, "data-testid": "chat-log" },
      ...lines.map(({ id, from, text, note }) =>
        h("div", { key: id, className: from, "data-testid": `chat-${from}` }, text, note ? h("code", { className: "chat-note", "data-testid": "chat-note" }, note) : null),
      ),
    ),
    h(
      "form",
      { className: "chat-form", onSubmit: send, autoComplete: "off" },
      h("input", {
        "data-testid": "chat-input",
        "aria-label": "Message to the assistant",
        placeholder,
        value: draft,
        onChange: (event: ChangeEvent<HTMLInputElement>) => setDraft(event.currentTarget.value),
      }),
      h("button", { type: "submit", "data-testid": "chat-send", disabled: sending }, sending ? "…" : "Send"),
    ),
    examples.length === 0
      ? null
      : h(
          "p",
          { className: "chat-examples muted" },
          "Try: ",
          ...examples.map((example) => h("button", { key: example, type: "button", onClick: () => setDraft(example) }, example)),
        ),
  );
}

/** POSTs `body` as JSON to `url` and resolves with the JSON answer; rejects on an HTTP error. */
export async function postJson<A>(url: string, body: unknown): Promise<A> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as A;
}
