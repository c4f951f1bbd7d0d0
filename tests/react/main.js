import * as React from "react";
import { createRoot, hydrateRoot } from "react-dom/client";
import { act } from "react";
import * as cachebus from "cachebus";
import * as hooks from "cachebus/react";
import * as ssr from "./ssr-app.js";

Object.assign(window, { React, createRoot, hydrateRoot, act, cachebus, hooks, ssr, fixtureReady: true });
