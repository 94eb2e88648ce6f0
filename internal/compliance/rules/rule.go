// Package rules owns the regulation database: versioned rules per market,
// their import format, validation, and the two-person draft → publish
// workflow. The rule engine lives in package checks; this package only says
// what a rule is.
package rules

import "time"

// Severities, highest first. A finding's severity is its rule's.
const (
	Prohibited    = "prohibited"
	Restricted    = "restricted"
	Documentation = "documentation"
	Labelling     = "labelling"
	Info          = "info"
)

// Severities lists the severities, highest first.
var Severities = []string{Prohibited, Restricted, Documentation, Labelling, Info}

// Statuses of a rule version.
const (
	Draft     = "draft"
	InReview  = "in_review"
	Published = "published"
	Retired   = "retired"
)

// Transport modes a rule may be limited to.
var Transports = []string{"air", "sea", "rail", "road", "post"}

// Rule is one version of a regulation rule, in the shape of the contract
// (GET /api/v1/compliance/rules/{id}) and of the import format. The id is
// stable across versions ("EU-TOY-001"); each edit makes a new version.
type Rule struct {
	ID      string `json:"id" yaml:"id"`
	Version int    `json:"version" yaml:"version,omitempty"`
	Status  string `json:"status" yaml:"status,omitempty"`
	// Market is ISO 3166-1 alpha-2, "EU", "GLOBAL", or a subdivision such
	// as "US-CA". EU member states inherit EU rules; GLOBAL rules follow the
	// goods to every destination.
	Market    string `json:"market" yaml:"market"`
	Title     string `json:"title" yaml:"title"`
	Authority string `json:"authority" yaml:"authority"`
	// Reference is the legal reference ("Directive 2014/35/EU Art. 3").
	Reference string `json:"reference" yaml:"reference"`
	// SourceURL is the official text or authority page.
	SourceURL   string        `json:"source_url" yaml:"source_url"`
	AppliesTo   Applicability `json:"applies_to" yaml:"applies_to"`
	Requirement string        `json:"requirement" yaml:"requirement"`
	// Evidence is what satisfies the requirement; a product carrying any one
	// item of every group passes. Empty for rules that only inform or only
	// prohibit.
	Evidence []Evidence `json:"evidence" yaml:"evidence,omitempty"`
	// Action tells the seller what to do when the rule is not satisfied.
	Action   string `json:"action,omitempty" yaml:"action,omitempty"`
	Severity string `json:"severity" yaml:"severity"`
	// Limits are numeric thresholds above which the rule prohibits the
	// product outright (a lithium battery over 100 Wh on a passenger
	// aircraft): each names a fact and its maximum.
	Limits        []Limit    `json:"limits,omitempty" yaml:"limits,omitempty"`
	EffectiveFrom time.Time  `json:"effective_from" yaml:"effective_from"`
	EffectiveTo   *time.Time `json:"effective_to,omitempty" yaml:"effective_to,omitempty"`
	// Translations holds the texts in other languages, keyed by BCP 47 tag
	// ("zh-CN"). The untagged fields are English.
	Translations map[string]Texts `json:"translations,omitempty" yaml:"translations,omitempty"`
	// Notes are for compliance officers: caveats, items to re-verify.
	Notes string `json:"notes,omitempty" yaml:"notes,omitempty"`

	// Set by the platform.
	AuthorID    string     `json:"author_id,omitempty" yaml:"-"`
	PublishedBy string     `json:"published_by,omitempty" yaml:"-"`
	PublishedAt *time.Time `json:"published_at,omitempty" yaml:"-"`
	CreatedAt   time.Time  `json:"created_at,omitzero" yaml:"-"`
	// SupersededAt is when a later published version took this one's
	// place; a version in force has none.
	SupersededAt *time.Time `json:"superseded_at,omitempty" yaml:"-"`
}

// Texts are a rule's texts in one language.
type Texts struct {
	Title       string `json:"title,omitempty" yaml:"title,omitempty"`
	Requirement string `json:"requirement,omitempty" yaml:"requirement,omitempty"`
	Action      string `json:"action,omitempty" yaml:"action,omitempty"`
}

// Applicability says which products and shipments a rule concerns. The
// selectors (Categories, HS, Materials, Keywords) are alternatives: a
// product is selected when any one of them matches, or when all are empty.
// Every Condition must then hold, and Transport and Channels, when given,
// must include the check's.
type Applicability struct {
	// Categories are tags from the category vocabulary (Categories in
	// facts.go), e.g. "toys", "cosmetics", "electrical".
	Categories []string `json:"categories,omitempty" yaml:"categories,omitempty"`
	// HS are HS code prefixes of 2 to 10 digits; "*" matches any product.
	HS []string `json:"hs,omitempty" yaml:"hs,omitempty"`
	// Materials match the product's materials (lower case, e.g. "ivory").
	Materials []string `json:"materials,omitempty" yaml:"materials,omitempty"`
	// Keywords match whole words of the product's titles in any language.
	Keywords   []string    `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	Conditions []Condition `json:"conditions,omitempty" yaml:"conditions,omitempty"`
	Transport  []string    `json:"transport,omitempty" yaml:"transport,omitempty"`
	// Channels limit the rule to sales channels ("online", "marketplace").
	Channels []string `json:"channels,omitempty" yaml:"channels,omitempty"`
	// Origins limit the rule to goods made in these countries (ISO alpha-2).
	Origins []string `json:"origins,omitempty" yaml:"origins,omitempty"`
}

// Condition is a test on one fact of the product or shipment (see Facts).
// A fact the product does not state makes the finding a warn that names the
// fact to provide, never a silent pass.
type Condition struct {
	Fact string `json:"fact" yaml:"fact"`
	// Op is one of eq, ne, lt, le, gt, ge, in, not_in, present.
	Op    string `json:"op" yaml:"op"`
	Value any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// Evidence is one way of satisfying a rule. Items with the same Group are
// alternatives (any one suffices); every group must be satisfied. An empty
// Group is a group of its own.
type Evidence struct {
	// Kind is certificate, mark, label, registration, document,
	// responsible_person or fact.
	Kind string `json:"kind" yaml:"kind"`
	// Code is the stable evidence key from the evidence vocabulary
	// (EvidenceCodes in facts.go): "ce", "fcc_id", "eu_responsible_person".
	// A product shows it in certifications, labels or attributes.
	Code  string `json:"code" yaml:"code"`
	Name  string `json:"name" yaml:"name"`
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
}

// Limit prohibits a product whose fact exceeds Max (for example
// battery.wh > 100, or lithium_content_g > 2).
type Limit struct {
	Fact string  `json:"fact" yaml:"fact"`
	Max  float64 `json:"max" yaml:"max"`
}
