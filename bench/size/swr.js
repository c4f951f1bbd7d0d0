// Size entry: what an app using SWR ships.
import useSWR, { SWRConfig, mutate, preload } from "swr";

window.app = { useSWR, SWRConfig, mutate, preload };
