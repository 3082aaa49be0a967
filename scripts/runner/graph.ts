import type {
  AssertionAction,
  CompiledGraph,
  OperationAction,
  TableAction,
  Target,
  TestAction,
} from "./compiled-graph.ts";

export type ActionKind = "table" | "view" | "incremental" | "operation" | "assertion";

export type GraphAction =
  | { kind: "table" | "view" | "incremental"; name: string; target: Target; deps: string[]; def: TableAction }
  | { kind: "operation"; name: string; target: Target; deps: string[]; def: OperationAction }
  | { kind: "assertion"; name: string; target: Target; deps: string[]; def: AssertionAction };

export function targetName(target: Target): string {
  return target.schema ? `${target.schema}.${target.name}` : target.name;
}

function tableKind(def: TableAction): "table" | "view" | "incremental" {
  const kind = (def.enumType ?? def.type ?? "TABLE").toLowerCase();
  if (kind === "view" || kind === "incremental") return kind;
  return "table";
}

/** The executable actions of a compiled graph (declarations are sources, not actions). */
export function graphActions(graph: CompiledGraph): GraphAction[] {
  const declared = new Set(graph.declarations.map((d) => targetName(d.target)));
  const deps = (targets: Target[]) => targets.map(targetName).filter((n) => !declared.has(n));
  return [
    ...graph.tables.map(
      (def): GraphAction => ({
        kind: tableKind(def),
        name: targetName(def.target),
        target: def.target,
        deps: deps(def.dependencyTargets),
        def,
      }),
    ),
    ...graph.operations.map(
      (def): GraphAction => ({
        kind: "operation",
        name: targetName(def.target),
        target: def.target,
        deps: deps(def.dependencyTargets),
        def,
      }),
    ),
    ...graph.assertions.map(
      (def): GraphAction => ({
        kind: "assertion",
        name: targetName(def.target),
        target: def.target,
        deps: deps(def.dependencyTargets),
        def,
      }),
    ),
  ];
}

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphError";
  }
}

/** Dependency order (Kahn's algorithm, ties broken by name so runs are repeatable). */
export function dependencyOrder(actions: GraphAction[]): GraphAction[] {
  const byName = new Map(actions.map((a) => [a.name, a]));
  const indegree = new Map(actions.map((a) => [a.name, 0]));
  const dependents = new Map<string, string[]>();
  for (const action of actions) {
    for (const dep of action.deps) {
      if (!byName.has(dep)) continue;
      indegree.set(action.name, (indegree.get(action.name) ?? 0) + 1);
      dependents.set(dep, [...(dependents.get(dep) ?? []), action.name]);
    }
  }
  const ready = actions.filter((a) => indegree.get(a.name) === 0).map((a) => a.name);
  const ordered: GraphAction[] = [];
  while (ready.length > 0) {
    ready.sort();
    const name = ready.shift() as string;
    ordered.push(byName.get(name) as GraphAction);
    for (const child of dependents.get(name) ?? []) {
      const left = (indegree.get(child) ?? 0) - 1;
      indegree.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (ordered.length !== actions.length) {
    const stuck = actions.filter((a) => !ordered.includes(a)).map((a) => a.name);
    throw new GraphError(`The graph has a dependency cycle among: ${stuck.join(", ")}`);
  }
  return ordered;
}

export interface Selection {
  /** Action names (`schema.name` or a unique `name`). */
  actions?: string[];
  tags?: string[];
  includeDependencies?: boolean;
  includeDependents?: boolean;
}

function resolveName(actions: GraphAction[], wanted: string): string {
  const exact = actions.find((a) => a.name === wanted);
  if (exact) return exact.name;
  const byShortName = actions.filter((a) => a.target.name === wanted);
  if (byShortName.length === 1) return byShortName[0].name;
  if (byShortName.length > 1) {
    throw new GraphError(`"${wanted}" is ambiguous: ${byShortName.map((a) => a.name).join(", ")}. Use schema.name.`);
  }
  throw new GraphError(`No action named "${wanted}". Run "rbw compile" to list the actions.`);
}

/** Applies a selection; with no action or tag named, everything is selected. */
export function selectActions(actions: GraphAction[], selection: Selection): GraphAction[] {
  const names = selection.actions ?? [];
  const tags = selection.tags ?? [];
  if (names.length === 0 && tags.length === 0) return actions;
  const chosen = new Set<string>(names.map((n) => resolveName(actions, n)));
  for (const action of actions) {
    if (action.def.tags.some((t) => tags.includes(t))) chosen.add(action.name);
  }
  const byName = new Map(actions.map((a) => [a.name, a]));
  if (selection.includeDependencies) {
    const stack = [...chosen];
    while (stack.length > 0) {
      for (const dep of byName.get(stack.pop() as string)?.deps ?? []) {
        if (byName.has(dep) && !chosen.has(dep)) {
          chosen.add(dep);
          stack.push(dep);
        }
      }
    }
  }
  if (selection.includeDependents) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const action of actions) {
        if (!chosen.has(action.name) && action.deps.some((d) => chosen.has(d))) {
          chosen.add(action.name);
          grew = true;
        }
      }
    }
  }
  return actions.filter((a) => chosen.has(a.name));
}

export function selectTests(tests: TestAction[], selection: Selection): TestAction[] {
  const names = selection.actions ?? [];
  const tags = selection.tags ?? [];
  if (names.length === 0 && tags.length === 0) return tests;
  return tests.filter((t) => names.includes(t.name) || t.tags.some((tag) => tags.includes(tag)));
}
