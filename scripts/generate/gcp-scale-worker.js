// Worker thread entry: loads the TypeScript generator worker through tsx (as scripts/bin/rbw.js does for the CLI).
import { register } from "tsx/esm/api";

register();
await import("./gcp-scale-worker.ts");
