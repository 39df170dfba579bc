// Lets node resolve the browser's absolute module paths (/client/<area>/x.js) to the files the
// server serves them from (server/pages/views_client.py: <area>/client/x.js). Import this first, then
// import the module under test dynamically (static imports resolve before any hook runs).
import { register } from "node:module";

register("./client-paths-hooks.mjs", import.meta.url);
