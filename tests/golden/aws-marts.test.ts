import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { dataWithAws } from "../helpers/aws-data.ts";
import { awsReports, canonical, decimal, type TextRow } from "./aws/compare.ts";
import { REPO_ROOT } from "../helpers/project.ts";

// The warehouse's marts.aws_billed_revenue and marts.aws_collections_disbursements against AWS's own report
// queries (reference appendices A and B, translated to DuckDB in ./aws/report-queries.ts) over the same
// delivery: the golden fixture (tests/fixtures/aws-golden/README.md), then the same feeds after a day's
// records were appended, one of them a bi-temporal correction.

describe("the AWS marts reproduce AWS's billed revenue and collections & disbursements reports", () => {
  let data: ReturnType<typeof dataWithAws>;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });
  const mart = (name: string) => warehouse.query<TextRow>(`SELECT COLUMNS(*)::VARCHAR FROM marts.${name}`);
  const billedRow = async (invoiceId: string) => (await mart("aws_billed_revenue")).filter((r) => r.invoice_id === invoiceId);

  beforeAll(async () => {
    data = dataWithAws({ c1: ["737399998888"] });
    warehouse = await DuckDbWarehouse.open(":memory:");
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success").map((r) => r.name)).toEqual([]);
  }, 240_000);
  afterAll(async () => {
    await warehouse.close();
    data.cleanup();
  });

  it("has AWS's columns, in AWS's order, lower case", async () => {
    const reports = await awsReports(join(data.dir, "aws-marketplace"));
    const columns = async (table: string) =>
      (await warehouse.query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = '${table}' ORDER BY ordinal_position`)).map((c) => c.name);
    expect(await columns("aws_billed_revenue")).toEqual(Object.keys(reports.billed[0]).map((k) => k.toLowerCase()));
    expect(await columns("aws_collections_disbursements")).toEqual(Object.keys(reports.collections[0]).map((k) => k.toLowerCase()));
  });

  it("equals AWS's reports row for row over the golden fixture (all history, numbers as exact decimals)", async () => {
    const reports = await awsReports(join(data.dir, "aws-marketplace"));
    expect(reports.billed).toHaveLength(4);
    expect(reports.collections).toHaveLength(6);
    expect(canonical(await mart("aws_billed_revenue"))).toEqual(canonical(reports.billed));
    expect(canonical(await mart("aws_collections_disbursements"))).toEqual(canonical(reports.collections));
  });

  it("worked example: Paulo nets 100 - 80 - 0.20 = 19.80 USD on Arnav's line item, AWS's 20.60 tax is shown and not counted", async () => {
    const [arnav] = await billedRow("781216640");
    expect(arnav).toMatchObject({
      gross_revenue: "100.00",
      listing_fee: "-0.20",
      wholesale_cost: "-80.00",
      aws_tax_share: "20.60",
      seller_net_revenue: "19.80",
      currency: "USD",
      disbursement_status: "Disbursed",
      listing_fee_invoice_id: "788576665",
      offer_visibility: "Private",
      isv_account_id: "111122223333",
      aws_seller_of_record: "AWS_INC",
    });
    // What the payout I14 paid for the line item: the negated DISBURSED lines, 20.00 + (-0.20) = 19.80, and no AWS tax.
    const paid = (await mart("aws_collections_disbursements")).filter((r) => r.invoice_id === "781216640");
    const total = paid.reduce((sum, r) => sum + Math.round(Number(r.seller_net_revenue) * 100), 0);
    expect(total).toBe(1980);
    expect(paid.every((r) => !("aws_tax_share" in r))).toBe(true);
  });

  it("disbursed lines are exact negatives of their invoiced parents in a full payout; AWS's tax on the buyer invoice is never paid out", async () => {
    const rows = await warehouse.query<{ payout: string; parent: string; net: string }>(`
      SELECT LEFT(child.disbursement_billing_event_id, 3) AS payout, LEFT(parent.billing_event_id, 2) AS parent, CAST(parent.amount + child.amount AS VARCHAR) AS net
      FROM staging.stg_aws__billing_events AS child
      JOIN staging.stg_aws__billing_events AS parent ON parent.billing_event_id = child.parent_billing_event_id
      WHERE child.action = 'DISBURSED' AND child.transaction_type NOT LIKE 'DISBURSEMENT%'
      ORDER BY 1, 2`);
    const fullPayouts = rows.filter((r) => r.payout === "I14" || r.payout === "M14");
    expect(fullPayouts.map((r) => [r.payout, r.parent, decimal(r.net)])).toEqual([
      ["I14", "I0", "0"], ["I14", "I2", "0"], ["I14", "I3", "0"],
      ["M14", "M1", "0"], ["M14", "M2", "0"], ["M14", "M4", "0"],
    ]);
    // The partial payout H14 paid 300.00 of 500.00 and 9.00 of the 15.00 fee.
    expect(rows.filter((r) => r.payout === "H14").map((r) => decimal(r.net))).toEqual(["200", "-6"]);
    const buyerTaxPaidOut = await warehouse.query(`
      SELECT COUNT(*)::VARCHAR AS n
      FROM staging.stg_aws__billing_events AS child
      JOIN intermediate.int_aws__billing_events AS parent ON parent.billing_event_id = child.parent_billing_event_id
      WHERE child.action = 'DISBURSED' AND parent.transaction_type = 'AWS_TAX_SHARE' AND NOT parent.is_seller_invoice`);
    expect(buyerTaxPaidOut).toEqual([{ n: "0" }]);
  });

  it("partial disbursement (Hanbit): 300 of 500 paid, status Other; the refund is its own Not Disbursed line item", async () => {
    expect((await billedRow("1487203651"))[0]).toMatchObject({ gross_revenue: "500.00", listing_fee: "-15.00", seller_net_revenue: "485.00", disbursement_status: "Other" });
    expect((await billedRow("1490011201"))[0]).toMatchObject({ gross_refund: "-100.00", listing_fee_refund: "3.00", seller_net_revenue: "-97.00", disbursement_status: "Not Disbursed" });
    const hanbit = (await mart("aws_collections_disbursements")).filter((r) => r.invoice_id === "1487203651");
    expect(hanbit.map((r) => [r.gross_revenue, r.listing_fee, r.seller_net_revenue, r.disburse_bank_trace_id])).toEqual([["300.00", "-9.00", "291.00", "20240213KS0002917"]]);
  });

  it("address change (new valid_from) and bi-temporal corrections (same valid_from, later update_date): as-of results", async () => {
    // January invoice: Hanbit's Seoul address; February refund: the Busan address, whose postal code 48O58
    // was corrected to 48058 two days later.
    expect((await billedRow("1487203651"))[0]).toMatchObject({ payer_city: "중구" });
    expect((await billedRow("1490011201"))[0]).toMatchObject({ payer_city: "해운대구", payer_postal_code: "48058", product_title: "Paulo Backup Pro" });
    const history = await warehouse.query(`
      SELECT aws_account_id, CAST(valid_from AS VARCHAR) AS valid_from, CAST(valid_to AS VARCHAR) AS valid_to, is_current
      FROM staging.stg_aws__accounts WHERE aws_account_id = '012345678901' ORDER BY valid_from`);
    expect(history).toEqual([
      { aws_account_id: "012345678901", valid_from: "1970-01-01 00:00:00+00", valid_to: "2024-02-15 03:00:00+00", is_current: false },
      { aws_account_id: "012345678901", valid_from: "2024-02-15 03:00:00+00", valid_to: "2999-01-01 00:00:00+00", is_current: true },
    ]);
    expect(await warehouse.query(`SELECT postal_code FROM staging.stg_aws__addresses WHERE address_id LIKE 'adrHaNbItBuSaN%'`)).toEqual([{ postal_code: "48058" }]);
  });

  it("failed disbursement and a second currency (Müller, EUR): the reversing lines cancel the payout; the soft-deleted duplicate is gone", async () => {
    expect(await billedRow("5301846227")).toHaveLength(1);
    expect((await billedRow("5301846227"))[0]).toMatchObject({
      currency: "EUR",
      gross_revenue: "1000.00",
      aws_tax_share_listing_fee: "-5.70",
      seller_net_revenue: "964.30",
      disbursement_status: "Not Disbursed",
      aws_seller_of_record: "AWS_EUROPE",
    });
    const mueller = (await mart("aws_collections_disbursements")).filter((r) => r.currency === "EUR");
    expect(mueller.map((r) => r.seller_net_revenue).sort()).toEqual(["-964.30", "964.30"]);
    expect(await warehouse.query(`SELECT COUNT(*)::VARCHAR AS n FROM staging.stg_aws__billing_events WHERE billing_event_id LIKE 'MX%'`)).toEqual([{ n: "0" }]);
  });

  it("balance_impacting = 1 is what is still owed to the seller (the reading the fixture README settles): 0 for Arnav after I14, 97.00 USD, 964.30 EUR", async () => {
    const pending = await warehouse.query(`
      SELECT currency, CAST(SUM(amount) AS VARCHAR) AS pending
      FROM staging.stg_aws__billing_events WHERE balance_impacting = 1
      GROUP BY currency ORDER BY currency`);
    expect(pending.map((r) => [r.currency, decimal(r.pending as string)])).toEqual([["EUR", "964.3"], ["USD", "97"]]);
    // The payout rows are cash movements (0): counting them as well would leave Arnav's 19.80 owed after it was paid.
    const payouts = await warehouse.query(`SELECT DISTINCT balance_impacting FROM staging.stg_aws__billing_events WHERE transaction_type LIKE 'DISBURSEMENT%'`);
    expect(payouts).toEqual([{ balance_impacting: "0" }]);
  });

  it("after a day is appended to a month file (a correction among it), the marts still equal AWS's reports over the grown feeds", async () => {
    const file = join(data.dir, "aws-marketplace/BillingEventFeed_V1/year=2024/month=03/data.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const m1 = lines.find((l) => l.includes(",M1f6d00f6"));
    if (!m1) throw new Error("M1 missing from the fixture");
    // M1 corrected: same billing_event_id and valid_from, a later update_date, 1,200.00 instead of 1,000.00.
    const fields = m1.split(",");
    fields[header.indexOf("update_date")] = "2024-03-31T00:00:00Z";
    fields[header.indexOf("amount")] = "1200.00";
    appendFileSync(file, `${fields.join(",")}\n`);
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success").map((r) => r.name)).toEqual([]);
    expect(result.land.files.filter((f) => f.status === "landed").map((f) => [f.file, f.rowsLanded])).toEqual([["aws-marketplace/BillingEventFeed_V1/year=2024/month=03/data.csv", 1]]);
    const reports = await awsReports(join(data.dir, "aws-marketplace"));
    expect(canonical(await mart("aws_billed_revenue"))).toEqual(canonical(reports.billed));
    expect(canonical(await mart("aws_collections_disbursements"))).toEqual(canonical(reports.collections));
    expect((await billedRow("5301846227"))[0]).toMatchObject({ gross_revenue: "1200.00", seller_net_revenue: "1164.30" });
  });
});
