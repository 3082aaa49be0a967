import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GabiaPartnerBillSchema, GabiaUserBillSchema } from "../../scripts/clients/gabia.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { generateGabiaBills } from "../../scripts/generate/gabia.ts";
import { generateSampleData, SAMPLE_CUSTOMERS } from "../../scripts/generate/sample-data.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const OPTIONS = { firstMonth: "2026-08", months: 2, linesPerDay: 1, seed: 20261122 };

describe("Gabia sample bills", () => {
  it("are saved as the Bills API client saves them, valid against its schemas, with consistent totals", () => {
    const dir = mkdtempSync(join(tmpdir(), "rbw-gabia-sample-"));
    try {
      const generated = generateGabiaBills(dir, OPTIONS, SAMPLE_CUSTOMERS);
      expect(generated.currencies).toEqual(["KRW"]);
      expect(readdirSync(join(dir, "gabia/bills")).sort()).toEqual(["2026-08", "2026-09"]);
      for (const month of ["2026-08", "2026-09"]) {
        const folder = join(dir, "gabia/bills", month);
        const partner = GabiaPartnerBillSchema.parse(JSON.parse(readFileSync(join(folder, "partner.json"), "utf8")));
        const users = partner.users.map((u) => GabiaUserBillSchema.parse(JSON.parse(readFileSync(join(folder, "users", `${u}.json`), "utf8"))));
        expect(partner.total_charge).toBe(users.reduce((sum, u) => sum + u.total_charge, 0));
        for (const u of users) {
          const lines = Object.values(u.charge_detail).flatMap((l) => (Array.isArray(l) ? (l as { charge: number }[]) : []));
          expect(u.total_charge, u.user_id).toBe(lines.reduce((sum, l) => sum + l.charge, 0));
        }
        expect(JSON.parse(readFileSync(join(folder, "fetched.json"), "utf8"))).toMatchObject({ month, provisional: false });
      }
      // Several resource kinds, and users for customers as well as one nobody claims.
      const kinds = new Set(
        readdirSync(join(dir, "gabia/bills/2026-08/users")).flatMap((f) => {
          const bill = JSON.parse(readFileSync(join(dir, "gabia/bills/2026-08/users", f), "utf8")) as { charge_detail: Record<string, unknown[]> };
          return Object.entries(bill.charge_detail).filter(([, lines]) => lines.length > 0).map(([kind]) => kind);
        }),
      );
      expect([...kinds].sort()).toEqual(expect.arrayContaining(["ips", "loadbalancers", "nas", "servers", "traffic", "volumes"]));
      expect(Object.keys(generated.customers).sort()).toEqual(["hanbit-retail", "mirae-games", "seoul-logistics"]);
      expect(readdirSync(join(dir, "gabia/bills/2026-08/users"))).toContain("trial_user01.json");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("through the warehouse beside Google", () => {
    let dataDir: string;
    let warehouse: DuckDbWarehouse;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "rbw-gabia-sample-data-"));
      generateSampleData(dataDir, OPTIONS);
      warehouse = await DuckDbWarehouse.open(":memory:");
    });
    afterAll(async () => {
      await warehouse?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("shows Gabia in KRW in the margin report beside Google, rated without difference and reconciled", async () => {
      const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir });
      expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
      const providers = await warehouse.query<{ provider_name: string; currency: string; customers: string }>(
        `SELECT provider_name, STRING_AGG(DISTINCT currency, ',' ORDER BY currency) AS currency, STRING_AGG(DISTINCT customer_id, ',' ORDER BY customer_id) AS customers
         FROM marts.margin_monthly WHERE provider_name IN ('Gabia', 'Google Cloud') GROUP BY provider_name ORDER BY provider_name`,
      );
      expect(providers.map((p) => p.provider_name)).toEqual(["Gabia", "Google Cloud"]);
      expect(providers[0]).toEqual({ provider_name: "Gabia", currency: "KRW", customers: "hanbit-retail,mirae-games,seoul-logistics,unassigned" });
      const differences = await warehouse.query<{ rows: string; nonzero: string }>(
        "SELECT COUNT(*)::VARCHAR AS rows, COUNT(*) FILTER (WHERE difference IS DISTINCT FROM 0)::VARCHAR AS nonzero FROM marts.gabia_rating_check",
      );
      expect(Number(differences[0].rows)).toBeGreaterThan(20);
      expect(differences[0].nonzero).toBe("0");
      const recon = await warehouse.query<{ status: string; n: string }>(
        "SELECT status, COUNT(*)::VARCHAR AS n FROM marts.invoice_reconciliation WHERE source_system = 'gabia' GROUP BY status",
      );
      expect(recon.map((r) => r.status)).toEqual(["match"]);
    });
  });
});
