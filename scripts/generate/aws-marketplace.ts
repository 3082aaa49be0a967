import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import accountSchema from "../../includes/schemas/aws_marketplace/aws_accountfeed_v1.json" with { type: "json" };
import addressSchema from "../../includes/schemas/aws_marketplace/aws_addressfeed_v1.json" with { type: "json" };
import agreementSchema from "../../includes/schemas/aws_marketplace/aws_agreementfeed_v1.json" with { type: "json" };
import billingEventSchema from "../../includes/schemas/aws_marketplace/aws_billingeventfeed_v1.json" with { type: "json" };
import legacySchema from "../../includes/schemas/aws_marketplace/aws_legacyidmappingfeed_v1.json" with { type: "json" };
import offerSchema from "../../includes/schemas/aws_marketplace/aws_offerfeed_v1.json" with { type: "json" };
import offerProductSchema from "../../includes/schemas/aws_marketplace/aws_offerproductfeed_v1.json" with { type: "json" };
import offerTargetSchema from "../../includes/schemas/aws_marketplace/aws_offertargetfeed_v1.json" with { type: "json" };
import productSchema from "../../includes/schemas/aws_marketplace/aws_productfeed_v1.json" with { type: "json" };
import taxItemSchema from "../../includes/schemas/aws_marketplace/aws_taxitemfeed_v1.json" with { type: "json" };
import type { SampleCustomer, SampleData } from "../land/vendor-module.ts";
import { DEFAULT_GENERATE_OPTIONS, type GenerateOptions, monthList } from "./options.ts";

/**
 * Realistic, deterministic AWS Marketplace seller data feeds for the sample reseller, in AWS's S3 delivery
 * layout (aws-marketplace/<Feed>_V1/year=YYYY/month=MM/data.csv, with the year=2010/month=01 backfill
 * folder and header-only months). The reseller sells its own product (a public offer to a USD buyer, a
 * private offer to a EUR buyer through AWS EMEA SARL, with VAT on the listing fee) and resells an ISV's
 * product in a channel-partner private offer (CPPO, USD); the public-offer buyer gets a refund in the
 * second month; each month's invoices are paid out on the 15th of the next month (the last month's not
 * yet). Amounts are kept in cents so every total is exact.
 */

const ROOT = "aws-marketplace";

const COLUMNS: Record<string, string[]> = {
  AccountFeed_V1: accountSchema.map((c) => c.name),
  AddressFeed_V1: addressSchema.map((c) => c.name),
  AgreementFeed_V1: agreementSchema.map((c) => c.name),
  BillingEventFeed_V1: billingEventSchema.map((c) => c.name),
  LegacyIdMappingFeed_V1: legacySchema.map((c) => c.name),
  OfferFeed_V1: offerSchema.map((c) => c.name),
  OfferProductFeed_V1: offerProductSchema.map((c) => c.name),
  OfferTargetFeed_V1: offerTargetSchema.map((c) => c.name),
  ProductFeed_V1: productSchema.map((c) => c.name),
  TaxItemFeed_V1: taxItemSchema.map((c) => c.name),
};

type Row = Record<string, string>;

/** A 40-character id (AWS's billing event ids are 40 alphanumerics). */
const id40 = (name: string) => createHash("sha1").update(name).digest("hex");

/** Cents to AWS's amount text ('.' decimal mark, no thousands separator). */
function money(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
const at = (year: number, month: number, day: number, hour = 0, minute = 0) => new Date(Date.UTC(year, month - 1, day, hour, minute));

/** RFC 4180: a field is quoted when it holds a comma, a quote or a line break; quotes are doubled. */
const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

interface Party {
  accountId: string;
  awsAccountId: string;
  encrypted: string;
  addressId: string;
  company: string;
  legalName: string;
  emailDomain: string;
  country: string;
  state: string;
  city: string;
  postalCode: string;
  line1: string;
  taxRegistration: string;
}

const party = (key: string, awsAccountId: string, p: Omit<Party, "accountId" | "awsAccountId" | "encrypted" | "addressId">): Party => ({
  accountId: id40(`account:${key}`),
  awsAccountId,
  encrypted: id40(`encrypted:${key}`).slice(0, 12),
  addressId: `adr${id40(`address:${key}`).slice(0, 37)}`,
  ...p,
});

const RESELLER = party("reseller", "210987654321", {
  company: "Hangang Cloud Partners Co., Ltd.", legalName: "한강클라우드파트너스 주식회사", emailDomain: "hangang-cloud.example",
  country: "KR", state: "서울특별시", city: "영등포구", postalCode: "07326", line1: "여의대로 108, 25층", taxRegistration: "1078612345",
});
const ISV = party("isv", "099887766554", {
  company: "Nimbus Analytics, Inc.", legalName: "Nimbus Analytics, Inc.", emailDomain: "nimbus-analytics.example",
  country: "US", state: "WA", city: "Seattle", postalCode: "98101", line1: "1200 5th Ave, Suite 900", taxRegistration: "",
});
const AWS_MARKETPLACE = { accountId: id40("account:aws-marketplace") };

interface Buyer {
  customer: SampleCustomer;
  party: Party;
  currency: string;
  broker: string;
  offer: "public" | "eu_private" | "cppo";
  /** Monthly price in cents. */
  price: number;
  /** Tax AWS collects from the buyer, in basis points. */
  taxBps: number;
}

interface Product {
  id: string;
  code: string;
  title: string;
  manufacturer: Party;
  legacyId: string;
}

const OWN_PRODUCT: Product = { id: "prod-hg7backup2pro", code: "hg7kq2backuppro01", title: "Hangang Backup Pro", manufacturer: RESELLER, legacyId: "5f0c2a8e-3b71-4c1d-9e2a-7d4b6c8f1a20" };
const ISV_PRODUCT: Product = { id: "prod-nb4analytics9", code: "nb4xw8analytics02", title: "Nimbus Analytics Suite", manufacturer: ISV, legacyId: "8a3e1f62-04cb-4b9e-a1d7-2c5f9e6b3d41" };

const OFFERS = {
  public: { id: "offer-hgpub3backup7q", name: "", product: OWN_PRODUCT, seller: "", opportunity: "" },
  eu_private: { id: "offer-hgeu5backup2m", name: "Hangang Backup Pro for EU customers", product: OWN_PRODUCT, seller: "", opportunity: "" },
  cppo: { id: "offer-hgcppo8nimbus4", name: "Nimbus Analytics Suite via Hangang (CPPO)", product: ISV_PRODUCT, seller: RESELLER.accountId, opportunity: "resaleauthz-nb4hg7k2x9" },
};

/** Listing fee in basis points: 3 % on the reseller's own product, 1.5 % on the CPPO resale. */
const LISTING_FEE_BPS = { own: 300, cppo: 150 };
/** The wholesale price the reseller owes the ISV, in basis points of the buyer's price. */
const WHOLESALE_BPS = 8000;
/** VAT AWS EMEA SARL charges on the listing fee (reverse charge is not modelled). */
const LISTING_FEE_VAT_BPS = 1900;

const share = (cents: number, bps: number) => Math.round((cents * bps) / 10000);

class FeedWriter {
  readonly rows = new Map<string, Row[]>();
  add(feed: string, month: string, row: Row) {
    const key = `${feed}|${month}`;
    const list = this.rows.get(key) ?? [];
    list.push(row);
    this.rows.set(key, list);
  }
  ensure(feed: string, month: string) {
    const key = `${feed}|${month}`;
    if (!this.rows.has(key)) this.rows.set(key, []);
  }
}

const folder = (date: Date) => `year=${date.getUTCFullYear()}/month=${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
const history = (date: Date, update = date): Row => ({ valid_from: iso(date), insert_date: iso(date), update_date: iso(update), delete_date: "" });

export function generateAwsMarketplaceFeeds(dataDir: string, options: GenerateOptions = DEFAULT_GENERATE_OPTIONS, customers: SampleCustomer[] = []): SampleData {
  const months = monthList(options.firstMonth, options.months);
  const [first] = months;
  const start = at(first.year, first.month, 1);
  const backfill = "year=2010/month=01";
  const feedsOut = new FeedWriter();
  const onboarding = folder(new Date(start.getTime() - 86_400_000));

  const templates: Omit<Buyer, "customer" | "party">[] = [
    { currency: "USD", broker: "AWS_INC", offer: "public", price: 120000, taxBps: 1000 },
    { currency: "USD", broker: "AWS_INC", offer: "cppo", price: 250000, taxBps: 0 },
    { currency: "EUR", broker: "AWS_EUROPE", offer: "eu_private", price: 90000, taxBps: 1900 },
  ];
  const places = [
    { country: "KR", state: "서울특별시", city: "중구", postalCode: "04524", line1: "세종대로 110" },
    { country: "US", state: "CA", city: "San Jose", postalCode: "95113", line1: "50 W San Fernando St" },
    { country: "DE", state: "Berlin", city: "Berlin", postalCode: "10117", line1: "Friedrichstraße 68\n4. OG" },
  ];
  // Scaled: every customer passed is a buyer, the offers taken in turn, prices varying per buyer.
  const buyerTemplates = options.scaled ? customers.map((_, i) => ({ ...templates[i % templates.length], price: templates[i % templates.length].price + (i % 10) * 5000 })) : templates.slice(0, customers.length);
  const buyers: Buyer[] = buyerTemplates.map((t, i) => {
    const customer = customers[i];
    const place = places[i % places.length];
    const company = t.currency === "EUR" ? `${customer.name} Europe GmbH, "Berlin"` : customer.name;
    return {
      ...t,
      customer,
      party: party(`buyer:${customer.id}`, options.scaled ? String(310000000000 + i * 7_919_113) : `0${String(10203040506 + i * 1111111111).padStart(11, "0")}`, {
        company,
        legalName: t.currency === "EUR" ? `${customer.name} Europe GmbH` : customer.name,
        emailDomain: `${customer.id}.example`,
        taxRegistration: t.currency === "EUR" ? `DE81234567${i}` : "",
        ...place,
      }),
    };
  });

  // Accounts, addresses and the catalog, delivered when the reseller was onboarded (before the first month).
  const onboarded = new Date(start.getTime() - 20 * 86_400_000);
  for (const p of [RESELLER, ISV, ...buyers.map((b) => b.party)]) {
    feedsOut.add("AccountFeed_V1", onboarding, {
      ...history(onboarded), account_id: p.accountId, aws_account_id: p.awsAccountId, encrypted_account_id: p.encrypted,
      mailing_address_id: p.addressId, tax_address_id: p.addressId, tax_registration_number: p.taxRegistration, tax_legal_name: p.legalName,
    });
    feedsOut.add("AddressFeed_V1", onboarding, {
      ...history(onboarded), valid_to: "", address_id: p.addressId, email_domain: p.emailDomain, company_name: p.company, country_code: p.country,
      state_or_region: p.state, city: p.city, postal_code: p.postalCode, address_line_1: p.line1, address_line_2: "", address_line_3: "",
    });
  }
  feedsOut.add("AccountFeed_V1", backfill, { ...history(at(2018, 1, 1)), account_id: AWS_MARKETPLACE.accountId, aws_account_id: "", encrypted_account_id: "", mailing_address_id: "", tax_address_id: "", tax_registration_number: "", tax_legal_name: "" });
  for (const product of [OWN_PRODUCT, ISV_PRODUCT]) {
    feedsOut.add("ProductFeed_V1", backfill, { ...history(at(2019, 6, 1)), product_id: product.id, manufacturer_account_id: product.manufacturer.accountId, product_code: product.code, title: product.title });
    feedsOut.add("LegacyIdMappingFeed_V1", backfill, { ...history(at(2019, 6, 1)), mapping_type: "PRODUCT", legacy_id: product.legacyId, new_id: product.id });
  }
  for (const offer of Object.values(OFFERS)) {
    feedsOut.add("OfferFeed_V1", onboarding, {
      ...history(onboarded), offer_id: offer.id, offer_revision: "1", name: offer.name, expiration_date: "9999-01-01T00:00:00Z",
      opportunity_name: offer.opportunity ? "Nimbus Analytics APAC resale" : "", opportunity_description: offer.opportunity ? "Resale of Nimbus Analytics Suite to Korean enterprises" : "",
      seller_account_id: offer.seller, opportunity_id: offer.opportunity,
    });
    feedsOut.add("OfferProductFeed_V1", onboarding, { ...history(onboarded), offer_id: offer.id, offer_revision: "1", product_id: offer.product.id });
  }
  for (const buyer of buyers.filter((b) => b.offer === "eu_private")) {
    feedsOut.add("OfferTargetFeed_V1", onboarding, {
      ...history(onboarded), offer_target_id: id40(`target:${buyer.customer.id}`), offer_id: OFFERS.eu_private.id, offer_revision: "1",
      target_type: "BuyerAccounts", polarity: "PositiveTargeting", value: buyer.party.awsAccountId,
    });
  }
  for (const buyer of buyers) {
    const offer = OFFERS[buyer.offer];
    feedsOut.add("AgreementFeed_V1", onboarding, {
      ...history(onboarded), status: "ACTIVE", estimated_agreement_value: money(buyer.price * 12), currency_code: buyer.currency,
      agreement_id: `agmt-${id40(`agreement:${buyer.customer.id}`).slice(0, 24)}`, proposer_account_id: RESELLER.accountId,
      acceptor_account_id: buyer.party.accountId, offer_id: offer.id, offer_revision_at_acceptance: "1", start_time: iso(onboarded),
      end_time: iso(new Date(onboarded.getTime() + 365 * 86_400_000 - 1000)), acceptance_time: iso(onboarded), intent: "NEW", preceding_agreement_id: "", status_reason_code: "",
    });
  }

  // Billing events: each month's invoices, then the payout of the previous month's on the 15th.
  let disbursable: Row[] = [];
  const bill = (key: string, month: string, row: Row) => {
    const event = { ...row, billing_event_id: id40(`event:${key}`) };
    feedsOut.add("BillingEventFeed_V1", month, event);
    return event;
  };
  for (const [index, { year, month }] of months.entries()) {
    const monthFolder = `year=${year}/month=${String(month).padStart(2, "0")}`;
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    // The payout of the previous month's invoices, on the 15th.
    if (disbursable.length > 0) {
      for (const currency of [...new Set(disbursable.map((e) => e.currency))].sort()) {
        const lines = disbursable.filter((e) => e.currency === currency);
        const paidAt = at(year, month, 15, 6);
        const payoutKey = `payout:${year}-${month}:${currency}`;
        const payoutId = id40(`event:${payoutKey}`);
        let net = 0;
        for (const line of lines) {
          const cents = Math.round(Number(line.amount) * 100);
          net += cents;
          bill(`${payoutKey}:${line.billing_event_id}`, monthFolder, {
            ...history(paidAt), from_account_id: line.from_account_id, to_account_id: line.to_account_id, end_user_account_id: line.end_user_account_id,
            product_id: line.product_id, action: "DISBURSED", transaction_type: line.transaction_type, parent_billing_event_id: line.billing_event_id,
            disbursement_billing_event_id: payoutId, amount: money(-cents), currency, balance_impacting: "1", invoice_date: line.invoice_date, payment_due_date: "",
            usage_period_start_date: line.usage_period_start_date, usage_period_end_date: line.usage_period_end_date, invoice_id: line.invoice_id,
            billing_address_id: line.billing_address_id, transaction_reference_id: line.transaction_reference_id, bank_trace_id: "", broker_id: line.broker_id,
            buyer_transaction_reference_id: line.buyer_transaction_reference_id, agreement_id: line.agreement_id,
          });
        }
        bill(payoutKey, monthFolder, {
          ...history(paidAt), from_account_id: AWS_MARKETPLACE.accountId, to_account_id: RESELLER.accountId, end_user_account_id: "", product_id: "",
          action: "DISBURSED", transaction_type: "DISBURSEMENT", parent_billing_event_id: "", disbursement_billing_event_id: "", amount: money(net), currency,
          balance_impacting: "0", invoice_date: iso(paidAt), payment_due_date: "", usage_period_start_date: "", usage_period_end_date: "", invoice_id: "",
          billing_address_id: "", transaction_reference_id: `DISB${id40(payoutKey).slice(0, 36)}`, bank_trace_id: `${year}${String(month).padStart(2, "0")}15HG${String(index).padStart(7, "0")}`,
          broker_id: lines[0].broker_id, buyer_transaction_reference_id: "", agreement_id: "",
        });
      }
      disbursable = [];
    }
    // The month's invoices, dated the last day of the month.
    const invoiceAt = at(year, month, lastDay);
    const feeAt = at(year, month, lastDay, 0, 4);
    const usageStart = iso(at(year, month, 1));
    const usageEnd = iso(new Date(Date.UTC(year, month - 1, lastDay, 23, 59, 59)));
    const due = iso(new Date(invoiceAt.getTime() + 30 * 86_400_000));
    for (const buyer of buyers) {
      const offer = OFFERS[buyer.offer];
      const key = `${buyer.customer.id}:${year}-${month}`;
      const btr = `BTR${id40(`btr:${key}`).slice(0, 37)}`;
      const str = `STR${id40(`str:${key}`).slice(0, 37)}`;
      const buyerInvoice = String(1_700_000_000 + index * (options.scaled ? 100_000 : 1000) + buyers.indexOf(buyer) * 10);
      const sellerInvoice = String(Number(buyerInvoice) + 1);
      const agreementId = `agmt-${id40(`agreement:${buyer.customer.id}`).slice(0, 24)}`;
      const common = {
        end_user_account_id: buyer.party.accountId, product_id: offer.product.id, parent_billing_event_id: "", disbursement_billing_event_id: "",
        currency: buyer.currency, usage_period_start_date: usageStart, usage_period_end_date: usageEnd, billing_address_id: buyer.party.addressId,
        bank_trace_id: "", broker_id: buyer.broker, buyer_transaction_reference_id: btr, agreement_id: agreementId,
      };
      const onBuyerInvoice = { ...history(invoiceAt), ...common, invoice_date: iso(invoiceAt), payment_due_date: due, invoice_id: buyerInvoice, transaction_reference_id: btr };
      const onSellerInvoice = { ...history(feeAt), ...common, invoice_date: iso(feeAt), payment_due_date: due, invoice_id: sellerInvoice, transaction_reference_id: str };
      const revenue = bill(`${key}:revenue`, monthFolder, { ...onBuyerInvoice, from_account_id: buyer.party.accountId, to_account_id: RESELLER.accountId, action: "INVOICED", transaction_type: "SELLER_REV_SHARE", amount: money(buyer.price), balance_impacting: "1" });
      disbursable.push(revenue);
      if (buyer.taxBps > 0) {
        const tax = share(buyer.price, buyer.taxBps);
        const taxEvent = bill(`${key}:tax`, monthFolder, { ...onBuyerInvoice, from_account_id: buyer.party.accountId, to_account_id: AWS_MARKETPLACE.accountId, action: "INVOICED", transaction_type: "AWS_TAX_SHARE", amount: money(tax), balance_impacting: "0" });
        feedsOut.add("TaxItemFeed_V1", monthFolder, taxItem(`${key}:tax`, taxEvent, buyer, buyer.price, tax, "AWS"));
      }
      const feeBps = buyer.offer === "cppo" ? LISTING_FEE_BPS.cppo : LISTING_FEE_BPS.own;
      const fee = share(buyer.price, feeBps);
      disbursable.push(bill(`${key}:fee`, monthFolder, { ...onSellerInvoice, from_account_id: RESELLER.accountId, to_account_id: AWS_MARKETPLACE.accountId, action: "INVOICED", transaction_type: "AWS_REV_SHARE", amount: money(-fee), balance_impacting: "1" }));
      if (buyer.offer === "cppo") {
        disbursable.push(bill(`${key}:wholesale`, monthFolder, { ...onSellerInvoice, from_account_id: RESELLER.accountId, to_account_id: ISV.accountId, action: "INVOICED", transaction_type: "SELLER_REV_SHARE", amount: money(-share(buyer.price, WHOLESALE_BPS)), balance_impacting: "1" }));
      }
      if (buyer.broker === "AWS_EUROPE") {
        const vat = share(fee, LISTING_FEE_VAT_BPS);
        disbursable.push(bill(`${key}:fee-vat`, monthFolder, { ...onSellerInvoice, from_account_id: RESELLER.accountId, to_account_id: AWS_MARKETPLACE.accountId, action: "INVOICED", transaction_type: "AWS_TAX_SHARE", amount: money(-vat), balance_impacting: "1" }));
      }
      // A refund of a quarter of the second month's price to the public-offer buyer, with its listing fee and tax.
      if (index === 1 && buyer.offer === "public") {
        const refundAt = at(year, month, 20);
        const refundKey = `${key}:refund`;
        const rbtr = `BTR${id40(`btr:${refundKey}`).slice(0, 37)}`;
        const rstr = `STR${id40(`str:${refundKey}`).slice(0, 37)}`;
        const refund = Math.round(buyer.price / 4);
        const base = { ...history(refundAt), ...common, buyer_transaction_reference_id: rbtr, invoice_date: iso(refundAt), payment_due_date: "" };
        bill(`${refundKey}:revenue`, monthFolder, { ...base, invoice_id: String(Number(buyerInvoice) + 5), transaction_reference_id: rbtr, from_account_id: buyer.party.accountId, to_account_id: RESELLER.accountId, action: "INVOICED", transaction_type: "SELLER_REV_SHARE_REFUND", amount: money(-refund), balance_impacting: "1" });
        const taxRefund = bill(`${refundKey}:tax`, monthFolder, { ...base, invoice_id: String(Number(buyerInvoice) + 5), transaction_reference_id: rbtr, from_account_id: buyer.party.accountId, to_account_id: AWS_MARKETPLACE.accountId, action: "INVOICED", transaction_type: "AWS_TAX_SHARE_REFUND", amount: money(-share(refund, buyer.taxBps)), balance_impacting: "0" });
        feedsOut.add("TaxItemFeed_V1", monthFolder, taxItem(`${refundKey}:tax`, taxRefund, buyer, -refund, -share(refund, buyer.taxBps), "REFUND"));
        bill(`${refundKey}:fee`, monthFolder, { ...base, invoice_id: String(Number(buyerInvoice) + 6), transaction_reference_id: rstr, from_account_id: RESELLER.accountId, to_account_id: AWS_MARKETPLACE.accountId, action: "INVOICED", transaction_type: "AWS_REV_SHARE_REFUND", amount: money(share(refund, LISTING_FEE_BPS.own)), balance_impacting: "1" });
      }
    }
    // Feeds with no change this month still get their month file, with the header only.
    for (const feed of Object.keys(COLUMNS)) feedsOut.ensure(feed, monthFolder);
  }
  for (const feed of Object.keys(COLUMNS)) feedsOut.ensure(feed, backfill);

  const files: string[] = [];
  let rows = 0;
  for (const [key, list] of [...feedsOut.rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [feed, month] = key.split("|");
    const columns = COLUMNS[feed];
    const dir = join(dataDir, ROOT, feed, month);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "data.csv");
    const lines = [columns.join(","), ...list.map((row) => columns.map((c) => csvField(row[c] ?? "")).join(","))];
    writeFileSync(file, `${lines.join("\n")}\n`);
    files.push(file);
    rows += list.length;
  }
  return {
    rows,
    files,
    customers: Object.fromEntries(buyers.map((b) => [b.customer.id, { account_ids: [b.party.awsAccountId] }])),
    currencies: [...new Set(buyers.map((b) => b.currency))].sort(),
  };
}

function taxItem(key: string, event: Row, buyer: Buyer, taxable: number, tax: number, kind: string): Row {
  return {
    valid_from: event.valid_from, insert_date: event.insert_date, update_date: event.update_date, delete_date: "",
    tax_item_id: id40(`tax-item:${key}`), invoice_id: event.invoice_id, line_item_id: id40(`line-item:${key.replace(/:refund/, "")}`).slice(0, 20),
    customer_bill_id: id40(`bill:${event.invoice_id}`).slice(0, 20), tax_liable_party: "AWS", transaction_type_code: kind, product_id: event.product_id,
    product_tax_code: "AWSMP_SOFTWARE_RA", invoice_date: event.invoice_date, taxed_customer_account_id: buyer.party.accountId,
    taxed_customer_country: buyer.party.country, taxed_customer_state_or_region: buyer.party.state, taxed_customer_city: buyer.party.city,
    taxed_customer_postal_code: buyer.party.postalCode, tax_location_code_taxed_jurisdiction: "", tax_type_code: buyer.currency === "EUR" ? "VAT" : "Sales",
    jurisdiction_level: buyer.currency === "EUR" ? "Country" : "State", taxed_jurisdiction: buyer.party.country, display_price_taxability_type: "Exclusive",
    taxable_amount: money(taxable), nontaxable_amount: "0.00", tax_jurisdiction_rate: (buyer.taxBps / 10000).toFixed(4), tax_amount: money(tax),
    tax_currency: buyer.currency, tax_calculation_reason_code: "Taxable", date_used_for_tax_calculation: event.invoice_date,
    customer_exemption_certificate_id: "", customer_exemption_certificate_id_domain: "", customer_exemption_certificate_level: "", customer_exemption_code: "",
    customer_exemption_domain: "", transaction_reference_id: event.transaction_reference_id,
  };
}
