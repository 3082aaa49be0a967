import type { Command } from "commander";
import type { GlobalOptions } from "../cli.ts";

/** Commands that land vendor data and produce reports (added as the vendor slices land). */
export function registerPipelineCommands(
  _program: Command,
  _globals: () => GlobalOptions,
  _addGraphRunOptions: (command: Command) => Command,
): void {}
