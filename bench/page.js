// Entry of the benchmark page: hands the workload modules to bench/run.mjs as `window.bench`.
// Nothing runs on load (start-up is measured from a page that has not created a cache).
import { resetStorage } from "./lib.js";
import * as crosstab from "./workloads/crosstab.js";
import * as fetch from "./workloads/fetch.js";
import * as idb from "./workloads/idb.js";
import * as invalidate from "./workloads/invalidate.js";
import * as memory from "./workloads/memory.js";
import * as react from "./workloads/react.js";
import * as startup from "./workloads/startup.js";
import * as tabs from "./workloads/tabs.js";
import * as tiers from "./workloads/tiers.js";

window.bench = { resetStorage, crosstab, fetch, idb, invalidate, memory, react, startup, tabs, tiers };
