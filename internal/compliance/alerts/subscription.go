package alerts

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Channels an alert is delivered through.
const (
	InApp   = "in_app"
	Email   = "email"
	Webhook = "webhook"
)

// Channels lists the delivery channels.
var Channels = []string{InApp, Email, Webhook}

// Limits of one subscription.
const (
	maxMarkets    = 50
	maxCategories = 50
	maxEmails     = 20
	maxSubs       = 100
)

// Subscription asks for alerts about some markets (and, optionally, some
// categories) through some channels.
type Subscription struct {
	ID string `json:"id,omitzero"`
	// Markets are ISO 3166-1 alpha-2 countries, EU, GLOBAL, or a
	// subdivision (US-CA).
	Markets []string `json:"markets"`
	// Categories narrow the alerts to rules of these categories (the
	// vocabulary of rules.Categories); empty means every category.
	Categories []string `json:"categories,omitempty"`
	Channels   []string `json:"channels"`
	// Emails are the recipients of the e-mail channel; required with it.
	Emails    []string  `json:"emails,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// XMLRoot names the subscription's XML element.
func (Subscription) XMLRoot() string { return "subscription" }

// Validate normalises s (upper-case markets, lower-case categories and
// addresses, no duplicates) and reports every bad field by name.
func (s *Subscription) Validate() error {
	var fs problem.Errors
	s.Markets = validMarkets(&fs, "markets", s.Markets)
	s.Categories = validCategories(&fs, "categories", s.Categories)
	switch {
	case len(s.Channels) == 0:
		fs.Add("channels", "required")
	case len(s.Channels) > len(Channels):
		fs.Add("channels", "max_items", "max", len(Channels))
	}
	var chans []string
	for i, c := range s.Channels {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case !slices.Contains(Channels, c):
			fs.Add(itemField("channels", i), "one_of", "values", strings.Join(Channels, ", "))
		case slices.Contains(chans, c):
			fs.Add(itemField("channels", i), "duplicate")
		default:
			chans = append(chans, c)
		}
	}
	s.Channels = chans
	var emails []string
	if len(s.Emails) > maxEmails {
		fs.Add("emails", "max_items", "max", maxEmails)
	}
	for i, e := range s.Emails {
		a, err := mail.ParseAddress(strings.TrimSpace(e))
		// Only a bare address: a display name or a comment would let a
		// subscriber smuggle text into the message headers.
		if err != nil || a.Name != "" || a.Address != strings.TrimSpace(e) || strings.ContainsAny(e, "\r\n<>") {
			fs.Add(itemField("emails", i), "invalid_email")
			continue
		}
		addr := strings.ToLower(a.Address)
		if !slices.Contains(emails, addr) {
			emails = append(emails, addr)
		}
	}
	s.Emails = emails
	if slices.Contains(s.Channels, Email) && len(s.Emails) == 0 && len(fs) == 0 {
		fs.Add("emails", "required")
	}
	return fs.Err()
}

func itemField(name string, i int) string { return name + "[" + itoa(i) + "]" }

func validMarkets(fs *problem.Errors, field string, ms []string) []string {
	switch {
	case len(ms) == 0:
		fs.Add(field, "required")
		return nil
	case len(ms) > maxMarkets:
		fs.Add(field, "max_items", "max", maxMarkets)
		return nil
	}
	var out []string
	for i, m := range ms {
		m = strings.ToUpper(strings.TrimSpace(m))
		switch {
		case !rules.ValidMarket(m):
			fs.Add(itemField(field, i), "invalid_rule_market")
		case !slices.Contains(out, m):
			out = append(out, m)
		}
	}
	return out
}

func validCategories(fs *problem.Errors, field string, cs []string) []string {
	if len(cs) > maxCategories {
		fs.Add(field, "max_items", "max", maxCategories)
		return nil
	}
	var out []string
	for i, c := range cs {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case !slices.Contains(rules.Categories, c):
			fs.Add(itemField(field, i), "unknown_category")
		case !slices.Contains(out, c):
			out = append(out, c)
		}
	}
	return out
}

// marketsMatch reports whether a subscription to subs concerns something
// about the markets of about: one lies in the other's lineage.
func marketsMatch(subs, about []string) bool {
	for _, s := range subs {
		for _, a := range about {
			if s == rules.Global || a == rules.Global || slices.Contains(rules.Lineage(s), a) || slices.Contains(rules.Lineage(a), s) {
				return true
			}
		}
	}
	return false
}

// categoriesMatch reports whether a subscription narrowed to subs wants
// something about the categories of about; no categories on either side
// (or "all") matches everything.
func categoriesMatch(subs, about []string) bool {
	if len(subs) == 0 || len(about) == 0 || slices.Contains(about, "all") {
		return true
	}
	for _, c := range subs {
		if slices.Contains(about, c) {
			return true
		}
	}
	return false
}

// Matches reports whether s wants an alert about markets and categories.
func (s Subscription) Matches(markets, categories []string) bool {
	return marketsMatch(s.Markets, markets) && categoriesMatch(s.Categories, categories)
}
