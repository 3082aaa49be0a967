// Worker thread entry: loads the TypeScript worker through tsx (as scripts/bin/rbw.js does for the CLI).
import { register } from "tsx/esm/api";

register();
await import("./stage-worker.ts");
