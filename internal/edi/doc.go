// Package edi reads and writes EDI interchanges — ANSI X12 and
// UN/EDIFACT — for the gateway's POST /api/v1/edi (clause 6.2.1). It owns
// the syntax, the envelopes, the mapping between EDI transaction sets and
// the platform's canonical documents, functional acknowledgements, outbound
// generation and the trading-partner profile type. It stores nothing and
// serves nothing: the gateway persists profiles and documents, allocates
// control numbers, detects duplicates and turns errors into responses.
//
// # Using it
//
// Inbound:
//
//	res, err := edi.Parse(body, edi.Options{Partner: lookupProfile})
//	if err != nil {
//		// *edi.Error (edi.CodeOf(err)): a broken interchange. Answer 422
//		// naming err.Field(); store nothing.
//	}
//	for _, ic := range res.Interchanges {
//		// ic.ID.Key(): reject a duplicate interchange.
//		// Each ic.Groups[].Transactions[] is accepted (t.Document is set)
//		// or rejected (t.Errors says why).
//		edi.WriteAck(&ack, ic, "", edi.Control{Interchange: n, Group: m})
//	}
//	docs := res.Documents() // accepted documents only
//
// Outbound: Encode(w, profile, control, docs...) writes an 855, 856 or
// 180 (X12) or DESADV or RETANN (EDIFACT).
//
// # Supported transaction sets
//
// Inbound X12 850 → PurchaseOrder, 856 → ShipNotice, 810 → Invoice,
// 855 → OrderAck, 214 → TrackingStatus, 180 → ReturnNotice; EDIFACT
// ORDERS → PurchaseOrder, DESADV → ShipNotice, INVOIC → Invoice, IFTSTA →
// TrackingStatus, RETANN → ReturnNotice; and a
// partner's acknowledgements of what the platform sent, X12 997/999 and
// EDIFACT CONTRL → FunctionalAck (acknowledgements are never acknowledged).
// Any other type still has its envelope checked and is rejected in the
// acknowledgement as unsupported_transaction; the rest of the interchange
// is unaffected. Outbound: X12 855, 856 and 180, EDIFACT DESADV and
// RETANN; acknowledgements 997, 999 (GS08 and ST03 005010X231A1) and
// CONTRL.
//
// Return notices (180, RETANN) carry a return's status and reason both as
// codes (X12 BGN01, RDR01 and RDR02; EDIFACT BGM 1225) and as the
// platform's words (RDR04, FTX); the table is in returns.go. The 180 has
// no currency segment: its prices are in the currency agreed with the
// partner (Profile.DefaultCurrency, else USD, when read).
//
// # What is fatal and what is not
//
// A problem inside a transaction set or message (SE01/UNT count wrong,
// SE02/UNT reference not matching, an unsupported type, a missing BEG, a
// quantity that is not a number, a shipped line without SN1 or QTY)
// rejects that set only, and the
// acknowledgement says so; the other sets are accepted. A problem with a
// group envelope (GE/UNE count or reference, a missing GE) rejects the
// group's sets. A broken interchange — input that is not EDI, a truncated
// ISA or UNA, a missing IEA/UNZ, a wrong IEA/UNZ count, segments where no
// envelope allows them, a segment over the size limit — makes Parse return
// an *Error with the segment's index, byte offset, line and tag, and no
// result: nothing of it should be stored.
//
// One exception is deliberate: an IEA or UNZ control number that differs
// from ISA13 or the UNB reference is a warning (Interchange.Warnings, and a
// TA1 "E 001" or a UCI error 28 in the acknowledgement), not a fatal error.
// Three of the public sample interchanges have exactly this fault while
// being otherwise complete, and the trailer count already proves nothing
// was lost. Options.StrictEnvelope makes it fatal.
//
// # Streaming
//
// Reader is the tokenizer. It reads its source in chunks (4 KiB growing to
// 64 KiB, and beyond only for a longer segment, up to
// DefaultMaxSegmentSize) and returns one
// segment at a time; each segment's values are substrings of a single
// string, so there is one allocation per segment and memory use does not
// grow with the interchange. Parse drives Reader through an envelope state
// machine and feeds each transaction set's segments to a mapper that keeps
// only the state its loops need (the open party, line or HL level). What
// Parse keeps are the documents and the envelope facts the acknowledgement
// needs; segments are never retained.
//
// # Why a tokenizer of our own
//
// The Go EDI packages available either could not be installed or lose data
// on files that occur in practice: the one that installs drops a final
// segment that has no terminator (an X12 file ending "IEA*1*000000049"
// with no newline yields one segment fewer). Real files also arrive with a
// UTF-8 byte-order mark, CRLF or no line breaks at all, a newline as the
// X12 segment terminator, an ISA padded with multi-byte spaces, EDIFACT
// release characters ("?+" inside a phone number), UNA advice with unusual
// delimiters and EDIFACT messages without UNB. The tokenizer is small, has
// no dependencies and is fuzzed (FuzzTokenizeX12, FuzzTokenizeEDIFACT,
// FuzzParse), which is cheaper to own than a dependency that has to be
// worked around.
//
// # Delimiters
//
// X12 delimiters come from the ISA, which the standard fixes at 106
// characters: the element separator is its 4th byte, the component
// separator its 105th (ISA16) and the segment terminator its 106th;
// ISA11 is the repetition separator from version 00402 on. Because senders
// do pad ISA wrongly, Reader finds ISA16 by counting 16 element separators,
// which agrees with the fixed positions whenever those are right. EDIFACT
// delimiters come from UNA (component, element, decimal mark, release,
// repetition, terminator), else the defaults : + . ? * ' — without the
// repetition separator when UNB declares syntax version 1 to 3, where '*'
// is ordinary data. CR/LF after a terminator is skipped; a final segment
// without terminator is returned.
//
// # Canonical documents
//
// The document types follow the platform's order JSON (external_id,
// placed_at, currency, buyer, ship_to, lines with sku, quantity and
// unit_price) so the gateway converts them one to one. Amounts are decimal
// strings with the sender's precision (X12 TDS01 has two implied decimals);
// quantities are json.Number; nothing goes through float64. Timestamps are
// RFC 3339, read in the partner's time zone (Profile.TimeZone, UTC by
// default) unless an X12 time code gives one.
//
// Tracking status messages (214, IFTSTA) carry the carrier's status code
// on each event and also a normalised Stage (label_created, picked_up,
// export_customs, departed, arrived_destination_country, import_customs,
// out_for_delivery, delivered, exception, returned): X12 AT701 codes and
// UN/ECE Recommendation 24 codes are read through the tables in
// tracking.go, so the logistics module sees one vocabulary. A code that
// names no stage leaves Stage empty rather than guessing.
//
// A partner's 997, 999 or CONTRL maps to FunctionalAck: per transaction
// set its verdict (accepted, accepted_with_errors, rejected), the set-level
// codes and the segment and element errors (AK3/AK4, IK3/IK4, UCS/UCD);
// group and interchange codes (AK9, UCI) on the acknowledgement itself.
// Matching it to what was sent is the gateway's job.
//
// Rules the gateway relies on:
//   - A purchase order that names no buyer (no N1*BY, no NAD+BY) gets the
//     interchange sender as buyer — ISA05/ISA06 or UNB S002, named after the
//     partner profile — with BuyerFromSender set. Other documents get no
//     default party.
//   - Currency: X12 CUR02, else Profile.DefaultCurrency, else USD; EDIFACT
//     CUX, else Profile.DefaultCurrency, else "" (the gateway must decide).
//   - Line.SKU is the first identifier by qualifier in the order VP, VN,
//     SA, SK, MG, MF, BP, IN, SRV, EN, UP, UK, UA, IB, else the first one;
//     all identifiers stay in ProductIDs.
//
// Not mapped (kept out rather than guessed): allowances and charges (SAC,
// ALC), tax detail other than totals, line-level parties and dates,
// terms of payment, package nesting below one level on output, and
// EDIFACT ORDRSP (read as unsupported).
package edi
