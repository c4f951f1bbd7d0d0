// Size entry: what an app using idb-keyval ships.
import { createStore, del, delMany, get, keys, set, setMany } from "idb-keyval";

window.app = { createStore, del, delMany, get, keys, set, setMany };
