package alerts

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Languages a notice must be written in.
var noticeLanguages = []string{"en", "zh-CN"}

// Limits of one notice.
const (
	maxNoticeTitle = 300
	maxNoticeBody  = 20_000
)

// Notice is a regulatory notice a compliance officer publishes to every
// tenant subscribed to its markets and categories: news of a regulation
// not (yet) in the rule set, in English and Chinese.
type Notice struct {
	ID         string   `json:"id,omitzero"`
	Markets    []string `json:"markets"`
	Categories []string `json:"categories,omitempty"`
	// Title and Body map a language tag to the text; en and zh-CN are
	// required.
	Title map[string]string `json:"title"`
	Body  map[string]string `json:"body"`
	// EffectiveFrom is the date the regulation applies (YYYY-MM-DD).
	EffectiveFrom string    `json:"effective_from"`
	SourceURL     string    `json:"source_url"`
	PublishedBy   string    `json:"published_by,omitempty"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
}

// XMLRoot names the notice's XML element.
func (Notice) XMLRoot() string { return "notice" }

// Validate normalises n and reports every bad field by name.
func (n *Notice) Validate() error {
	var fs problem.Errors
	n.Markets = validMarkets(&fs, "markets", n.Markets)
	n.Categories = validCategories(&fs, "categories", n.Categories)
	texts := func(field string, m map[string]string, max int) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if k != "en" && k != "zh-CN" {
				fs.Add(field+"."+k, "one_of", "values", strings.Join(noticeLanguages, ", "))
				continue
			}
			out[k] = strings.TrimSpace(v)
		}
		for _, l := range noticeLanguages {
			switch v := out[l]; {
			case v == "":
				fs.Add(field+"."+l, "required")
			case utf8.RuneCountInString(v) > max:
				fs.Add(field+"."+l, "max_length", "max", max)
			}
		}
		return out
	}
	n.Title = texts("title", n.Title, maxNoticeTitle)
	n.Body = texts("body", n.Body, maxNoticeBody)
	n.EffectiveFrom = strings.TrimSpace(n.EffectiveFrom)
	if n.EffectiveFrom == "" {
		fs.Add("effective_from", "required")
	} else if _, err := time.Parse(time.DateOnly, n.EffectiveFrom); err != nil {
		fs.Add("effective_from", "invalid_format", "format", "YYYY-MM-DD")
	}
	n.SourceURL = strings.TrimSpace(n.SourceURL)
	if n.SourceURL == "" {
		fs.Add("source_url", "required")
	} else if u, err := url.Parse(n.SourceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fs.Add("source_url", "invalid_url")
	}
	return fs.Err()
}

// noticeAlert builds the alert about n.
func noticeAlert(n Notice) Alert {
	nc := n
	return Alert{Kind: KindNotice, Markets: n.Markets, Categories: n.Categories, Title: n.Title["en"],
		Titles: map[string]string{"zh-CN": n.Title["zh-CN"]}, Notice: &nc, Products: []ProductEffect{}, Counts: map[string]int{}}
}
