// Package catalog owns the canonical product catalogue (clauses 6.2.1 and
// 6.2.3): a seller's products with multilingual titles, HS code,
// materials, attributes, origin, value, weight and dimensions, battery,
// certifications, labels and target markets, validated field by field;
// the product API in JSON and XML; and the spreadsheet path small sellers
// use — a CSV template in English or Chinese, export, and import with a
// row-by-row error report.
//
// # Storage
//
// Products are tenant-owned: every statement goes through db.Tenanted, so
// a tenant sees only its own products and a sandbox key only sandbox
// products. The product body is one JSON document; the SKU, category, HS
// code, markets and a lower-cased search text sit beside it as columns for
// the list filters. The SKU is unique per tenant and side of the sandbox,
// and lists are in SKU order, on that unique index.
//
// # Versions
//
// Every product carries a version that moves on with each change and is
// sent as the ETag. PUT and DELETE honour If-Match (412 on a mismatch),
// and PUT also a version in the body (409), so a client never overwrites
// a change it has not seen.
//
// # Spreadsheets
//
// The CSV columns are listed, with their Chinese titles, in csv.go and in
// the API reference of the import route. Import is two passes: the first
// streams the upload, checks each row and spools the good ones to a
// temporary file; the second merges them into the stored products by SKU
// in one transaction with one audit record counting what changed. Row
// numbers are those a spreadsheet shows, with the header as row 1. Exports
// are UTF-8 with a byte-order mark, as Excel expects, and cells a
// spreadsheet would run as formulas are written with a leading apostrophe,
// which import removes again.
package catalog
