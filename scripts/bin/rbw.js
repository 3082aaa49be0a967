#!/usr/bin/env node
// Entry point for `npx rbw`: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli.ts");
await main();
