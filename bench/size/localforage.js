// Size entry: what an app using localForage ships.
import localforage from "localforage";

window.app = { localforage };
