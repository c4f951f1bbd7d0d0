import * as React from "react";
import { createRoot } from "react-dom/client";
import { act } from "react";
import * as cachebus from "cachebus";
import * as hooks from "cachebus/react";

Object.assign(window, { React, createRoot, act, cachebus, hooks, fixtureReady: true });
