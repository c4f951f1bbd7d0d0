// Size entry: what an app using TanStack Query with persistence and cross-tab sync ships.
import { QueryClient } from "@tanstack/query-core";
import { QueryClientProvider, useMutation, useQuery } from "@tanstack/react-query";
import { PersistQueryClientProvider } from "@tanstack/react-query-persist-client";
import { createSyncStoragePersister } from "@tanstack/query-sync-storage-persister";
import { broadcastQueryClient } from "@tanstack/query-broadcast-client-experimental";

window.app = { QueryClient, QueryClientProvider, useMutation, useQuery, PersistQueryClientProvider, createSyncStoragePersister, broadcastQueryClient };
