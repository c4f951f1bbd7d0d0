// Compiled with `tsc --noEmit` by the test command: the devtools' types accept correct use and
// refuse mistakes (each @ts-expect-error fails the build if its line stops erroring).
import { createElement } from "react";
import { createCache } from "cachebus";
import { CacheProvider } from "cachebus/react";
import { CacheDevtools, type CacheDevtoolsProps, type DevtoolsPosition } from "cachebus/devtools";

// Inside a provider, with no props: a closed panel in the bottom-right corner.
export const provided = createElement(CacheProvider, { namespace: "shop" }, createElement(CacheDevtools));

const corner: DevtoolsPosition = "top-left";
export const placed = createElement(CacheDevtools, { initialIsOpen: true, position: corner });

// A cache of one's own, outside any provider.
export const own = createElement(CacheDevtools, { cache: await createCache({ namespace: "shop" }), position: "inline" });

export const props: CacheDevtoolsProps = { initialIsOpen: false };

// @ts-expect-error: positions are corners or "inline"
export const wrongPosition = createElement(CacheDevtools, { position: "center" });

// @ts-expect-error: cache is a Cache, not a namespace
export const wrongCache = createElement(CacheDevtools, { cache: "shop" });

// @ts-expect-error: initialIsOpen is a boolean
export const wrongOpen = createElement(CacheDevtools, { initialIsOpen: "yes" });
