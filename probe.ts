import { runServer, terminateServer, ZetaSQLClient, LanguageOptions } from "@fivetrandevelopers/zetasql";
const port = 50177;
runServer(port).catch(() => {});
ZetaSQLClient.init(port);
const client = ZetaSQLClient.getInstance();
console.log("conn", await client.testConnection());
const lo = await new LanguageOptions().enableMaximumLanguageFeatures();
const opts = lo.serialize();
console.log(Object.keys(opts), (opts as any).enabledLanguageFeatures?.length, (opts as any).supportedStatementKinds);
const catalog = {
  name: "c",
  builtinFunctionOptions: { languageOptions: opts },
  table: [{ name: "p.raw.t", column: [
    { name: "a", type: { typeKind: "TYPE_STRING" } },
    { name: "cost", type: { typeKind: "TYPE_NUMERIC" } },
    { name: "credits", type: { typeKind: "TYPE_ARRAY", arrayType: { elementType: { typeKind: "TYPE_STRUCT", structType: { field: [{ fieldName: "amount", fieldType: { typeKind: "TYPE_NUMERIC" } }] } } } } },
    { name: "export_time", type: { typeKind: "TYPE_TIMESTAMP" } },
  ] }],
};
const reg = await client.registerCatalog({ simpleCatalog: catalog });
console.log("reg", reg);
for (const sql of [
  "SELECT a, SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS total FROM `p.raw.t` GROUP BY a",
  "SELECT nope FROM `p.raw.t`",
  "CREATE OR REPLACE TABLE `p.core.x` PARTITION BY DATE(export_time) CLUSTER BY a OPTIONS(description='x') AS SELECT a, export_time FROM `p.raw.t`",
]) {
  try {
    const res: any = await client.analyze({ registeredCatalogId: reg!.registeredId, sqlStatement: sql, options: { languageOptions: { ...opts, supportedStatementKinds: [] }, errorMessageMode: "ERROR_MESSAGE_ONE_LINE" } as any });
    const stmt = res.resolvedStatement;
    console.log(Object.keys(stmt), stmt.node);
    const q = stmt[stmt.node];
    console.log(JSON.stringify(q.outputColumnList ?? q.parent?.outputColumnList ?? Object.keys(q)).slice(0, 800));
  } catch (e: any) { console.log("ERR", e.details ?? e.message); }
}
terminateServer();
process.exit(0);
