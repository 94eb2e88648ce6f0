// Package screening owns denied-party name screening: matching a name
// against the loaded sanctions lists (package sanctions owns the lists
// themselves), the review cases a potential match opens, the false
// positives a reviewer cleared and the re-screening of known parties when
// a list changes.
//
// # Matching
//
// Names are analysed into tokens the same way on both sides (see
// analyze): Unicode compatibility folding, diacritics stripped, Cyrillic
// and Greek transliterated, Han characters read as pinyin, honorifics and
// legal forms dropped, Arabic particles split off. Each token also has a
// skeleton that folds transliteration variants together (Mohammed,
// Muhammad and Mohamad share one).
//
// The index interns every list token once and keeps, per token, the names
// that use it. A query token is compared only with the list tokens that
// share its skeleton or sit one edit away from it (a deletion index over
// skeletons), so a screening never scores every entry. Candidate names
// are then bounded from above by their matched query weight and only
// those that could reach 0.70 are aligned in full.
//
// A name's score is 0.6 × the weighted share of the query it explains plus
// 0.4 × the weighted share of the list name matched, with word order
// ignored and tokens weighted by rarity across the lists, so that a shared
// common token ("Mohammed", "Trading") cannot carry a match. A weak alias,
// or a one-word name matched other than exactly, is capped below the
// review threshold.
package screening
